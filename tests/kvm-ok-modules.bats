#!/usr/bin/env bats
# What kvm-ok says about a vendor module that is not loaded depends on what
# libkmod finds in the host's module tree.

load helpers/common

teardown() {
	remove_host
}

@test "module installed but not loaded: the hint is to load it, without a note about the tree" {
	host_from_fixture intel-module-not-loaded
	make_module_tree "$HOST" 6.1.0-27-amd64 kvm kvm_intel kvm_amd
	kvm_ok_on_host
	assert_failure 1
	assert_line "HINT: Load the module as root: modload (this toolkit) or modprobe kvm_intel"
}

@test "module missing from the kernel's tree: name the kernel and the package" {
	host_from_fixture intel-module-not-loaded
	make_module_tree "$HOST" 6.1.0-27-amd64 kvm kvm_amd
	kvm_ok_on_host
	assert_failure 1
	assert_line "HINT: kvm_intel is not installed for kernel 6.1.0-27-amd64 ($HOST/lib/modules/6.1.0-27-amd64): install the matching kernel package (linux-image-6.1.0-27-amd64) or boot a kernel that has it."
	run "$KVM_OK" --sysroot "$HOST" --json
	assert_equal "$(jq -r .reason <<<"$output")" module-not-loaded
}

@test "module built into the kernel but not live: it failed at boot, look at dmesg" {
	host_from_fixture intel-module-not-loaded
	make_module_tree "$HOST" 6.1.0-27-amd64 kvm builtin:kvm_intel
	kvm_ok_on_host
	assert_failure 1
	assert_line "HINT: kvm_intel is built into kernel 6.1.0-27-amd64, so it cannot be loaded: it failed to start at boot. Look for its messages: dmesg | grep -i kvm"
	refute_output --partial "is not installed"
}

@test "no module tree at all (as on the build machines): say so in the hint" {
	host_from_fixture intel-module-not-loaded
	kvm_ok_on_host
	assert_failure 1
	assert_line --partial "Note: no module tree for kernel 6.1.0-27-amd64 was found ($HOST/lib/modules/6.1.0-27-amd64/modules.dep is missing)."
}
