#!/usr/bin/env bats
# kvm-ok on fixture hosts: one host situation per test, asserting the exit
# status, the reason code and the decisive lines.

load helpers/common

teardown() {
	remove_host
}

# Asserts the JSON reason and verdict agree with the text run's status.
assert_reason() {
	local reason=$1 verdict=$2
	run "$KVM_OK" --sysroot "$HOST" --json
	[ "$(jq -r .reason <<<"$output")" = "$reason" ] || fail "reason is $(jq -r .reason <<<"$output"), expected $reason"
	[ "$(jq -r .verdict <<<"$output")" = "$verdict" ] || fail "verdict is $(jq -r .verdict <<<"$output"), expected $verdict"
}

@test "intel-usable: VMX, firmware enabled, kvm_intel loaded, fast guest: can be used" {
	host_from_fixture intel-usable
	kvm_ok_on_host
	assert_success
	assert_line --partial "INFO: /dev/kvm exists: stand-in file, owner "
	assert_line --partial "test loop: 0.31 ns per iteration in a KVM guest, 0.29 ns natively: 1.1x (accelerated)"
	assert_line "INFO: reason usable: /dev/kvm works and guest code runs at 1.1x native speed"
	assert_equal "${lines[-1]}" "KVM acceleration can be used"
	refute_line --partial "HINT:"
	assert_reason usable usable
}

@test "intel-vmx-disabled-locked: feature control locked without VMX: disabled by firmware" {
	host_from_fixture intel-vmx-disabled-locked
	kvm_ok_on_host
	assert_failure 1
	assert_line "INFO: CPUID: the CPU supports VMX"
	assert_line "INFO: IA32_FEATURE_CONTROL (MSR 0x3a) = 0x1 on CPU 0: DISABLED by firmware (4 of 4 CPUs read)"
	assert_line --partial "HINT: Enter the firmware (BIOS/UEFI) setup, enable \"Intel Virtualization Technology\" (VT-x)"
	assert_line --partial "power the machine off and on"
	assert_equal "${lines[-1]}" "KVM acceleration can NOT be used"
	assert_reason disabled-by-firmware unusable
}

@test "intel-vmx-hidden-by-kernel: CPUID has VMX, cpuinfo does not, MSR locked off" {
	host_from_fixture intel-vmx-hidden-by-kernel
	kvm_ok_on_host
	assert_failure 1
	assert_line "INFO: CPUID: the CPU supports VMX"
	assert_line "INFO: /proc/cpuinfo: no vmx flag on any of 4 CPUs"
	assert_line --partial "DISABLED by firmware"
	assert_line "INFO: reason disabled-by-firmware: the CPU supports VMX but the firmware disabled it"
	assert_reason disabled-by-firmware unusable
}

@test "intel-vmx-hidden-no-msr: without the msr device, CPUID vs cpuinfo still proves the firmware disabled VMX" {
	host_from_fixture intel-vmx-hidden-no-msr
	kvm_ok_on_host
	assert_failure 1
	assert_line "INFO: /proc/cpuinfo: no vmx flag on any of 4 CPUs"
	assert_line "INFO: IA32_FEATURE_CONTROL (MSR 0x3a) not read: /dev/cpu/0/msr: no msr device (the msr module is not loaded)"
	assert_reason disabled-by-firmware unusable
	# the reason is the disagreement, not a "CPU lacks it"
	refute_output --partial "no-cpu-support"
}

@test "intel-txt-tboot: VMX enabled inside SMX only, booted through tboot: can be used" {
	host_from_fixture intel-txt-tboot
	kvm_ok_on_host -v
	assert_success
	assert_line "INFO: [pass] firmware: IA32_FEATURE_CONTROL (MSR 0x3a) = 0x3 on CPU 0: locked, enabled, tboot active (4 CPUs read)"
	assert_line --partial "KVM modules: kvm loaded; kvm_intel loaded (nested=N)"
	assert_reason usable usable
}

@test "intel-txt-only-no-tboot: VMX enabled only for TXT, normal boot: disabled by firmware" {
	host_from_fixture intel-txt-only-no-tboot
	kvm_ok_on_host
	assert_failure 1
	assert_line --partial "enabled only inside SMX (TXT measured launch), disabled otherwise"
	assert_line --partial "HINT: The firmware enabled VT-x only for TXT"
	assert_reason disabled-by-firmware unusable
}

@test "amd-usable: SVM with NPT, VM_CR clear, kvm_amd nested=1: can be used" {
	host_from_fixture amd-usable
	kvm_ok_on_host -v
	assert_success
	assert_line "INFO: [pass] cpuid-vt: CPUID: the CPU supports SVM, with nested paging (NPT)"
	assert_line "INFO: [pass] cpuinfo-vt: /proc/cpuinfo: svm flag on all 4 CPUs"
	assert_line "INFO: [pass] firmware: VM_CR (MSR 0xc0010114) = 0 on CPU 0: not locked, enabled (4 CPUs read)"
	assert_line --partial "kvm_amd loaded (nested=1)"
	assert_equal "${lines[-1]}" "KVM acceleration can be used"
	assert_reason usable usable
}

