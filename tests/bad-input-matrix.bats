#!/usr/bin/env bats
# The bad-input matrix: broken hosts of every kind, each with a clear
# message and a decided exit status; never a crash, a hang, or a "can be
# used" that the probe did not prove.  (More cases: kvm-ok-bad-input.bats.)

load helpers/common

teardown() {
	remove_host
}

# ---- /proc/cpuinfo ----------------------------------------------------------

@test "matrix: cpuinfo truncated mid-line" {
	host_from_fixture intel-module-not-loaded
	head -c 700 "$FIXTURES/intel-module-not-loaded/proc/cpuinfo" > "$HOST/proc/cpuinfo"
	kvm_ok_decided -v
	assert_failure 1
	assert_line --regexp "^INFO: \[(pass|unknown)\] cpuinfo-vt: "
}

@test "matrix: cpuinfo with a NUL byte: read up to it" {
	host_from_fixture intel-module-not-loaded
	{ printf 'processor\t: 0\nflags\t\t: fpu vmx\n\0processor\t: 1\nflags\t\t: fpu\n'; } > "$HOST/proc/cpuinfo"
	kvm_ok_decided -v
	assert_line "INFO: [pass] cpuinfo-vt: /proc/cpuinfo: vmx flag on all 1 CPU"
}

@test "matrix: cpuinfo with processor lines but no flags lines" {
	host_from_fixture intel-module-not-loaded
	grep -v '^flags' "$FIXTURES/intel-module-not-loaded/proc/cpuinfo" > "$HOST/proc/cpuinfo"
	kvm_ok_decided -v
	assert_failure 1
	assert_line "INFO: [unknown] cpuinfo-vt: /proc/cpuinfo: 4 CPUs but no flags line"
}

@test "matrix: a flags line and no processor line counts as one CPU" {
	host_from_fixture intel-module-not-loaded
	printf 'flags\t\t: fpu vmx lm\n' > "$HOST/proc/cpuinfo"
	kvm_ok_decided -v
	assert_line "INFO: [pass] cpuinfo-vt: /proc/cpuinfo: vmx flag on all 1 CPU"
}

@test "matrix: 1024 CPUs in cpuinfo" {
	host_from_fixture intel-module-not-loaded
	for i in $(seq 0 1023); do printf 'processor\t: %d\nflags\t\t: fpu vmx lm\n\n' "$i"; done > "$HOST/proc/cpuinfo"
	kvm_ok_decided -v
	assert_line "INFO: [pass] cpuinfo-vt: /proc/cpuinfo: vmx flag on all 1024 CPUs"
}

@test "matrix: cpuinfo missing" {
	host_from_fixture intel-module-not-loaded
	rm "$HOST/proc/cpuinfo"
	kvm_ok_decided -v
	assert_failure 1
	assert_line "INFO: [unknown] cpuinfo-vt: /proc/cpuinfo: No such file or directory"
}

@test "matrix: cpuinfo is a directory" {
	host_from_fixture intel-module-not-loaded
	rm "$HOST/proc/cpuinfo"
	mkdir "$HOST/proc/cpuinfo"
	kvm_ok_decided -v
	assert_line "INFO: [unknown] cpuinfo-vt: /proc/cpuinfo: not a regular file"
}

@test "matrix: cpuinfo unreadable for the user" {
	require_root_for_identity
	host_from_fixture intel-module-not-loaded
	chmod 000 "$HOST/proc/cpuinfo"
	kvm_ok_on_host_as_nobody -v
	[ "$status" -le 2 ] || fail "exit $status"
	assert_line "INFO: [unknown] cpuinfo-vt: /proc/cpuinfo: Permission denied"
}

# ---- MSRs -------------------------------------------------------------------

@test "matrix: the lock MSR locked off on one CPU only (misreporting firmware)" {
	host_from_fixture intel-module-not-loaded
	write_msr "$HOST/dev/cpu/3/msr" 0x3a 0x1
	kvm_ok_decided -v
	assert_failure 1
	assert_line "INFO: [fail] firmware: IA32_FEATURE_CONTROL (MSR 0x3a) = 0x5 on CPU 3: DISABLED by firmware (1 of 4 CPUs read)"
	assert_line --partial "reason disabled-by-firmware"
}

