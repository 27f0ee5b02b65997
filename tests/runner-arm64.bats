#!/usr/bin/env bats
# The runner on arm64: the cross-built runner (make cross-arm64) run by
# qemu-aarch64 on this amd64 machine.  Its decision on the arm64 fixture
# hosts against the fake engine (the machine profile: -M virt, with
# gic-version=host and -cpu host on KVM, -cpu max under TCG), and the real
# qemu-system-aarch64 under TCG: the aarch64 micro guest (PL011, PSCI
# SYSTEM_OFF) and Debian's stock arm64 kernel through the fast profile.
# (qemu-aarch64 runs the runner without -L: with it, the engine's path
# would be looked up under the prefix and never run.)

load helpers/common
bats_require_minimum_version 1.5.0

ARM64_BUILD=$TOP/build-arm64
FAKE_QEMU=$TOP/tests/helpers/fake-qemu

setup() {
	command -v qemu-aarch64 >/dev/null || skip "qemu-aarch64 (package qemu-user) is missing"
	[ -x "$ARM64_BUILD/runner" ] || skip "no cross build (make cross-arm64)"
	RECORD_DIR=$(mktemp -d)
	export FAKE_QEMU_RECORD=$RECORD_DIR/argv
	unset FAKE_QEMU_EXIT FAKE_QEMU_WAIT RUNNER_QEMU
}

teardown() {
	remove_host
	rm -rf "${RECORD_DIR:-/nonexistent}"
}

runner_arm64() {
	run qemu-aarch64 "$ARM64_BUILD/runner" "$@"
}

# usage: runner_on FIXTURE RUNNER-ARGUMENTS...
runner_on() {
	host_from_fixture "$1"
	shift
	runner_arm64 --qemu "$FAKE_QEMU" --sysroot "$HOST" "$@"
}

assert_engine_args() {
	[ -f "$FAKE_QEMU_RECORD" ] || fail "the engine did not run: $output"
	printf '%s\0' "$@" > "$RECORD_DIR/expected"
	cmp -s "$RECORD_DIR/expected" "$FAKE_QEMU_RECORD" ||
		fail "engine arguments: $(tr '\0' '|' < "$FAKE_QEMU_RECORD"), expected: $(tr '\0' '|' < "$RECORD_DIR/expected")"
}

@test "runner arm64, KVM usable (VHE): -M virt,gic-version=host -accel kvm -cpu host, nothing said" {
	runner_on arm64-neoverse-n1-vhe-usable -- -m 256
	assert_success
	assert_output ""
	assert_engine_args -M virt,gic-version=host -accel kvm -cpu host -m 256
}

@test "runner arm64, a cloud VM without EL2: TCG on virt with -cpu max, the reason and the cloud's hint" {
	runner_on arm64-el1-cloud-vm -- -m 256
	assert_success
	assert_engine_args -M virt -accel tcg,thread=multi -cpu max -m 256
	assert_line "runner: KVM not usable: the kernel has no EL2: this is a virtual machine without nested virtualization (no-cpu-support). Falling back to TCG emulation, roughly 5-50x slower than KVM."
	# the cloud's own way to KVM (kvm-ok(1), CLOUD VMS), as kvm-ok gives it
	assert_line "runner: hint: This is an EC2 Graviton (arm64) virtual instance (m6g.large): EC2 gives arm64 KVM only on bare metal: move to a Graviton *.metal type."
}

@test "runner arm64 --require-kvm at EL1 on bare metal: refused (exit 4) with the EL2 diagnosis, QEMU not run" {
	runner_on arm64-el1-bare-metal --require-kvm -- -m 256
	assert_failure 4
	assert_line "runner: refusing to start QEMU: --accel=kvm asks for KVM, which is not usable here:"
	assert_line --partial "started the kernel at EL1"
	[ ! -e "$FAKE_QEMU_RECORD" ] || fail "the engine ran"
}

@test "runner arm64: the user's own -M is kept (no second machine), -cpu given is kept" {
	runner_on arm64-neoverse-n1-vhe-usable -- -M virt,gic-version=3 -cpu cortex-a72 -m 256
	assert_success
	assert_engine_args -accel kvm -M virt,gic-version=3 -cpu cortex-a72 -m 256
	remove_host
	rm -f "$FAKE_QEMU_RECORD"
	runner_on arm64-neoverse-n1-vhe-usable -- -machine virt -m 256
	assert_engine_args -accel kvm -cpu host -machine virt -m 256
}