@test "amd-svm-disabled: VM_CR SVMDIS set: disabled by firmware, with the AMD wording" {
	host_from_fixture amd-svm-disabled
	kvm_ok_on_host
	assert_failure 1
	assert_line "INFO: VM_CR (MSR 0xc0010114) = 0x18 on CPU 0: DISABLED by firmware (4 of 4 CPUs read)"
	assert_line --partial "enable \"SVM Mode\" (AMD-V)"
	assert_reason disabled-by-firmware unusable
}

@test "hygon-usable: Hygon uses SVM and kvm_amd" {
	host_from_fixture hygon-usable
	kvm_ok_on_host -v
	assert_success
	assert_line "INFO: [info] cpu: CPU: Hygon C86 3185  8-core Processor (HygonGenuine, family 24, model 0, stepping 1)"
	assert_line "INFO: [pass] cpuid-vt: CPUID: the CPU supports SVM, with nested paging (NPT)"
	assert_line --partial "kvm_amd loaded"
	assert_reason usable usable
}

@test "zhaoxin-usable: Zhaoxin's VMX is read from the raw CPUID bit, and kvm_intel applies" {
	host_from_fixture zhaoxin-usable
	kvm_ok_on_host -v
	assert_success
	assert_line "INFO: [info] cpu: CPU: ZHAOXIN KaiXian KX-U6780A@2.7GHz (CentaurHauls, family 7, model 59, stepping 1)"
	assert_line "INFO: [pass] cpuid-vt: CPUID: the CPU supports VMX"
	assert_line --partial "kvm_intel loaded (nested=Y)"
	assert_reason usable usable
}

@test "zhaoxin-shanghai-module-not-loaded: the \"  Shanghai  \" vendor libcpuid does not know still maps to kvm_intel" {
	host_from_fixture zhaoxin-shanghai-module-not-loaded
	kvm_ok_on_host -v
	assert_failure 1
	assert_line "INFO: [info] cpu: CPU: ZHAOXIN KaiXian KX-7000 (  Shanghai  , family 7, model 91, stepping 5)"
	assert_line "INFO: [pass] cpuid-vt: CPUID: the CPU supports VMX"
	assert_line --partial "HINT: Load the module as root: modload (this toolkit) or modprobe kvm_intel"
	assert_reason module-not-loaded unusable
}

@test "intel-no-vt: a CPU without VMX: no CPU support, TCG suggested" {
	host_from_fixture intel-no-vt
	kvm_ok_on_host
	assert_failure 1
	assert_line "INFO: CPUID: the CPU does not report VMX"
	assert_line "INFO: /proc/cpuinfo: no vmx flag on any of 2 CPUs"
	assert_line "HINT: KVM needs a CPU with Intel VT-x or AMD-V; this one has none."
	assert_line --partial "HINT: Guests can still run without KVM under QEMU's TCG emulation (-accel tcg)"
	assert_reason no-cpu-support unusable
}

@test "guest-kvm-no-nested: a KVM guest without VMX: enable nested on the outer host" {
	host_from_fixture guest-kvm-no-nested
	kvm_ok_on_host
	assert_failure 1
	assert_line 'INFO: running under a hypervisor: KVM (signature "KVMKVMKVM")'
	assert_line --partial "HINT: This is a KVM guest: on the outer host, load kvm_intel with nested=1 (echo 'options kvm_intel nested=1' > /etc/modprobe.d/kvm-nested.conf"
	assert_reason no-cpu-support unusable
}

@test "guest-hyperv-no-nested: Hyper-V guest: ExposeVirtualizationExtensions" {
	host_from_fixture guest-hyperv-no-nested
	kvm_ok_on_host
	assert_failure 1
	assert_line 'INFO: running under a hypervisor: Microsoft Hyper-V (signature "Microsoft Hv")'
	assert_line --partial "Set-VMProcessor -VMName NAME -ExposeVirtualizationExtensions \$true"
	assert_reason no-cpu-support unusable
}

@test "guest-vmware-no-nested: VMware guest: virtualize VT-x/EPT" {
	host_from_fixture guest-vmware-no-nested
	kvm_ok_on_host
	assert_failure 1
	assert_line 'INFO: running under a hypervisor: VMware (signature "VMwareVMware")'
	assert_line --partial "Virtualize Intel VT-x/EPT or AMD-V/RVI"
	assert_reason no-cpu-support unusable
}

