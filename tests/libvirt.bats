#!/usr/bin/env bats
# The runner behind libvirt, for real (issue 23): libvirt 9's own libvirtd
# and virtlogd, started here (PID 1 is not systemd on the build machines)
# in a mount namespace of the suite's own, where libvirt's state
# (/run/libvirt, /var/lib/libvirt, /var/log/libvirt, /var/cache/libvirt) is
# a tmpfs: nothing of the machine's libvirt is touched or left behind.
# libvirt probes the runner (-machine none,accel=kvm:tcg with QMP), defines
# domains whose <emulator> is the runner (or a symlink to it named kvm),
# and boots Debian's kernel with a busybox initramfs to a marker on the
# serial port; a type='kvm' domain where KVM is not usable fails with the
# runner's one-line refusal in libvirt's own error.
#
# QEMU runs as libvirt-qemu unless that user cannot open this machine's
# /dev/kvm (see setup_file).
#
# Needs root, libvirt-daemon-system and libvirt-clients (make check installs
# them), qemu-system-x86_64 and the Debian archive for the kernel.

load helpers/common

setup_file() {
	local top cache release
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	# the runner runs as libvirt-qemu under libvirt's sandbox: the plain
	# build (the sanitizer pass's runtime would log where that user cannot write)
	if [ "${BUILD:-$top/build}" != "$top/build" ]; then skip_later "the sanitizer pass does not repeat the libvirt guests"; return; fi
	[ "$(id -u)" -eq 0 ] || { skip_later "needs root (libvirtd in a private mount namespace)"; return; }
	command -v libvirtd >/dev/null && command -v virsh >/dev/null ||
		{ skip_later "libvirt is not installed: apt-get install libvirt-daemon-system libvirt-clients"; return; }
	command -v qemu-system-x86_64 >/dev/null || { skip_later "no qemu-system-x86_64 (package qemu-system-x86)"; return; }
	getent passwd libvirt-qemu >/dev/null || { skip_later "no libvirt-qemu user (libvirt-daemon-system's)"; return; }
	unshare --mount --propagation private true 2>/dev/null || { skip_later "unshare --mount is not permitted here"; return; }
	cache=${KVMHOST_TEST_CACHE:-/var/cache/kvmhost-tests}
	if ! release=$("$top/tests/vm/fetch-debian-kernel" "$cache" 2>"$BATS_FILE_TMPDIR/fetch.err"); then
		skip_later "the Debian kernel could not be fetched: $(tail -n 1 "$BATS_FILE_TMPDIR/fetch.err")"
		return
	fi

	# what libvirt-qemu must read: a directory of its own, not the build tree
	W=$(mktemp -d /tmp/kvmhost-libvirt.XXXXXX)
	chmod 0755 "$W"
	echo "$W" > "$BATS_FILE_TMPDIR/work"
	cp "$top/build/runner" "$W/runner"
	ln -s runner "$W/kvm"
	cp "$cache/kernel-$release/boot/vmlinuz-$release" "$W/vmlinuz"
	mkdir -p "$W/stage/bin" "$W/stage/proc" "$W/stage/dev"
	cp "$cache/busybox/bin/busybox" "$W/stage/bin/busybox"
	printf '#!/bin/busybox sh\n/bin/busybox echo "KVMHOST-LIBVIRT-GUEST: up"\n/bin/busybox poweroff -f\n' > "$W/stage/init"
	chmod 0755 "$W/stage/init"
	(cd "$W/stage" && find . | "$W/stage/bin/busybox" cpio -o -H newc 2>/dev/null) | gzip -1 > "$W/initrd.gz"
	rm -rf "$W/stage"
	chmod -R a+rX "$W"

	# the namespace, held by a process of its own; libvirt's state in it
	unshare --mount --propagation private sleep infinity 3>&- &
	echo $! > "$BATS_FILE_TMPDIR/holder"
	sleep 0.3
	in_ns mount --make-rprivate / || { skip_later "the mount namespace could not be made private"; return; }
	for d in /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt; do
		in_ns mkdir -p "$d" && in_ns mount -t tmpfs -o mode=0755 tmpfs "$d" ||
			{ skip_later "a tmpfs on $d could not be mounted"; return; }
	done
	in_ns mkdir -p /var/lib/libvirt/qemu /var/cache/libvirt/qemu /var/log/libvirt/qemu
	# libvirt keeps domain definitions in /etc/libvirt/qemu: a private copy
	cp -a /etc/libvirt "$W/etc-libvirt"
	in_ns mount --bind "$W/etc-libvirt" /etc/libvirt || { skip_later "/etc/libvirt could not be replaced"; return; }
	# QEMU runs as libvirt-qemu, as Debian configures it, where that user may
	# open /dev/kvm (or there is none); where /dev/kvm is root's alone (0600,
	# as on the build machines), libvirt 9 finds its cached capabilities of
	# an emulator stale at every lookup (KVM usable for itself, not for
	# QEMU) and probes it again, 40 s a definition: QEMU runs as root there
	if [ -e /dev/kvm ] && ! setpriv --reuid=libvirt-qemu --regid=kvm --init-groups test -r /dev/kvm -a -w /dev/kvm; then
		printf 'user = "root"\ngroup = "root"\n' >> "$W/etc-libvirt/qemu.conf"
		echo root > "$BATS_FILE_TMPDIR/qemu-user"
	else
		echo libvirt-qemu > "$BATS_FILE_TMPDIR/qemu-user"
	fi
	# libvirt probes every QEMU it finds before its first definition (5-8 s
	# each here): in this namespace the others are not executable
	: > "$W/not-an-emulator"
	for other in /usr/bin/qemu-system-* /usr/bin/kvm; do
		case $other in */qemu-system-x86_64) continue ;; esac
		[ -L "$other" ] || in_ns mount --bind "$W/not-an-emulator" "$other"
	done
	in_ns chown libvirt-qemu:kvm /var/lib/libvirt/qemu /var/cache/libvirt/qemu
	in_ns virtlogd --daemon --pid-file /run/libvirt/virtlogd.pid 3>&- ||
		{ skip_later "virtlogd did not start"; return; }
	in_ns libvirtd --daemon --pid-file /run/libvirt/libvirtd.pid 3>&- ||
		{ skip_later "libvirtd did not start"; return; }
	for _ in $(seq 100); do virsh_ns version >/dev/null 2>&1 && break; sleep 0.1; done
	virsh_ns version >/dev/null 2>&1 || skip_later "libvirtd does not answer: $(virsh_ns version 2>&1 | tail -n 1)"
}

