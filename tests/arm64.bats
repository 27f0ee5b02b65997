#!/usr/bin/env bats
# arm64 and the other architectures (ppc64el, s390x, riscv64) on fixtures.
# arm64 hosts: MIDR, whether the kernel got EL2 and KVM's mode,
# and the verdict, replayed by this build whatever its architecture; the
# same fixtures through the cross-built arm64 kvm-ok (make cross-arm64) run
# by qemu-aarch64, when both are there.

load helpers/common

ARM64_BUILD=$TOP/build-arm64

teardown() {
	remove_host
}

# usage: expect NAME STATUS REASON
expect() {
	host_from_fixture "$1"
	kvm_ok_on_host
	[ "$status" -eq "$2" ] || fail "exit $status, expected $2: $output"
	assert_line --regexp "^INFO: reason $3: "
}

@test "arm64 Neoverse-N1, KVM at EL2 in VHE mode, a fast guest: usable, the core and the mode named" {
	expect arm64-neoverse-n1-vhe-usable 0 usable
	assert_line "INFO: CPU: Neoverse-N1 (Arm; MIDR implementer 0x41, part 0xd0c, variant 3, revision 1)"
	assert_line "INFO: KVM runs at EL2 in VHE mode (kernel log: kvm [1]: VHE mode initialized successfully)"
	assert_equal "${lines[-1]}" "KVM acceleration can be used"
	[ "$(json_field .arm64.el2)" = vhe ]
	[ "$(json_field .arm64.core)" = Neoverse-N1 ]
	[ "$(json_field .arm64.misc_kvm)" = true ]
	[ "$(json_field .cpu)" = null ]
}

@test "arm64 Cortex-A72 in nVHE mode, QEMU's -cpu max in protected mode (pKVM): usable, the mode named" {
	expect arm64-cortex-a72-nvhe-usable 0 usable
	assert_line "INFO: KVM runs at EL2 in nVHE mode (kernel log: kvm [1]: Hyp mode initialized successfully)"
	remove_host
	expect arm64-qemu-max-protected-usable 0 usable
	assert_line "INFO: KVM runs at EL2 in protected nVHE (pKVM) mode (kernel log: kvm [1]: Protected nVHE mode initialized successfully)"
	assert_line --partial "INFO: CPU: QEMU max (QEMU (TCG's -cpu max); MIDR implementer 0x00, part 0x051"
	[ "$(json_field .arm64.el2)" = protected ]
	[ "$(json_field .arm64.kvm_arm_mode)" = protected ]
}

@test "arm64 board started at EL1 by its firmware: disabled-by-firmware, the boot loader's hand-over" {
	expect arm64-el1-bare-metal 1 disabled-by-firmware
	assert_line "INFO: no EL2 for KVM: the kernel started at EL1 (kernel log: kvm [1]: HYP mode not available)"
	assert_line "INFO: /proc/misc does not list kvm (10:232): KVM did not initialize"
	assert_line --partial "HINT: Have the firmware or boot loader start Linux at EL2"
	refute_line --partial "modprobe"
}

@test "arm64 cloud VM without nesting, read by a normal user: no-cpu-support, the cloud's bare-metal instance" {
	expect arm64-el1-cloud-vm 1 no-cpu-support
	assert_line "INFO: a virtual machine: DMI: Amazon EC2 m6g.large"
	assert_line "INFO: reason no-cpu-support: the kernel has no EL2: this is a virtual machine without nested virtualization"
	# the cloud's own bare-metal option (lib/setting/cloud.c), not a generic one
	assert_line "HINT: This is an EC2 Graviton (arm64) virtual instance (m6g.large): EC2 gives arm64 KVM only on bare metal: move to a Graviton *.metal type."
	assert_line "INFO: setting: not in a container (no sign of one); a virtual machine on Amazon EC2 (m6g.large; DMI sys_vendor Amazon EC2)"
	[ "$(json_field .arm64.machine)" = virtual ]
}

@test "arm64 kvm-arm.mode=none: the new reason disabled-by-kernel, and where to remove it" {
	expect arm64-kvm-disabled-cmdline 1 disabled-by-kernel
	assert_line "HINT: Remove kvm-arm.mode=none from the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub) and reboot."
	kvm_ok_on_host --format=prometheus
	assert_line 'kvm_ok_reason{reason="disabled-by-kernel"} 1'
}