@test "guest-xen-no-nested: Xen guest: nestedhvm=1" {
	host_from_fixture guest-xen-no-nested
	kvm_ok_on_host
	assert_failure 1
	assert_line 'INFO: running under a hypervisor: Xen (signature "XenVMMXenVMM")'
	assert_line --partial "nestedhvm=1"
	assert_reason no-cpu-support unusable
}

@test "guest-virtualbox-no-nested: VirtualBox guest: --nested-hw-virt on" {
	host_from_fixture guest-virtualbox-no-nested
	kvm_ok_on_host
	assert_failure 1
	assert_line 'INFO: running under a hypervisor: VirtualBox (signature "VBoxVBoxVBox")'
	assert_line --partial "VBoxManage modifyvm NAME --nested-hw-virt on"
	assert_reason no-cpu-support unusable
}

@test "intel-module-not-loaded: VT fine, kvm_intel not loaded: load it" {
	host_from_fixture intel-module-not-loaded
	kvm_ok_on_host
	assert_failure 1
	assert_line "INFO: /dev/kvm does not exist"
	assert_line "INFO: KVM modules: kvm not loaded; kvm_intel not loaded"
	assert_line "INFO: reason module-not-loaded: kvm_intel is not loaded, so there is no /dev/kvm"
	assert_line --partial "HINT: Load the module as root: modload (this toolkit) or modprobe kvm_intel"
	assert_reason module-not-loaded unusable
}

@test "intel-device-missing: kvm_intel loaded but no /dev/kvm: no KVM device" {
	host_from_fixture intel-device-missing
	kvm_ok_on_host
	assert_failure 1
	assert_line "INFO: /dev/kvm does not exist"
	assert_line "INFO: reason no-kvm-device: kvm_intel is loaded but /dev/kvm does not exist"
	assert_line --partial "mknod -m 0660 /dev/kvm c 10 232"
	assert_reason no-kvm-device unusable
}

@test "intel-device-permission: /dev/kvm group-only and the user not in the group: adduser" {
	require_root_for_identity
	host_from_fixture intel-device-permission
	group=$(other_group)
	chgrp "$group" "$HOST/dev/kvm"
	chmod 0660 "$HOST/dev/kvm"
	kvm_ok_on_host_as_nobody
	assert_failure 1
	assert_line "INFO: /dev/kvm: cannot open read-write: Permission denied (group $group, mode 0660; nobody is not a member)"
	assert_line "INFO: reason device-permission: /dev/kvm: permission denied (group $group; nobody is not a member)"
	assert_line "HINT: Add the user to group $group: adduser nobody $group, then log out and in again."
	kvm_ok_on_host_as_nobody --json
	assert_equal "$(jq -r .reason <<<"$output")" device-permission
}

@test "intel-device-permission: a root-only /dev/kvm asks for the kvm group and mode 0660" {
	require_root_for_identity
	host_from_fixture intel-device-permission
	chmod 0600 "$HOST/dev/kvm"
	kvm_ok_on_host_as_nobody
	assert_failure 1
	assert_line --partial "HINT: /dev/kvm is root:root mode 0600: as root, chgrp kvm /dev/kvm && chmod 0660 /dev/kvm"
}

@test "intel-device-not-kvm: /dev/kvm is /dev/null: KVM_GET_API_VERSION fails, not a KVM device" {
	host_from_fixture intel-device-not-kvm
	kvm_ok_on_host
	assert_failure 1
	assert_line --partial "KVM_GET_API_VERSION failed: Inappropriate ioctl for device (ENOTTY)"
	assert_line "INFO: reason device-not-kvm: /dev/kvm is not a working KVM device (KVM_GET_API_VERSION failed)"
	assert_line --partial "HINT: Remove the stray /dev/kvm"
	assert_reason device-not-kvm unusable
}

@test "intel-device-directory: /dev/kvm is a directory: not a KVM device" {
	host_from_fixture intel-device-directory
	kvm_ok_on_host
	assert_failure 1
	assert_line "INFO: /dev/kvm is a directory, not a character device"
	assert_reason device-not-kvm unusable
}

@test "amd-kvm-pvm-not-accelerated: the build machines' kind: device works, guest 6000x slower" {
	host_from_fixture amd-kvm-pvm-not-accelerated
	kvm_ok_on_host
	assert_failure 1
	assert_line "INFO: CPUID: the CPU does not report SVM"
	assert_line "INFO: KVM modules: kvm built into the kernel; kvm_amd not loaded; kvm_pvm built into the kernel (PVM: /dev/kvm without VMX/SVM)"
	assert_line "INFO: KVM_CREATE_VM succeeded"
	assert_line "INFO: test loop: 1514 ns per iteration in a KVM guest, 0.25 ns natively: 6054x slower than native: NOT accelerated (recorded)"
	assert_line "INFO: reason not-accelerated: /dev/kvm works but guest code runs 6054x slower than native: it is emulated, not accelerated"
	assert_line --partial "HINT: /dev/kvm here comes from kvm_pvm"
	assert_equal "${lines[-1]}" "KVM acceleration can NOT be used"
	assert_reason not-accelerated unusable
	assert_equal "$(json_field .probe.slowdown)" 6054
}