@test "matrix: the msr file of one CPU missing" {
	host_from_fixture intel-module-not-loaded
	rm "$HOST/dev/cpu/2/msr"
	kvm_ok_decided -v
	assert_line --regexp "^INFO: \[(pass|unknown)\] firmware: IA32_FEATURE_CONTROL"
}

@test "matrix: the msr file is a directory" {
	host_from_fixture intel-module-not-loaded
	rm -rf "$HOST/dev/cpu"
	mkdir -p "$HOST/dev/cpu/0/msr"
	kvm_ok_decided -v
	assert_line --regexp "^INFO: \[unknown\] firmware: IA32_FEATURE_CONTROL \(MSR 0x3a\) not read: /dev/cpu/0/msr: "
}

@test "matrix: every msr file a short read" {
	host_from_fixture intel-module-not-loaded
	rm -rf "$HOST/dev/cpu"
	for c in 0 1 2 3; do mkdir -p "$HOST/dev/cpu/$c"; write_msr "$HOST/dev/cpu/$c/msr" 0x3a short; done
	kvm_ok_decided -v
	assert_line "INFO: [unknown] firmware: IA32_FEATURE_CONTROL (MSR 0x3a) not read: /dev/cpu/0/msr: short read (fewer than 8 bytes)"
}

@test "matrix: an all-ones lock MSR (locked, enabled)" {
	host_from_fixture intel-module-not-loaded
	rm -rf "$HOST/dev/cpu"
	mkdir -p "$HOST/dev/cpu/0"
	write_msr "$HOST/dev/cpu/0/msr" 0x3a 0xffffffffffffffff
	kvm_ok_decided -v
	assert_line --partial "= 0xffffffffffffffff on CPU 0: locked, enabled"
}