teardown_file() {
	local holder pid
	[ -f "$BATS_FILE_TMPDIR/holder" ] || return 0
	holder=$(cat "$BATS_FILE_TMPDIR/holder")
	for name in $(virsh_ns list --all --name 2>/dev/null); do
		virsh_ns destroy "$name" >/dev/null 2>&1
		virsh_ns undefine "$name" >/dev/null 2>&1
	done
	for daemon in libvirtd virtlogd; do
		pid=$(in_ns cat "/run/libvirt/$daemon.pid" 2>/dev/null) && kill "$pid" 2>/dev/null
	done
	sleep 0.5
	kill "$holder" 2>/dev/null
	[ -f "$BATS_FILE_TMPDIR/work" ] && rm -rf "$(cat "$BATS_FILE_TMPDIR/work")"
	return 0
}

setup() {
	skip_if_noted
	W=$(cat "$BATS_FILE_TMPDIR/work")
}

# In the holder's mount namespace, with its root and working directory:
# entering a mount namespace alone resets the root to the namespace's own,
# which in a chroot is the machine's, not the chroot's.
in_ns() {
	local holder
	holder=$(cat "$BATS_FILE_TMPDIR/holder")
	nsenter -t "$holder" -m -r -w -- "$@"
}

virsh_ns() {
	in_ns virsh -q -c qemu:///system "$@"
}

