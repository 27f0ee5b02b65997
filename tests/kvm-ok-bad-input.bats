#!/usr/bin/env bats
# Broken hosts: each gives a clear message and a decided exit status, never
# a crash, a hang, or a "can be used" that was not proven.

load helpers/common

setup() {
	host_from_fixture intel-module-not-loaded
}

teardown() {
	remove_host
}

@test "empty /proc/cpuinfo: cpuinfo unknown, the decision rests on the rest" {
	: > "$HOST/proc/cpuinfo"
	kvm_ok_decided -v
	assert_line "INFO: [unknown] cpuinfo-vt: /proc/cpuinfo: no processor entries"
	assert_failure 1
	assert_line --partial "reason module-not-loaded"
}

@test "binary /proc/cpuinfo: no crash, no processor entries" {
	head -c 200000 /dev/urandom | tr -d '\n' > "$HOST/proc/cpuinfo"
	kvm_ok_decided -v
	assert_failure 1
	assert_line "INFO: [unknown] cpuinfo-vt: /proc/cpuinfo: no processor entries"
}

@test "a multi-megabyte flags line is parsed to its end" {
	{ printf 'processor\t: 0\nflags\t\t: '; head -c 4000000 /dev/zero | tr '\0' 'x'; printf ' vmx\n'; } > "$HOST/proc/cpuinfo"
	kvm_ok_decided -v
	assert_line "INFO: [pass] cpuinfo-vt: /proc/cpuinfo: vmx flag on all 1 CPU"
}

@test "different flags per CPU are reported per CPU" {
	awk '/^processor/ { n = $3 } /^flags/ && (n == 1 || n == 3) { sub(/ vmx/, "") } { print }' \
		"$FIXTURES/intel-module-not-loaded/proc/cpuinfo" > "$HOST/proc/cpuinfo"
	kvm_ok_decided -v
	assert_line "INFO: [warn] cpuinfo-vt: /proc/cpuinfo: vmx flag on 2 of 4 CPUs (vmx missing on CPU 1, 3)"
}

@test "/proc/cpuinfo as a FIFO is refused, not read (no hang)" {
	rm "$HOST/proc/cpuinfo"
	mkfifo "$HOST/proc/cpuinfo"
	kvm_ok_decided -v
	assert_line "INFO: [unknown] cpuinfo-vt: /proc/cpuinfo: not a regular file"
}

@test "a short MSR file is a short read, not 'enabled'" {
	rm -rf "$HOST/dev/cpu"
	mkdir -p "$HOST/dev/cpu/0"
	write_msr "$HOST/dev/cpu/0/msr" 0x3a short
	kvm_ok_decided -v
	assert_line "INFO: [unknown] firmware: IA32_FEATURE_CONTROL (MSR 0x3a) not read: /dev/cpu/0/msr: short read (fewer than 8 bytes)"
	refute_output --partial "locked, enabled"
}

@test "/dev/kvm a dangling symlink: device-not-kvm" {
	mkdir -p "$HOST/dev"
	ln -s /nonexistent/kvm "$HOST/dev/kvm"
	kvm_ok_decided
	assert_failure 1
	assert_line 'INFO: /dev/kvm is a symlink to "/nonexistent/kvm", which does not exist'
	assert_line "INFO: reason device-not-kvm: /dev/kvm is not a KVM device node"
}

@test "/dev/kvm a symlink loop: device-not-kvm" {
	mkdir -p "$HOST/dev"
	ln -s kvm "$HOST/dev/kvm"
	kvm_ok_decided
	assert_failure 1
	assert_line 'INFO: /dev/kvm is a symlink loop ("kvm")'
}

@test "/dev/kvm a FIFO: device-not-kvm, and it is never opened" {
	mkdir -p "$HOST/dev"
	mkfifo "$HOST/dev/kvm"
	kvm_ok_decided
	assert_failure 1
	assert_line "INFO: /dev/kvm is a FIFO, not a character device"
}

@test "garbage in sysfs module files: named as unreadable, not taken as loaded" {
	mkdir -p "$HOST/sys/module/kvm_intel/parameters"
	printf '\001\002garbage' > "$HOST/sys/module/kvm_intel/initstate"
	echo ZZZ > "$HOST/sys/module/kvm_intel/parameters/nested"
	kvm_ok_decided -v
	assert_line "INFO: [fail] modules: KVM modules: kvm not loaded; kvm_intel in an unreadable state"
	assert_failure 1
}

@test "no cpuid.raw: CPUID unknown, the vendor module still named from /proc/cpuinfo" {
	rm "$HOST/cpuid.raw"
	kvm_ok_decided -v
	assert_line "INFO: [unknown] cpu: CPUID could not be read: $HOST/cpuid.raw: No such file or directory"
	assert_line "INFO: [unknown] firmware: firmware lock bits not read: CPUID is unknown"
	assert_line --partial "modprobe kvm_intel"
	assert_failure 1
}

@test "a garbage osrelease: kernel unknown, no crash" {
	printf '\377\376 not a release' > "$HOST/proc/sys/kernel/osrelease"
	kvm_ok_decided -v
	assert_line "INFO: [unknown] kernel: /proc/sys/kernel/osrelease: unreadable or malformed"
}

# The test build (build/test/kvm-ok) can make its probe process hang before
# a step, as a stuck device would; the production binary has no such hook.
@test "a device that hangs in KVM_GET_API_VERSION: abandoned at the deadline, device-broken" {
	host_kvm_links_to null 1 3
	KVMHOST_TEST_HANG=KVM_GET_API_VERSION run timeout 10 "$BUILD/test/kvm-ok" --sysroot "$HOST"
	[ "$status" -ne 124 ] || fail "kvm-ok hung with the device"
	assert_failure 1
	assert_line "INFO: /dev/kvm hangs: no answer within 50 ms, nor within 500 ms on a second try, during KVM_GET_API_VERSION (the probe process was not short of CPU)"
	assert_line "INFO: reason device-broken: /dev/kvm does not answer: no answer within 50 ms, nor within 500 ms on a second try, during KVM_GET_API_VERSION (the probe process was not short of CPU)"
}

@test "a device that hangs in open: abandoned at the deadline too" {
	host_kvm_links_to null 1 3
	KVMHOST_TEST_HANG=open run timeout 10 "$BUILD/test/kvm-ok" --sysroot "$HOST" --json
	[ "$status" -ne 124 ] || fail "kvm-ok hung with the device"
	assert_failure 1
	assert_equal "$(jq -r .reason <<<"$output")" device-broken
	assert_equal "$(jq -r .probe.timed_out <<<"$output")" true
	assert_equal "$(jq -r .probe.step <<<"$output")" open
}

@test "the production build ignores the test hook" {
	host_kvm_links_to null 1 3
	KVMHOST_TEST_HANG=open run timeout 10 "$KVM_OK" --sysroot "$HOST"
	assert_failure 1
	assert_line --partial "reason device-not-kvm"
}