@test "matrix: msr files unreadable without root, kernel that hides the flag: decided anyway" {
	require_root_for_identity
	host_from_fixture intel-module-not-loaded
	chmod 0600 "$HOST"/dev/cpu/*/msr
	kvm_ok_on_host_as_nobody -v
	assert_failure 1
	assert_line "INFO: [unknown] firmware: IA32_FEATURE_CONTROL (MSR 0x3a) not read: /dev/cpu/0/msr: permission denied (reading MSRs needs root)"
	assert_line --partial "reason module-not-loaded"
}

# ---- /dev/kvm ---------------------------------------------------------------

@test "matrix: /dev/kvm a character device with the wrong numbers (/dev/zero)" {
	host_from_fixture intel-device-not-kvm
	host_kvm_links_to zero 1 5
	kvm_ok_decided -v
	assert_failure 1
	assert_line --regexp "^INFO: \[warn\] device: /dev/kvm: character device, .*device 1:5 \(KVM is 10:232\), symlink to /dev/zero$"
	assert_line --partial "reason device-not-kvm"
}

@test "matrix: /dev/kvm a block device" {
	[ "$(id -u)" -eq 0 ] || skip "mknod needs root"
	host_from_fixture intel-device-missing
	mkdir -p "$HOST/dev"
	mknod "$HOST/dev/kvm" b 7 250 || skip "mknod not permitted"
	kvm_ok_decided
	assert_failure 1
	assert_line "INFO: /dev/kvm is a block device, not a character device"
}

@test "matrix: a stand-in /dev/kvm nobody may open" {
	require_root_for_identity
	host_from_fixture intel-usable
	chmod 000 "$HOST/dev/kvm"
	kvm_ok_on_host_as_nobody
	assert_failure 1
	assert_line --partial "reason device-permission"
	refute_line "KVM acceleration can be used"
}

@test "matrix: probe record: API version 11" {
	host_from_fixture intel-usable
	printf 'api_version=11\n' > "$HOST/kvm-probe"
	kvm_ok_decided -v
	assert_failure 1
	assert_line --partial "KVM_GET_API_VERSION answered 11, expected 12"
	assert_line --partial "reason device-not-kvm"
}

@test "matrix: probe record: a line that is not key=value" {
	host_from_fixture intel-usable
	printf 'this is not a record\n' > "$HOST/kvm-probe"
	kvm_ok_decided
	assert_failure 2
	assert_line --partial "\"this is not a record\" is not key=value"
}

@test "matrix: probe record: the guest failed" {
	host_from_fixture intel-usable
	printf 'guest=EPROTO\n' > "$HOST/kvm-probe"
	kvm_ok_decided
	assert_failure 1
	assert_line --partial "reason device-broken: a test guest could not run"
}

@test "matrix: probe record: stopped at the deadline, a lower bound" {
	host_from_fixture intel-usable
	printf 'guest_ns_per_iteration=900\nnative_ns_per_iteration=0.3\nguest_finished=no\n' > "$HOST/kvm-probe"
	kvm_ok_decided
	assert_failure 1
	assert_line --partial "test loop: more than 900 ns per iteration"
	assert_line --partial "reason not-accelerated"
}

@test "matrix: probe record: measured three times, said so; a fourth measurement is not a record's" {
	host_from_fixture intel-usable
	printf 'guest_ns_per_iteration=900\nnative_ns_per_iteration=0.3\nguest_measurements=3\n' > "$HOST/kvm-probe"
	kvm_ok_decided
	assert_failure 1
	assert_line --partial "test loop: 900 ns per iteration in a KVM guest (the fastest of 3 measurements), 0.30 ns natively: 3000x slower than native: NOT accelerated (recorded)"
	assert_equal "$(jq -r .probe.guest_measurements < <("$KVM_OK" --sysroot "$HOST" --json))" 3
	printf 'guest_ns_per_iteration=0.3\nnative_ns_per_iteration=0.3\nguest_measurements=4\n' > "$HOST/kvm-probe"
	kvm_ok_decided
	assert_failure 2
	assert_line --partial "guest_measurements: \"4\" is not 1 to 3"
}

@test "matrix: probe record: an overlong line" {
	host_from_fixture intel-usable
	printf 'guest_ns_per_iteration=%0300d\n' 1 > "$HOST/kvm-probe"
	kvm_ok_decided
	assert_failure 2
	assert_line --partial "a line is longer than 255 bytes"
}

@test "matrix: probe record: binary garbage" {
	host_from_fixture intel-usable
	head -c 4000 /dev/urandom > "$HOST/kvm-probe"
	kvm_ok_decided
	[ "$status" -ne 0 ] || fail "garbage taken for a usable device"
}

@test "matrix: probe record: a usable-looking record with a zero native time" {
	host_from_fixture intel-usable
	printf 'guest_ns_per_iteration=0.3\nnative_ns_per_iteration=0\n' > "$HOST/kvm-probe"
	kvm_ok_decided
	assert_failure 2
	assert_line --partial "native_ns_per_iteration: \"0\" is not a positive number"
}

# ---- sysfs ------------------------------------------------------------------

@test "matrix: a module still coming up" {
	host_from_fixture intel-usable
	echo coming > "$HOST/sys/module/kvm_intel/initstate"
	kvm_ok_decided -v
	assert_line --partial "kvm_intel still loading"
}

@test "matrix: initstate is a directory" {
	host_from_fixture intel-usable
	rm "$HOST/sys/module/kvm_intel/initstate"
	mkdir "$HOST/sys/module/kvm_intel/initstate"
	kvm_ok_decided -v
	assert_line --partial "kvm_intel in an unreadable state"
}

@test "matrix: a nested parameter with garbage is not reported" {
	host_from_fixture intel-usable
	echo maybe > "$HOST/sys/module/kvm_intel/parameters/nested"
	kvm_ok_decided -v
	assert_line "INFO: [info] modules: KVM modules: kvm loaded; kvm_intel loaded"
	refute_output --partial "nested=maybe"
}

@test "matrix: /sys/module/kvm_intel is a file" {
	host_from_fixture intel-usable
	rm -rf "$HOST/sys/module/kvm_intel"
	echo x > "$HOST/sys/module/kvm_intel"
	kvm_ok_decided -v
	assert_line --partial "kvm_intel not loaded"
}

@test "matrix: empty osrelease" {
	host_from_fixture intel-module-not-loaded
	: > "$HOST/proc/sys/kernel/osrelease"
	kvm_ok_decided -v
	assert_line "INFO: [unknown] kernel: /proc/sys/kernel/osrelease: unreadable or malformed"
}

@test "matrix: an osrelease with absurd numbers" {
	host_from_fixture intel-module-not-loaded
	echo "99999999999999999999.1-x" > "$HOST/proc/sys/kernel/osrelease"
	kvm_ok_decided -v
	assert_line "INFO: [unknown] kernel: /proc/sys/kernel/osrelease: unreadable or malformed"
}

# ---- CPUID -------------------------------------------------------------------

@test "matrix: an empty cpuid.raw" {
	host_from_fixture intel-module-not-loaded
	: > "$HOST/cpuid.raw"
	kvm_ok_decided -v
	assert_line --partial "INFO: [unknown] cpu: CPUID could not be read"
}

@test "matrix: a CPUID dump of a vendor never seen" {
	host_from_fixture intel-module-not-loaded
	"$TOP/tests/helpers/make-cpuid-raw" "Vortex86 SoC" 00000522 00000000 00000000 00000000 "Vortex86DX3" > "$HOST/cpuid.raw"
	kvm_ok_decided -v
	assert_failure 1
	assert_line --partial 'CPU vendor "Vortex86 SoC" has no KVM support'
	assert_line --partial "reason no-cpu-support"
}

@test "matrix: two megabytes of garbage as cpuid.raw" {
	host_from_fixture intel-module-not-loaded
	yes "basic_cpuid[1]=garbage garbage" | head -c 2000000 > "$HOST/cpuid.raw"
	kvm_ok_decided -v
	assert_line --partial "INFO: [unknown] cpu: CPUID could not be read"
}

@test "matrix: cpuid.raw is a FIFO" {
	host_from_fixture intel-module-not-loaded
	rm "$HOST/cpuid.raw"
	mkfifo "$HOST/cpuid.raw"
	kvm_ok_decided -v
	assert_line --partial "cpuid.raw: not a regular file"
}

@test "matrix: a garbage hypervisor leaf" {
	host_from_fixture guest-kvm-no-nested
	echo "hypervisor_cpuid[0]=zz" > "$HOST/cpuid.hypervisor"
	kvm_ok_decided -v
	assert_line "INFO: [info] hypervisor: running under a hypervisor (signature not recorded)"
}

# ---- SMBIOS and PCI (the report) ---------------------------------------------

@test "matrix: binary bytes in a DMI file are shown cleaned" {
	host_from_fixture intel-report-full
	printf 'Dell\001\002\377Inc.\n' > "$HOST/sys/class/dmi/id/bios_vendor"
	kvm_ok_decided --report
	assert_line "BIOS vendor: Dell???Inc."
}

@test "matrix: an empty DMI directory: present, fields not set" {
	host_from_fixture intel-report-full
	rm -f "$HOST"/sys/class/dmi/id/*
	kvm_ok_decided --report
	assert_line "SMBIOS: present"
	assert_line "BIOS vendor: (not set)"
}

@test "matrix: a PCI attribute that is a FIFO is refused, not read (no hang); that device is skipped, the others listed" {
	host_from_fixture intel-report-full
	rm "$HOST/sys/bus/pci/devices/0000:03:00.0/vendor"
	mkfifo "$HOST/sys/bus/pci/devices/0000:03:00.0/vendor"
	kvm_ok_decided --report
	assert_line "PCI: 1 broken entry of the image skipped (0000:03:00.0/vendor: not a regular file)"
	assert_line --regexp "^PCI 0000:19:00.0: "
}

@test "matrix: garbage in PCI attribute files" {
	host_from_fixture intel-report-full
	printf '\377\376zzz\n' > "$HOST/sys/bus/pci/devices/0000:19:00.0/vendor"
	kvm_ok_decided --report
	assert_line --regexp "^PCI 0000:19:00.0: "
}

@test "matrix: 300 PCI devices: the first 256 listed and the rest counted" {
	host_from_fixture intel-report-full
	for i in $(seq 0 299); do
		d=$HOST/sys/bus/pci/devices/0000:$(printf %02x $((i / 32 + 0x40))):$(printf %02x $((i % 32))).0
		mkdir -p "$d"; echo 0x1af4 > "$d/vendor"; echo 0x1041 > "$d/device"; echo 0x020000 > "$d/class"
	done
	kvm_ok_decided --report
	assert_line "PCI: 48 more devices not listed"
}