@test "runner arm64 --kernel: the fast profile on virt, console ttyAMA0, the Image as given (KVM and TCG)" {
	runner_on arm64-neoverse-n1-vhe-usable --explain --kernel /boot/Image --append root=/dev/vda
	assert_success
	assert_line "command: $FAKE_QEMU -M virt,gic-version=host -nodefaults -no-user-config -display none -serial stdio -m 512 -accel kvm -cpu host -kernel /boot/Image -append 'console=ttyAMA0 quiet mitigations=off cryptomgr.notests nokaslr random.trust_cpu=on root=/dev/vda'"
	remove_host
	runner_on arm64-el1-cloud-vm --explain -q --kernel /boot/Image
	assert_line "command: $FAKE_QEMU -M virt -nodefaults -no-user-config -display none -serial stdio -m 512 -accel tcg,thread=multi -cpu max,pauth-impdef=on -kernel /boot/Image -append 'console=ttyAMA0 quiet mitigations=off cryptomgr.notests nokaslr random.trust_cpu=on'"
}

@test "runner arm64: the engine is qemu-system-aarch64, from qemu-system-arm" {
	runner_arm64 --help
	assert_success
	assert_line "Start qemu-system-aarch64 on KVM when KVM really works here, otherwise on TCG."
	run -127 qemu-aarch64 "$ARM64_BUILD/runner" --accel=tcg --qemu /nonexistent/qemu -- -m 64
	assert_output "runner: the engine /nonexistent/qemu does not exist: apt-get install qemu-system-arm, or give --qemu PATH"
}

@test "runner arm64 --selftest with the real qemu-system-aarch64 under TCG: the aarch64 micro guest, PSCI SYSTEM_OFF" {
	command -v qemu-system-aarch64 >/dev/null || skip "no qemu-system-aarch64 (package qemu-system-arm)"
	runner_arm64 --accel=tcg --selftest
	assert_success
	assert_line "runner: command: /usr/bin/qemu-system-aarch64 -M virt -nodefaults -no-user-config -display none -serial stdio -accel tcg,thread=multi -cpu max -m 64 -kernel $ARM64_BUILD/microguest.elf"
	assert_line "microguest: hello from the runner's test guest"
	assert_line --regexp "^runner: tcg: first guest output [0-9]+ ms after QEMU started; loop of 200000000 iterations in [0-9]+ ms: [0-9]+ million iterations/s$"
	assert_line "runner: selftest passed"
}

@test "runner arm64 --kernel: Debian's stock arm64 kernel reaches init under TCG through the fast profile" {
	local cache release stage
	[ "$BUILD" = "$TOP/build" ] || skip "the sanitizer pass does not repeat the arm64 guests (the cross build is not sanitized)"
	command -v qemu-system-aarch64 >/dev/null || skip "no qemu-system-aarch64 (package qemu-system-arm)"
	if [ "$(id -u)" -eq 0 ]; then cache=${KVMHOST_TEST_CACHE:-/var/cache/kvmhost-tests}; else cache=${KVMHOST_TEST_CACHE:-$HOME/.cache/kvmhost-tests}; fi
	cache=$cache/arm64
	release=$("$TOP/tests/vm/fetch-debian-kernel" "$cache" arm64 2>"$RECORD_DIR/fetch.err") ||
		skip "the Debian arm64 kernel could not be fetched: $(tail -n 1 "$RECORD_DIR/fetch.err")"
	# an init that says where it is and powers off
	stage=$RECORD_DIR/initramfs
	mkdir -p "$stage/bin"
	cp "$cache/busybox/bin/busybox" "$stage/bin/busybox"
	printf '#!/bin/busybox sh\n/bin/busybox echo "@@@ init reached on $(/bin/busybox uname -m)"\n/bin/busybox poweroff -f\n' > "$stage/init"
	chmod 0755 "$stage/init"
	(cd "$stage" && find . | qemu-aarch64 "$cache/busybox/bin/busybox" cpio -o -H newc 2>/dev/null) | gzip -1 > "$RECORD_DIR/initrd.gz"
	run timeout 120 qemu-aarch64 "$ARM64_BUILD/runner" --accel=tcg --kernel "$cache/kernel-$release/boot/vmlinuz-$release" \
		--initrd "$RECORD_DIR/initrd.gz" < /dev/null
	assert_success
	assert_line --regexp "^@@@ init reached on aarch64"
	assert_line --regexp "^runner: first guest output [0-9]+ ms after QEMU started$"
}