@test "arm64 bare metal, KVM not initialized, the log root's only: needs-root (exit 2)" {
	expect arm64-not-root-unknown 2 needs-root
	assert_line "INFO: whether the kernel got EL2 is not known: the kernel log could not be read: Operation not permitted"
	assert_line "HINT: Run kvm-ok as root (sudo kvm-ok) to read the kernel log."
}

@test "arm64 Docker container without the device: the container's hint, as on x86-64" {
	expect arm64-docker-no-device 1 no-kvm-device
	assert_line --partial "HINT: This is a Docker container and /dev/kvm was not passed in"
}

@test "arm64 snapshots: collect on a fixture replays the same, and keeps the architecture, MIDR, the log, /proc/misc, PSCI" {
	for name in arm64-neoverse-n1-vhe-usable arm64-el1-bare-metal arm64-el1-cloud-vm arm64-kvm-disabled-cmdline; do
		host_from_fixture "$name"
		run "$KVM_OK" --sysroot "$HOST"
		original=$output
		run "$KVM_OK" -q --sysroot "$HOST" --collect "$HOST_TMP/snap"
		[ "$(cat "$HOST_TMP/snap/proc/sys/kernel/arch")" = aarch64 ] || fail "$name: no architecture recorded"
		run "$KVM_OK" --sysroot "$HOST_TMP/snap"
		[ "$output" = "$original" ] || fail "$name: the replay differs: $output"
		remove_host
	done
}

@test "an older snapshot without proc/sys/kernel/arch is an x86-64 host's" {
	host_from_fixture intel-usable
	[ ! -e "$HOST/proc/sys/kernel/arch" ]
	kvm_ok_on_host
	assert_success
}

@test "the cross-built arm64 kvm-ok (qemu-aarch64) gives the same answers on the arm64 fixtures" {
	[ -x "$ARM64_BUILD/kvm-ok" ] || skip "no cross build ($ARM64_BUILD/kvm-ok: make cross-arm64)"
	command -v qemu-aarch64 >/dev/null || skip "qemu-aarch64 (package qemu-user) is missing"
	for name in arm64-neoverse-n1-vhe-usable arm64-el1-bare-metal arm64-el1-cloud-vm arm64-kvm-disabled-cmdline \
		arm64-not-root-unknown arm64-docker-no-device; do
		run "$KVM_OK" --sysroot "$FIXTURES/$name"
		native=$output native_status=$status
		run qemu-aarch64 "$ARM64_BUILD/kvm-ok" --sysroot "$FIXTURES/$name"
		[ "$status" -eq "$native_status" ] || fail "$name: exit $status on arm64, $native_status here"
		[ "$output" = "$native" ] || fail "$name: arm64 says: $output"
	done
	run qemu-aarch64 "$ARM64_BUILD/kvm-ok" --sysroot "$FIXTURES/intel-usable"
	assert_line --partial "CPUID could not be read: this build is not for x86-64"
}

@test "modload on arm64: KVM built in; a working device is success in one line, else exit 1 with kvm-ok's EL2 diagnosis" {
	host_from_fixture arm64-neoverse-n1-vhe-usable
	run "$BUILD/modload" --sysroot "$HOST"
	assert_success
	assert_output "modload: kvm is built into the kernel on aarch64 and /dev/kvm works: nothing to load"
	run "$BUILD/modload" --status --sysroot "$HOST"
	assert_success
	assert_line "kvm: built into the kernel"
	remove_host
	host_from_fixture arm64-el1-bare-metal
	run "$BUILD/modload" --quiet --sysroot "$HOST"
	assert_failure 1
	assert_output "modload: kvm is built into the kernel on aarch64, so nothing can be loaded, and KVM is not usable: the firmware or boot loader started the kernel at EL1, so KVM has no EL2 (disabled-by-firmware)"
	run "$BUILD/modload" --sysroot "$HOST"
	assert_failure 1
	assert_line --partial "HINT: Have the firmware or boot loader start Linux at EL2"
	refute_output --partial " is loaded"
	# --status follows the device, not /sys/module
	run "$BUILD/modload" --status --json --sysroot "$HOST"
	[ "$status" -eq 3 ] || fail "exit $status: $output"
	[ "$(jq -r .loaded <<<"$output")" = false ]
	[ "$(jq -r .modules.kvm.state <<<"$output")" = builtin ]
	run "$BUILD/modload" --unload --sysroot "$HOST"
	assert_failure 1
	assert_output "modload: kvm is built into the kernel on aarch64: there is nothing to unload"
}

