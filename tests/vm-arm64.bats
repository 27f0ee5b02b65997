#!/usr/bin/env bats
# kvm-ok and modload in Debian's stock arm64 kernel (linux-image-arm64),
# booted under qemu-system-aarch64's TCG with -cpu max, twice: with
# -M virt,virtualization=on the kernel starts at EL2 and KVM initializes in
# VHE mode (the timed arm64 guest runs on KVM nested under TCG); with
# virtualization=off it starts at EL1 ("HYP mode not available", no
# /dev/kvm).  The tools are the cross build (make cross-arm64) with their
# arm64 libraries in a busybox-static:arm64 initramfs.
#
# Needs qemu-system-aarch64, qemu-aarch64, the cross build and the Debian
# archive; the kernel is cached beside the x86 one, in arm64/.

load helpers/common
load helpers/guest

setup_file() {
	local top cache release
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	if [ "${BUILD:-$top/build}" != "$top/build" ]; then echo "the sanitizer pass does not repeat the VM guests" > "$BATS_FILE_TMPDIR/skip"; return; fi
	command -v qemu-system-aarch64 >/dev/null || { echo "no qemu-system-aarch64 (package qemu-system-arm)" > "$BATS_FILE_TMPDIR/skip"; return; }
	command -v qemu-aarch64 >/dev/null || { echo "no qemu-aarch64 (package qemu-user)" > "$BATS_FILE_TMPDIR/skip"; return; }
	[ -x "$top/build-arm64/kvm-ok" ] || { echo "no cross build (make cross-arm64)" > "$BATS_FILE_TMPDIR/skip"; return; }
	if [ "$(id -u)" -eq 0 ]; then cache=${KVMHOST_TEST_CACHE:-/var/cache/kvmhost-tests}; else cache=${KVMHOST_TEST_CACHE:-$HOME/.cache/kvmhost-tests}; fi
	cache=$cache/arm64
	if ! release=$("$top/tests/vm/fetch-debian-kernel" "$cache" arm64 2>"$BATS_FILE_TMPDIR/fetch.err"); then
		echo "the Debian arm64 kernel could not be fetched: $(tail -n 1 "$BATS_FILE_TMPDIR/fetch.err")" > "$BATS_FILE_TMPDIR/skip"
		return
	fi
	"$top/tests/vm/make-initramfs-arm64" "$cache" "$top/build-arm64" "$BATS_FILE_TMPDIR/initrd.gz"
	kernel=$cache/kernel-$release/boot/vmlinuz-$release
	# the two boots side by side, one CPU each
	"$top/tests/vm/boot-arm64" "$kernel" "$BATS_FILE_TMPDIR/initrd.gz" on arm64 > "$BATS_FILE_TMPDIR/el2.log" 2>&1 &
	local el2=$!
	"$top/tests/vm/boot-arm64" "$kernel" "$BATS_FILE_TMPDIR/initrd.gz" off arm64 > "$BATS_FILE_TMPDIR/el1.log" 2>&1 || true
	wait "$el2" || true
}

setup() {
	if [ -f "$BATS_FILE_TMPDIR/skip" ]; then skip "$(cat "$BATS_FILE_TMPDIR/skip")"; fi
}

@test "vm arm64 at EL2: kvm-ok: KVM in VHE mode, the arm64 guest timed on KVM: usable" {
	guest_run el2 "kvm-ok -v"
	[ "$guest_status" = 0 ] || fail "kvm-ok exited $guest_status: $output"
	assert_line "INFO: [pass] el2: KVM runs at EL2 in VHE mode (kernel log: kvm [1]: VHE mode initialized successfully)"
	assert_line "INFO: [pass] misc: /proc/misc lists kvm (10:232)"
	assert_line --partial "INFO: [info] cpu: CPU: QEMU max (QEMU (TCG's -cpu max); MIDR implementer 0x00, part 0x051"
	assert_line --regexp "^INFO: \[pass\] acceleration: test loop: .* \(accelerated\)$"
	assert_equal "${lines[-1]}" "KVM acceleration can be used"
	guest_run el2 "kvm-ok --json"
	[ "$(jq -r .arm64.el2 <<<"$output")" = vhe ]
	[ "$(jq -r .probe.step <<<"$output")" = complete ]
	# MIDR implementer 0 is QEMU's TCG: the probe gets the longer bound
	[ "$(jq -r .probe.deadline_ms <<<"$output")" = 2000 ]
}

@test "vm arm64 at EL2: modload says KVM is built in and works, exit 0; --status follows the device" {
	guest_run el2 "modload"
	[ "$guest_status" = 0 ] || fail "exit $guest_status: $output"
	assert_output "modload: kvm is built into the kernel on aarch64 and /dev/kvm works: nothing to load"
	guest_run el2 "modload --status"
	[ "$guest_status" = 0 ] || fail "exit $guest_status: $output"
	assert_line "kvm: built into the kernel"
}

@test "vm arm64 at EL1: kvm-ok exit 1: no EL2 (HYP mode not available), a VM without nesting (PSCI via hvc)" {
	guest_run el1 "kvm-ok -v"
	[ "$guest_status" = 1 ] || fail "kvm-ok exited $guest_status: $output"
	assert_line "INFO: [fail] el2: no EL2 for KVM: the kernel started at EL1 (kernel log: kvm [1]: HYP mode not available)"
	assert_line "INFO: [fail] misc: /proc/misc does not list kvm (10:232): KVM did not initialize"
	assert_line "INFO: [info] hypervisor: a virtual machine: PSCI calls go through hvc: a hypervisor owns EL2"
	assert_line "INFO: reason no-cpu-support: the kernel has no EL2: this is a virtual machine without nested virtualization"
	assert_line --partial "(QEMU: -M virt,virtualization=on)"
}

@test "vm arm64 at EL1: modload exit 1 with the EL2 diagnosis, not 'loaded', not 'needs no module'; --status 3" {
	guest_run el1 "modload"
	[ "$guest_status" = 1 ] || fail "exit $guest_status: $output"
	assert_line "modload: kvm is built into the kernel on aarch64, so nothing can be loaded, and KVM is not usable: the kernel has no EL2: this is a virtual machine without nested virtualization (no-cpu-support)"
	refute_output --partial "needs no"
	guest_run el1 "modload --status"
	[ "$guest_status" = 3 ] || fail "exit $guest_status: $output"
	assert_line "/dev/kvm: absent"
}
