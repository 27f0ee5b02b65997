#!/usr/bin/env bats
# What libkmod reads of a hostile host image (issue 22): its modprobe.d
# files and module indexes as links out of the image, FIFOs and junk.
# libkmod opens them by plain path and logs the lines it cannot parse:
# kvm-ok and modload must hand it only checked copies, and never print a
# byte of a file outside the image.

load helpers/common

RELEASE=6.1.0-27-amd64
SECRET=kvmhost-planted-secret-4f9a

setup() {
	host_from_fixture amd-modules-not-loaded
	make_kvm_module_tree "$HOST" "$RELEASE"
	# a file outside the image, as /etc/shadow would be
	OUTSIDE=$HOST_TMP/outside
	mkdir -p "$OUTSIDE"
	printf 'root:%s:19000:0:99999:7:::\noptions kvm_amd %s=1\n' "$SECRET" "$SECRET" > "$OUTSIDE/shadow"
	chmod 0644 "$OUTSIDE/shadow"
}

teardown() {
	remove_host
}

refute_secret() {
	[[ "$output" != *"$SECRET"* ]] || fail "a file outside the image was printed: $(grep -n "$SECRET" <<<"$output")"
}

@test "hostile kmod: a modprobe.d file linking out of the image (etc, lib, usr/lib) is neither read nor printed" {
	for dir in etc/modprobe.d lib/modprobe.d usr/lib/modprobe.d; do
		mkdir -p "$HOST/$dir"
		ln -sf "$OUTSIDE/shadow" "$HOST/$dir/x.conf"
	done
	run "$KVM_OK" -v --sysroot "$HOST"
	refute_secret
	assert_line --partial "kvm_amd not loaded"
	run "$BUILD/modload" --sysroot "$HOST" --dry-run
	refute_secret
	assert_success
	assert_line --regexp "^insmod $HOST/lib/modules/$RELEASE/kernel/arch/x86/kvm/kvm-amd.ko$"
}

@test "hostile kmod: the image's own modprobe.d is read (options kept), its bad lines are not echoed" {
	mkdir -p "$HOST/etc/modprobe.d"
	printf 'options kvm_amd avic=1\n\033]0;owned\007 garbage line %s\n' "$SECRET" > "$HOST/etc/modprobe.d/kvm.conf"
	run "$BUILD/modload" --sysroot "$HOST" --dry-run
	assert_success
	refute_secret
	[[ "$output" != *owned* ]] || fail "the image's configuration text was echoed: $output"
	assert_line "insmod $HOST/lib/modules/$RELEASE/kernel/arch/x86/kvm/kvm-amd.ko avic=1"
	[ -z "$(find /tmp -maxdepth 1 -name 'kvmhost-modprobe.*' -newer "$HOST/etc/modprobe.d/kvm.conf")" ] ||
		fail "the private copy was left in /tmp"
}

@test "hostile kmod: a FIFO in modprobe.d or among the indexes blocks nothing" {
	mkdir -p "$HOST/etc/modprobe.d"
	mkfifo "$HOST/etc/modprobe.d/fifo.conf"
	run timeout 20 "$BUILD/modload" --sysroot "$HOST" --dry-run
	assert_success
	rm "$HOST/etc/modprobe.d/fifo.conf"
	rm -f "$HOST/lib/modules/$RELEASE/modules.softdep"
	mkfifo "$HOST/lib/modules/$RELEASE/modules.softdep"
	run timeout 20 "$BUILD/modload" --sysroot "$HOST" --dry-run
	assert_failure 1
	assert_output --partial "/lib/modules/$RELEASE/modules.softdep is not a regular file: the module tree is not read"
	run timeout 20 "$KVM_OK" --sysroot "$HOST"
	[ "$status" -le 2 ] || fail "exit $status"
}

@test "hostile kmod: module indexes linking out of the image are not handed to libkmod" {
	for f in modules.dep.bin modules.alias.bin modules.softdep; do
		rm -f "$HOST/lib/modules/$RELEASE/$f"
		ln -s "$OUTSIDE/shadow" "$HOST/lib/modules/$RELEASE/$f"
		run "$BUILD/modload" --sysroot "$HOST" --dry-run
		refute_secret
		assert_failure 1
		assert_output --partial "/lib/modules/$RELEASE/$f is a symbolic link: the module tree is not read"
		rm "$HOST/lib/modules/$RELEASE/$f"
	done
}