@test "ppc64el and s390x with a working device: no refusal; the device, API and KVM_CREATE_VM checked, the speed not timed (exit 2)" {
	for name in ppc64le-kvm-hv-device s390x-kvm-device; do
		host_from_fixture "$name"
		kvm_ok_on_host
		[ "$status" -eq 2 ] || fail "$name: exit $status: $output"
		arch=$(cat "$HOST/proc/sys/kernel/arch")
		assert_line "INFO: architecture $arch: kvm-ok checks the CPU and firmware on x86-64 and arm64 only"
		assert_line "INFO: KVM_CREATE_VM succeeded"
		assert_line "INFO: reason not-probed: /dev/kvm works (KVM_GET_API_VERSION 12, KVM_CREATE_VM), but its speed is not timed on $arch"
		refute_line --partial "unsupported-arch"
		remove_host
	done
}

@test "riscv64 and ppc64el without KVM loaded: module-not-loaded, modprobe kvm / kvm_hv; modload names it" {
	expect riscv64-module-not-loaded 1 module-not-loaded
	assert_line "HINT: Load it as root: modprobe kvm; if that fails, the kernel's messages say why: dmesg | grep -i kvm"
	remove_host
	expect ppc64le-module-not-loaded 1 module-not-loaded
	assert_line --partial "HINT: Load it as root: modprobe kvm_hv (or kvm_pr, without hypervisor mode)"
	run "$BUILD/modload" --quiet --sysroot "$HOST"
	assert_failure 1
	assert_output "modload: modload picks no module on ppc64le, so nothing can be loaded, and KVM is not usable: kvm_hv is not loaded, so there is no /dev/kvm (module-not-loaded)"
}

@test "kvm-ok --report on arm64: MIDR, EL2, /proc/misc, PSCI, the machine; the arm64 JSON member; QEMU is qemu-system-aarch64" {
	host_from_fixture arm64-neoverse-n1-vhe-usable
	kvm_ok_on_host --report
	assert_line "CPU: Neoverse-N1 (Arm; MIDR implementer 0x41, part 0xd0c, variant 3, revision 1)"
	assert_line "EL2: KVM runs at EL2 in VHE mode (kernel log: kvm [1]: VHE mode initialized successfully)"
	assert_line "/proc/misc kvm: listed"
	assert_line "PSCI conduit: smc"
	refute_line --partial "CPU microcode"
	refute_line --partial "Firmware lock"
	kvm_ok_on_host --report --json
	[ "$(jq -r .arm64.el2 <<<"$output")" = vhe ] || fail "$output"
	[ "$(jq -r .cpu <<<"$output")" = null ]
	remove_host
	host_from_fixture arm64-el1-bare-metal
	kvm_ok_on_host --report
	assert_line "Device tree model: Pine64 RockPro64 v2.1"
	run "$KVM_OK" -q --sysroot "$HOST" --collect "$HOST_TMP/snap"
	run "$KVM_OK" --report --sysroot "$HOST_TMP/snap"
	assert_line "Device tree model: Pine64 RockPro64 v2.1"
	remove_host
	host_from_fixture s390x-kvm-device
	kvm_ok_on_host --report
	assert_line "CPU: architecture s390x, not examined"
	assert_line "QEMU: not looked for on s390x"
}