@test "runner arm64 --disk: an image with its kernel and initramfs beside it boots on virt (virtio-mmio disk, root=/dev/vda)" {
	local cache release kdir mods stage rootfs want seen name file
	[ "$BUILD" = "$TOP/build" ] || skip "the sanitizer pass does not repeat the arm64 guests (the cross build is not sanitized)"
	command -v qemu-system-aarch64 >/dev/null || skip "no qemu-system-aarch64 (package qemu-system-arm)"
	[ -x /sbin/mkfs.ext4 ] && command -v modinfo >/dev/null || skip "mkfs.ext4 or modinfo is missing"
	if [ "$(id -u)" -eq 0 ]; then cache=${KVMHOST_TEST_CACHE:-/var/cache/kvmhost-tests}; else cache=${KVMHOST_TEST_CACHE:-$HOME/.cache/kvmhost-tests}; fi
	cache=$cache/arm64
	release=$("$TOP/tests/vm/fetch-debian-kernel" "$cache" arm64 2>"$RECORD_DIR/fetch.err") ||
		skip "the Debian arm64 kernel could not be fetched: $(tail -n 1 "$RECORD_DIR/fetch.err")"
	kdir=$cache/kernel-$release
	mods=$kdir/lib/modules/$release
	# what --make-debian-root leaves, made small: an initramfs that loads the
	# disk's modules (Debian's arm64 kernel has virtio-mmio, virtio-blk and
	# ext4 as modules) and switches to /dev/vda, whose init reports and powers off
	stage=$RECORD_DIR/initramfs
	mkdir -p "$stage/bin" "$stage/mods" "$stage/root" "$stage/proc" "$stage/dev"
	cp "$cache/busybox/bin/busybox" "$stage/bin/busybox"
	want=(virtio_mmio virtio_blk ext4 crc32c_generic) seen=" "
	: > "$stage/mods/order"
	while [ ${#want[@]} -gt 0 ]; do
		name=${want[0]} want=("${want[@]:1}")
		case $seen in *" $name "*) continue ;; esac
		seen+="$name "
		file=$(find "$mods/kernel" -name "${name//_/[-_]}.ko*" | head -n 1)
		[ -n "$file" ] || fail "no module $name in $mods"
		cp "$file" "$stage/mods/"
		echo "$(basename "$file")" >> "$stage/mods/order"
		for dep in $(modinfo -F depends "$file" | tr ',' ' '); do want+=("$dep"); done
	done
	# dependencies first: the order file read backwards
	printf '#!/bin/busybox sh\n/bin/busybox mount -t proc proc /proc\n/bin/busybox mount -t devtmpfs dev /dev\nfor m in $(/bin/busybox tac /mods/order); do /bin/busybox insmod /mods/$m; done\n/bin/busybox mount -t ext4 /dev/vda /root || /bin/busybox poweroff -f\nexec /bin/busybox switch_root /root /sbin/init\n' > "$stage/init"
	chmod 0755 "$stage/init"
	(cd "$stage" && find . | qemu-aarch64 "$cache/busybox/bin/busybox" cpio -o -H newc 2>/dev/null) | gzip -1 > "$RECORD_DIR/disk.img.initrd"
	rootfs=$RECORD_DIR/rootfs
	mkdir -p "$rootfs/bin" "$rootfs/sbin" "$rootfs/proc" "$rootfs/etc"
	cp "$cache/busybox/bin/busybox" "$rootfs/bin/busybox"
	echo "from the disk" > "$rootfs/etc/marker"
	printf '#!/bin/busybox sh\n/bin/busybox mount -t proc proc /proc\necho "@@@ root $(/bin/busybox cat /etc/marker): $(/bin/busybox grep " / " /proc/mounts)"\n/bin/busybox poweroff -f\n' > "$rootfs/sbin/init"
	chmod 0755 "$rootfs/sbin/init"
	/sbin/mkfs.ext4 -q -F -d "$rootfs" "$RECORD_DIR/disk.img" 64M
	ln -s "$kdir/boot/vmlinuz-$release" "$RECORD_DIR/disk.img.vmlinuz"
	run timeout 120 qemu-aarch64 "$ARM64_BUILD/runner" --accel=tcg --disk "$RECORD_DIR/disk.img" < /dev/null
	assert_success
	assert_line --regexp "^@@@ root from the disk: /dev/(root|vda) / ext4 rw"
	run qemu-aarch64 "$ARM64_BUILD/runner" --accel=tcg --explain --disk "$RECORD_DIR/disk.img"
	assert_line --regexp "^command: /usr/bin/qemu-system-aarch64 -M virt .* -drive id=root,file=$RECORD_DIR/disk.img,format=raw,if=none,werror=report,rerror=report -device virtio-blk-device,drive=root -netdev user,id=net0 -device virtio-net-device,netdev=net0$"
}