# The running kernel's command line, as this host would have it: a file
# bind-mounted on /proc/cmdline in a mount namespace of the test's own.
with_running_cmdline() {
	local text=$1
	shift
	printf '%s\n' "$text" > "$HOST_TMP/running-cmdline"
	run unshare --mount --propagation private -- sh -c \
		'mount --bind "$1" /proc/cmdline && shift && exec "$@"' sh "$HOST_TMP/running-cmdline" "$@"
}

@test "hostile kmod: libkmod takes module options and blacklists from the image's proc/cmdline, not the running kernel's" {
	[ "$(id -u)" -eq 0 ] || skip "needs root (a mount namespace for the running kernel's command line)"
	command -v unshare >/dev/null || skip "unshare (util-linux) is missing"
	printf 'BOOT_IMAGE=/vmlinuz root=/dev/sda1 kvm_amd.avic=1\n' > "$HOST/proc/cmdline"
	with_running_cmdline "quiet kvm_amd.npt=0 kvm_amd.$SECRET=1" "$BUILD/modload" --sysroot "$HOST" --dry-run
	assert_success
	refute_secret
	assert_line "insmod $HOST/lib/modules/$RELEASE/kernel/arch/x86/kvm/kvm-amd.ko avic=1"
	refute_output --partial "npt=0"
	refute_output --partial "note:"
	# the running kernel's blacklist does not stop the image's module...
	with_running_cmdline "modprobe.blacklist=kvm_amd" "$BUILD/modload" --sysroot "$HOST" --dry-run
	assert_success
	assert_line --partial "kvm-amd.ko avic=1"
	# ... the image's own does
	printf 'modprobe.blacklist=kvm_amd\n' > "$HOST/proc/cmdline"
	with_running_cmdline "quiet" "$BUILD/modload" --sysroot "$HOST" --dry-run
	assert_failure
	assert_output --partial "blacklist"
	# an image without proc/cmdline: no options from anywhere
	rm "$HOST/proc/cmdline"
	with_running_cmdline "kvm_amd.npt=0" "$BUILD/modload" --sysroot "$HOST" --dry-run
	assert_success
	assert_line "insmod $HOST/lib/modules/$RELEASE/kernel/arch/x86/kvm/kvm-amd.ko"
	# and the running kernel's command line is its own again afterwards
	grep -q "^" /proc/cmdline
	[ -z "$(grep -l 'kvmhost-modprobe' /proc/self/mountinfo 2>/dev/null)" ] || fail "a mount was left"
}

@test "hostile kmod: without the right to mount, modload's plan is made in a user namespace of its own: the image's command line still" {
	require_root_for_identity
	command -v unshare >/dev/null || skip "unshare (util-linux) is missing"
	printf 'kvm_amd.avic=1\n' > "$HOST/proc/cmdline"
	cp "$BUILD/modload" "$HOST_TMP/modload"
	chmod -R a+rX "$HOST_TMP"
	# the kernel refuses a user namespace to a process in a chroot: there the
	# honest note is the answer
	if ! setpriv --reuid=nobody --regid=nogroup --clear-groups -- unshare --user true 2>/dev/null; then
		with_running_cmdline "quiet kvm_amd.npt=0" \
			setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$HOST_TMP/modload" --sysroot "$HOST" --dry-run
		assert_success
		assert_line --partial "kvm-amd.ko npt=0"
		assert_output --partial "could not be made (Operation not permitted), nor a user namespace; run as root for the image's own"
		skip "no user namespace for nobody here (a chroot?): the fallback and its note checked, not the namespace"
	fi
	# before: as nobody, the running kernel's npt=0, secret and blacklist were
	# in the plan, with a note
	with_running_cmdline "quiet kvm_amd.npt=0 kvm_amd.$SECRET=1" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$HOST_TMP/modload" --sysroot "$HOST" --dry-run
	assert_success
	refute_secret
	assert_line "insmod $HOST/lib/modules/$RELEASE/kernel/arch/x86/kvm/kvm-amd.ko avic=1"
	refute_output --partial "npt=0"
	refute_output --partial "note:"
	with_running_cmdline "modprobe.blacklist=kvm_amd" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$HOST_TMP/modload" --sysroot "$HOST" --dry-run
	assert_success
	assert_line --partial "kvm-amd.ko avic=1"
	# where no namespace can be made at all (a seccomp profile refusing
	# unshare, as Docker's default does): the running kernel's, and the note
	with_running_cmdline "quiet kvm_amd.npt=0" setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
		"$BUILD/test/deny-ioctl" unshare "$HOST_TMP/modload" --sysroot "$HOST" --dry-run
	assert_success
	assert_line --partial "kvm-amd.ko npt=0"
	assert_output --partial "note: module options and blacklists from the running kernel's command line are in this plan, not the image's"
	assert_output --partial "run as root for the image's own"
}