@test "kvm-ok --all on arm64: the SMMU (IOMMU groups, ACPI IORT) and the GIC, not x86's DMAR/IVRS, SEV or vendor module" {
	host_from_fixture arm64-neoverse-n1-vhe-usable
	kvm_ok_on_host --all
	assert_success
	assert_line "INFO:   PASS    iommu: device assignment ready: 1 IOMMU groups, 1 SMMU unit (ACPI IORT)"
	assert_line "INFO:   INFO    gic: interrupt controller: GICv3 (guests get a virtual GIC of that kind)"
	assert_line "INFO:   INFO    limits: KVM limits: 80 vCPUs recommended, 512 at most; 32767 memory slots; in-kernel irqchip yes"
	assert_line "INFO:   INFO    ipa: guest physical address space: up to 48 bits (262144 GiB; KVM_CAP_ARM_VM_IPA_SIZE)"
	assert_line "INFO:   INFO    nested: nested virtualization: not offered to guests (KVM_CAP_ARM_EL2 needs Linux 6.16 or later booted with kvm-arm.mode=nested, on a CPU with FEAT_NV2)"
	refute_line --partial "IVRS"
	refute_line --partial "DMAR"
	refute_line --partial "vendor module"
	# a kernel that offers EL2 to guests
	sed -i 's/^arm_el2=0$/arm_el2=1/' "$HOST/kvm-probe"
	kvm_ok_on_host --all
	assert_line "INFO:   INFO    nested: nested virtualization: guests can have EL2 (KVM_CAP_ARM_EL2; QEMU: -M virt,virtualization=on)"
	# the limits survive a snapshot (they were not recorded before)
	run "$KVM_OK" -q --sysroot "$HOST" --collect "$HOST_TMP/snap"
	grep -qx 'ipa_bits=48' "$HOST_TMP/snap/kvm-probe" && grep -qx 'arm_el2=1' "$HOST_TMP/snap/kvm-probe" &&
		grep -qx 'nr_vcpus=80' "$HOST_TMP/snap/kvm-probe" || fail "the snapshot's record: $(cat "$HOST_TMP/snap/kvm-probe")"
	run "$KVM_OK" --all --sysroot "$HOST_TMP/snap"
	assert_line "INFO:   INFO    nested: nested virtualization: guests can have EL2 (KVM_CAP_ARM_EL2; QEMU: -M virt,virtualization=on)"
	remove_host
	host_from_fixture arm64-el1-cloud-vm
	kvm_ok_on_host --all
	assert_line "INFO:   WARN    iommu: no IOMMU groups: this virtual machine has no virtual SMMU"
	remove_host
	host_from_fixture s390x-kvm-device
	kvm_ok_on_host --all
	assert_line "INFO:   INFO    platform: the IOMMU and nested virtualization are not checked on s390x"
}

@test "armhf: a 32-bit ARM kernel has no KVM since Linux 5.7: unsupported-arch (exit 1), an arm64 kernel as the fix, not modprobe kvm" {
	expect armhf-armv7l-kernel-no-kvm 1 unsupported-arch
	assert_line "INFO: reason unsupported-arch: this 32-bit ARM kernel (armv7l) has no KVM: Linux dropped KVM for 32-bit ARM hosts in 5.7"
	assert_line --regexp "^HINT: KVM needs a 64-bit kernel: on an ARMv8 CPU install Debian's arm64 kernel \(linux-image-arm64"
	refute_line --partial "modprobe kvm"
	run "$BUILD/modload" --sysroot "$HOST"
	assert_failure 1
	assert_line --regexp "^modload: modload picks no module on armv7l, so nothing can be loaded, and KVM is not usable: .*\(unsupported-arch\)$"
	# the same kernel before 5.7 had KVM: there the module is the answer
	echo 5.6.0-2-armmp-lpae > "$HOST/proc/sys/kernel/osrelease"
	kvm_ok_on_host
	assert_line --regexp "^INFO: reason module-not-loaded: "
}

@test "armhf programs on an arm64 kernel (armv8l): the kernel's arm64 facts (EL2, MIDR), the device checked, the speed not timed (exit 2)" {
	expect armhf-on-arm64-kernel 2 not-probed
	assert_line "INFO: KVM runs at EL2 in VHE mode (kernel log: kvm [1]: VHE mode initialized successfully)"
	assert_line "INFO: reason not-probed: /dev/kvm works (KVM_GET_API_VERSION 12, KVM_CREATE_VM), but its speed is not timed on armv8l"
	[ "$(json_field .arm64.el2)" = vhe ]
	run "$BUILD/modload" --sysroot "$HOST"
	assert_success
	assert_output "modload: kvm is built into the kernel on armv8l and /dev/kvm works: nothing to load"
}
