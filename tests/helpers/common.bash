# common.bash - shared set-up for the bats suites: tools, fixture hosts, identities
#
# A fixture host is a directory under tests/fixtures/hosts/ laid out like a
# host's root (proc/, sys/, dev/, cpuid.raw ...).  Each test works on a fresh
# copy, in which the MSR files listed in msr.spec are written as sparse files
# (0xC0010114 is 3 GiB into the file: far too big to commit).

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
# shellcheck source=tests/helpers/skip-later.bash
source "$(dirname "${BASH_SOURCE[0]}")/skip-later.bash"

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BUILD=${BUILD:-$TOP/build}
KVM_OK=$BUILD/kvm-ok
FIXTURES=$TOP/tests/fixtures/hosts

# kvm-ok reads these to tell a container or a CI runner (kvm-ok(1),
# CONTAINERS AND SANDBOXES): the tests must not depend on where they run.
unset container GITHUB_ACTIONS GITLAB_CI CI KUBERNETES_SERVICE_HOST

# Runs a command of a setup_file (where a failing command would end the
# setup) and writes its exit status to FILE for the tests to judge.
record_status() {
	local file=$1
	shift
	if "$@"; then echo 0 > "$file"; else echo $? > "$file"; fi
}

# Copies fixture NAME into $HOST (world-readable, so tests may run the tool
# as an unprivileged user) and writes its MSR files.
host_from_fixture() {
	local name=$1
	[ -d "$FIXTURES/$name" ] || { echo "no fixture host $name" >&2; return 1; }
	HOST_TMP=$(mktemp -d /tmp/kvm-ok-test.XXXXXX)
	chmod 0755 "$HOST_TMP"
	HOST=$HOST_TMP/$name
	cp -a "$FIXTURES/$name" "$HOST"
	if [ -f "$HOST/msr.spec" ]; then
		write_msrs "$HOST" < "$HOST/msr.spec"
	fi
	# device nodes (under --sysroot, /dev/kvm -> /dev/null resolves inside
	# the image); without root they stay missing, as a dangling link
	if [ -f "$HOST/devices.spec" ] && [ "$(id -u)" -eq 0 ]; then
		local name type major minor
		while read -r name type major minor; do
			case $name in ''|'#'*) continue ;; esac
			mknod -m 0666 "$HOST/dev/$name" "$type" "$major" "$minor"
		done < "$HOST/devices.spec"
	fi
}

# Makes $HOST/dev/kvm a symlink to /dev/NAME with a real character device
# NAME (MAJOR:MINOR) inside the image: under --sysroot, links resolve inside
# the image (never to this machine's /dev).  Needs root (mknod).
host_kvm_links_to() {
	local name=$1 major=$2 minor=$3
	[ "$(id -u)" -eq 0 ] || skip "needs root to make a device node in the host image (mknod)"
	mkdir -p "$HOST/dev"
	rm -f "$HOST/dev/$name"
	mknod -m 0666 "$HOST/dev/$name" c "$major" "$minor"
	ln -sfn "/dev/$name" "$HOST/dev/kvm"
}

# The "processor" numbers of a host's /proc/cpuinfo.
host_cpus() {
	sed -n 's/^processor[[:space:]]*:[[:space:]]*\([0-9]*\).*/\1/p' "$1/proc/cpuinfo"
}

# msr.spec lines: "CPU MSR VALUE", CPU a number or "all"; VALUE a number or
# "short" (a file that ends 4 bytes into the MSR).
write_msrs() {
	local host=$1 cpu msr value c
	while read -r cpu msr value; do
		case $cpu in ''|'#'*) continue ;; esac
		if [ "$cpu" = all ]; then cpu=$(host_cpus "$host"); fi
		for c in $cpu; do
			mkdir -p "$host/dev/cpu/$c"
			write_msr "$host/dev/cpu/$c/msr" "$msr" "$value"
		done
	done
}

write_msr() {
	local file=$1 addr=$(( $2 )) value=$3 bytes="" i
	if [ "$value" = short ]; then
		truncate -s $(( addr + 4 )) "$file"
		return
	fi
	value=$(( value ))
	for i in 0 1 2 3 4 5 6 7; do
		bytes+=$(printf '\\x%02x' $(( (value >> (8 * i)) & 255 )))
	done
	# shellcheck disable=SC2059
	printf "$bytes" | dd of="$file" bs=1 seek="$addr" conv=notrunc status=none
}

remove_host() {
	if [ -n "${HOST_TMP:-}" ]; then rm -rf "$HOST_TMP"; fi
}