@test "intel-no-msr-device: no msr module, kernel too old to hide vmx: module not loaded, and how to see the lock" {
	host_from_fixture intel-no-msr-device
	kvm_ok_on_host
	assert_failure 1
	assert_line "INFO: IA32_FEATURE_CONTROL (MSR 0x3a) not read: /dev/cpu/0/msr: no msr device (the msr module is not loaded)"
	assert_line --partial "HINT: To see whether the firmware allows VMX, load the msr module (modprobe msr)"
	assert_reason module-not-loaded unusable
}

@test "intel-non-root: MSRs readable only by root, module not loaded: needs root, exit 2" {
	require_root_for_identity
	host_from_fixture intel-non-root
	chmod 0600 "$HOST"/dev/cpu/*/msr
	kvm_ok_on_host_as_nobody
	assert_failure 2
	assert_line "INFO: IA32_FEATURE_CONTROL (MSR 0x3a) not read: /dev/cpu/0/msr: permission denied (reading MSRs needs root)"
	assert_line "HINT: Run kvm-ok as root (sudo kvm-ok) to read the firmware lock bits."
	assert_equal "${lines[-1]}" "KVM acceleration can NOT be used"
	kvm_ok_on_host_as_nobody --json
	assert_equal "$(jq -r .reason <<<"$output")" needs-root
	assert_equal "$(jq -r .verdict <<<"$output")" unknown
}

@test "intel-non-root: the same host as root reads the lock bits and decides" {
	host_from_fixture intel-non-root
	kvm_ok_on_host
	assert_failure 1
	assert_line --partial "IA32_FEATURE_CONTROL (MSR 0x3a) = 0x5 on CPU 0: locked, enabled"
	assert_reason module-not-loaded unusable
}

@test "intel-create-vm-busy: KVM_CREATE_VM gives EBUSY: another hypervisor holds VT-x" {
	host_from_fixture intel-create-vm-busy
	kvm_ok_on_host
	assert_failure 1
	assert_line "INFO: KVM_CREATE_VM failed: Device or resource busy (EBUSY) (recorded)"
	assert_line --partial "HINT: Another hypervisor holds VMX (VirtualBox, VMware)"
	assert_reason device-broken unusable
}

@test "intel-not-probed: a stand-in /dev/kvm without a probe record: unknown, exit 2" {
	host_from_fixture intel-not-probed
	kvm_ok_on_host
	assert_failure 2
	assert_line --partial "no probe outcome: $HOST/kvm-probe: No such file or directory"
	assert_equal "${lines[-1]}" "KVM acceleration can NOT be used"
	assert_reason not-probed unknown
}

@test "unknown-vendor: a vendor KVM has no module for: no CPU support" {
	host_from_fixture unknown-vendor
	kvm_ok_on_host -v
	assert_failure 1
	assert_line --partial "CPU vendor \"GenuineTMx86\" has no KVM support"
	assert_reason no-cpu-support unusable
}

@test "every fixture host gives valid JSON with the documented keys and a matching exit status" {
	for dir in "$FIXTURES"/*/; do
		host_from_fixture "$(basename "$dir")"
		run "$KVM_OK" --sysroot "$HOST" --json
		status_json=$status
		jq -e 'has("verdict") and has("reason") and (.hints|type=="array") and (.checks|type=="array") and all(.checks[]; has("name") and has("state") and has("detail"))' <<<"$output" >/dev/null \
			|| fail "$(basename "$dir"): bad JSON: $output"
		verdict=$(jq -r .verdict <<<"$output")
		case $verdict in
		usable) expect=0 ;; unusable) expect=1 ;; unknown) expect=2 ;; *) fail "bad verdict $verdict" ;;
		esac
		[ "$status_json" -eq "$expect" ] || fail "$(basename "$dir"): exit $status_json for verdict $verdict"
		[ "$verdict" = unusable ] && { [ "$(jq '.hints|length' <<<"$output")" -gt 0 ] || fail "$(basename "$dir"): no hint"; }
		remove_host
	done
}

@test "no hint on any fixture host fills its line: a hint cut at CHECK_DETAIL_MAX (320) would lose its end silently" {
	for dir in "$FIXTURES"/*/; do
		host_from_fixture "$(basename "$dir")"
		kvm_ok_on_host --json
		longest=$(jq -r '[.hints[] | length] | max // 0' <<<"$output")
		[ "$longest" -lt 319 ] || fail "$(basename "$dir"): a hint of $longest characters: $(jq -r '.hints[] | select(length >= 319)' <<<"$output")"
		remove_host
	done
}