# The tree's modules.dep.bin rewritten from "KEY VALUE" lines on stdin
# (tests/helpers/write-kmod-index: depmod writes no cycle).
write_dep_index() {
	"$BUILD/test/write-kmod-index" "$HOST/lib/modules/$RELEASE/modules.dep.bin"
}

KVM_DIR=kernel/arch/x86/kvm

@test "hostile kmod: an index written by the tests' own writer gives depmod's plan (the writer is sound)" {
	write_dep_index <<-EOF
	irqbypass $KVM_DIR/irqbypass.ko:
	kvm $KVM_DIR/kvm.ko: $KVM_DIR/irqbypass.ko
	ccp $KVM_DIR/ccp.ko:
	kvm_amd $KVM_DIR/kvm-amd.ko: $KVM_DIR/ccp.ko $KVM_DIR/kvm.ko $KVM_DIR/irqbypass.ko
	EOF
	run "$BUILD/modload" --sysroot "$HOST" --dry-run
	assert_success
	assert_output "insmod $HOST/lib/modules/$RELEASE/$KVM_DIR/irqbypass.ko
insmod $HOST/lib/modules/$RELEASE/$KVM_DIR/kvm.ko
insmod $HOST/lib/modules/$RELEASE/$KVM_DIR/ccp.ko
insmod $HOST/lib/modules/$RELEASE/$KVM_DIR/kvm-amd.ko"
}

# libkmod's module objects in a cycle hold each other until exit: a leak of
# libkmod's own, so LeakSanitizer's exit check is off for these runs.
modload_on_damaged_index() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" run timeout 20 "$BUILD/modload" --sysroot "$HOST" "$@"
}

@test "hostile kmod: a dependency cycle in the module index is refused before any plan, naming the cycle" {
	write_dep_index <<-EOF
	irqbypass $KVM_DIR/irqbypass.ko:
	kvm $KVM_DIR/kvm.ko: $KVM_DIR/kvm-amd.ko $KVM_DIR/irqbypass.ko
	ccp $KVM_DIR/ccp.ko:
	kvm_amd $KVM_DIR/kvm-amd.ko: $KVM_DIR/ccp.ko $KVM_DIR/kvm.ko $KVM_DIR/irqbypass.ko
	EOF
	modload_on_damaged_index --dry-run
	assert_failure 1
	refute_output --partial "insmod"
	assert_output "modload: the module index of kernel $RELEASE is damaged: its dependencies of kvm_amd go round in a cycle (kvm_amd -> kvm -> kvm_amd), so no order can load them; nothing was loaded: rebuild the index with depmod $RELEASE, or reinstall the kernel's package (linux-image-$RELEASE)"
	# a module that needs itself
	write_dep_index <<-EOF
	kvm_amd $KVM_DIR/kvm-amd.ko: $KVM_DIR/kvm-amd.ko
	EOF
	modload_on_damaged_index --dry-run
	assert_failure 1
	assert_output --partial "(kvm_amd -> kvm_amd)"
	# a cycle further down
	write_dep_index <<-EOF
	kvm $KVM_DIR/kvm.ko: $KVM_DIR/irqbypass.ko
	irqbypass $KVM_DIR/irqbypass.ko: $KVM_DIR/ccp.ko
	ccp $KVM_DIR/ccp.ko: $KVM_DIR/irqbypass.ko
	kvm_amd $KVM_DIR/kvm-amd.ko: $KVM_DIR/kvm.ko
	EOF
	modload_on_damaged_index --dry-run
	assert_failure 1
	assert_output --partial "its dependencies of kvm_amd go round in a cycle (irqbypass -> ccp -> irqbypass)"
	# and the real run inserts nothing
	require_fake_kernel
	export FAKE_KERNEL_LOG=$HOST_TMP/fake-kernel.log
	: > "$FAKE_KERNEL_LOG"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" run_in_fake_kernel "$BUILD/modload" --sysroot "$HOST"
	assert_failure 1
	assert_output --partial "go round in a cycle (irqbypass -> ccp -> irqbypass)"
	assert_equal "$(cat "$FAKE_KERNEL_LOG")" ""
}