# Runs kvm-ok on the current fixture host.
kvm_ok_on_host() {
	run "$KVM_OK" --sysroot "$HOST" "$@"
}

# The same, bounded: fails the test on a hang or a crash (an exit above 2),
# whatever the broken host holds.
kvm_ok_decided() {
	run timeout 10 "$KVM_OK" --sysroot "$HOST" "$@"
	[ "$status" -ne 124 ] || fail "kvm-ok hung"
	[ "$status" -le 2 ] || fail "kvm-ok crashed or misbehaved: exit $status: $output"
}

# An unprivileged identity and a group it is not in, for permission tests.
require_root_for_identity() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to run kvm-ok as another user (setpriv)"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is missing"
}

# Runs kvm-ok as nobody on the current fixture host; the binary is copied
# next to the host so that nobody can reach it wherever the tree lives.
kvm_ok_on_host_as_nobody() {
	cp "$KVM_OK" "$HOST_TMP/kvm-ok"
	chmod 0755 "$HOST_TMP/kvm-ok"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$HOST_TMP/kvm-ok" --sysroot "$HOST" "$@"
}

# A group the nobody user is not a member of: kvm where it exists.
other_group() {
	if getent group kvm >/dev/null; then echo kvm; else echo disk; fi
}

# The JSON report's field, e.g. json_field .reason
json_field() {
	"$KVM_OK" --sysroot "$HOST" --json "${@:2}" | jq -r "$1"
}

# Builds lib/modules/RELEASE under a host with fake modules (ELF objects
# with a .modinfo name, exported and undefined symbols: enough for depmod to
# compute real dependencies and for libkmod to load them) and indexes it.
# usage: make_module_tree HOST RELEASE SPEC...
#   SPEC: NAME, NAME:DEP1,DEP2 (NAME uses symbols of DEP1 and DEP2),
#         or builtin:NAME (listed in modules.builtin)
make_module_tree() {
	local host=$1 release=$2 tree spec name deps dep src body
	shift 2
	tree=$host/lib/modules/$release
	mkdir -p "$tree/kernel/arch/x86/kvm"
	: > "$tree/modules.order"
	: > "$tree/modules.builtin"
	: > "$tree/modules.builtin.modinfo"
	src=$(mktemp -d)
	for spec in "$@"; do
		if [ "${spec#builtin:}" != "$spec" ]; then
			name=${spec#builtin:}
			echo "kernel/arch/x86/kvm/${name//_/-}.ko" >> "$tree/modules.builtin"
			continue
		fi
		name=${spec%%:*}
		deps=""
		[ "$name" != "$spec" ] && deps=${spec#*:}
		{
			printf '__attribute__((section(".modinfo"), used)) static const char n[] = "name=%s";\n' "$name"
			printf '__attribute__((section("__ksymtab_strings"), used)) static const char ks[] = "%s_sym";\n' "$name"
			printf 'int %s_sym(void) { return 0; }\n' "$name"
			body=""
			for dep in ${deps//,/ }; do
				printf 'extern int %s_sym(void);\n' "$dep"
				body+="${dep}_sym() + "
			done
			[ -n "$body" ] && printf 'int use_deps(void) { return %s0; }\n' "$body"
		} > "$src/$name.c"
		gcc -c "$src/$name.c" -o "$tree/kernel/arch/x86/kvm/${name//_/-}.ko"
		echo "kernel/arch/x86/kvm/${name//_/-}.ko" >> "$tree/modules.order"
	done
	rm -rf "$src"
	/sbin/depmod -b "$host" "$release" 2>/dev/null
}

# Debian 12's KVM modules and their dependencies, as fake modules.
make_kvm_module_tree() {
	make_module_tree "$1" "$2" irqbypass kvm:irqbypass ccp kvm_amd:kvm,ccp kvm_intel:kvm msr
}

# Runs a command against the fake kernel (tests/fake-kernel): in a private
# mount namespace whose /sys/module is the host's sys/module, with the
# module calls answered by build/test/fake_kernel.so.
require_fake_kernel() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for a private mount namespace (unshare)"
	unshare --mount --propagation private true 2>/dev/null || skip "unshare --mount is not permitted here"
}

run_in_fake_kernel() {
	mkdir -p "$HOST/sys/module"
	run unshare --mount --propagation private -- bash -c \
		'mount --bind "$1/sys/module" /sys/module || exit 99; shift; LD_PRELOAD="$FAKE_SO" exec "$@"' \
		_ "$HOST" "$@"
}

FAKE_SO=$BUILD/test/fake_kernel.so
export FAKE_SO