# domain_xml NAME TYPE EMULATOR: a guest that prints the marker and powers off
domain_xml() {
	cat <<-EOF
	<domain type='$2'>
	  <name>$1</name>
	  <memory unit='MiB'>256</memory>
	  <vcpu>1</vcpu>
	  <os>
	    <type arch='x86_64'>hvm</type>
	    <kernel>$W/vmlinuz</kernel>
	    <initrd>$W/initrd.gz</initrd>
	    <cmdline>console=ttyS0 quiet panic=-1</cmdline>
	  </os>
	  <features><acpi/></features>
	  <on_poweroff>destroy</on_poweroff>
	  <on_reboot>destroy</on_reboot>
	  <on_crash>destroy</on_crash>
	  <devices>
	    <emulator>$3</emulator>
	    <serial type='file'><source path='/var/log/libvirt/qemu/$1.serial'/></serial>
	  </devices>
	</domain>
	EOF
}

# Defines and starts NAME, then waits (at most 120 s under TCG) for it to
# power off; its serial output in $serial, virsh start's in $output.
boot_domain() {
	local name=$1 type=$2 emulator=$3 state
	domain_xml "$name" "$type" "$emulator" > "$W/$name.xml"
	virsh_ns define "$W/$name.xml" >/dev/null || fail "virsh define failed: $(virsh_ns define "$W/$name.xml" 2>&1)"
	run virsh_ns start "$name"
	[ "$status" -eq 0 ] || return 0
	for _ in $(seq 240); do
		state=$(virsh_ns domstate "$name" 2>/dev/null)
		[ "$state" = "shut off" ] && break
		sleep 0.5
	done
	serial=$(in_ns cat "/var/log/libvirt/qemu/$name.serial" 2>/dev/null | tr -d '\r')
	[ "$state" = "shut off" ] || fail "$name still $state after 120 s: $(tail -n 5 <<<"$serial")"
}

@test "libvirt probes the runner: virsh domcapabilities --emulatorbin RUNNER (-machine none,accel=kvm:tcg with QMP)" {
	run virsh_ns domcapabilities --emulatorbin "$W/runner" --virttype qemu
	assert_success
	assert_line --partial "<path>$W/runner</path>"
	assert_line --partial "<domain>qemu</domain>"
}

@test "libvirt: a type='qemu' domain boots through the runner (-accel tcg, untouched) to its marker and powers off" {
	boot_domain kvmhost-qemu qemu "$W/runner"
	assert_success
	[[ $serial == *"KVMHOST-LIBVIRT-GUEST: up"* ]] || fail "no marker on the serial port: $(tail -n 5 <<<"$serial")"
	run in_ns cat /var/log/libvirt/qemu/kvmhost-qemu.log
	assert_line "$W/runner \\"
	assert_line "-accel tcg \\"
	refute_output --partial "runner:"
}

@test "libvirt: an <emulator> that is a symlink named kvm works the same" {
	boot_domain kvmhost-kvm-name qemu "$W/kvm"
	assert_success
	[[ $serial == *"KVMHOST-LIBVIRT-GUEST: up"* ]] || fail "no marker on the serial port: $(tail -n 5 <<<"$serial")"
}

@test "libvirt: a type='kvm' domain where KVM is not usable fails, and libvirt's error ends with the runner's one-line refusal" {
	domain_xml kvmhost-kvm kvm "$W/runner" > "$W/kvmhost-kvm.xml"
	run virsh_ns define "$W/kvmhost-kvm.xml"
	[ "$status" -eq 0 ] || skip "libvirt takes no type='kvm' domain here (no /dev/kvm QEMU can open): $output"
	virsh_ns undefine kvmhost-kvm >/dev/null
	boot_domain kvmhost-kvm kvm "$W/runner"
	if [ "$status" -eq 0 ]; then
		# KVM is usable for libvirt-qemu here: the guest runs on it
		[[ $serial == *"KVMHOST-LIBVIRT-GUEST: up"* ]] || fail "KVM started but no marker: $(tail -n 5 <<<"$serial")"
		return
	fi
	# libvirt shows the end of QEMU's log: the runner's summary line is in it, whole
	assert_output --regexp "runner: refused: -accel kvm asks for KVM; not usable here: .* \([a-z-]+\); fix: "
	# a tmpfs /dev is libvirt's namespace here, not a container
	run in_ns cat /var/log/libvirt/qemu/kvmhost-kvm.log
	assert_line --partial "runner: refusing to start QEMU: -accel kvm asks for KVM, which is not usable here:"
	refute_output --partial "container"
}
