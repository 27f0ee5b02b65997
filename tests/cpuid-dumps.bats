#!/usr/bin/env bats
# CPU detection of nine processor classes, from the project's own CPUID
# fixtures (tests/fixtures/cpus, made by tests/fixtures/make-cpus), so that
# every clone tests them.  Where the raw dumps of the real processors are
# beside the project (../shared/cpuid-dumps, which are not copied here),
# the last test checks that they give the same answers.

load helpers/common

DUMPS=$TOP/tests/fixtures/cpus

setup() {
	HOST_TMP=$(mktemp -d)
}

teardown() {
	remove_host
}

# Reports kvm-ok's view of one dump as "vendor family/model/stepping vt hypervisor".
cpu_of() {
	mkdir -p "$HOST_TMP/h"
	cp "$DUMPS/$1" "$HOST_TMP/h/cpuid.raw"
	"$KVM_OK" --sysroot "$HOST_TMP/h" --json |
		jq -r '.cpu | "\(.vendor) \(.family)/\(.model)/\(.stepping) vt=\(.cpuid_vt) hv=\(.hypervisor)"'
}

@test "dumps: Intel Core i5-14600K and i7-10610U have VMX" {
	assert_equal "$(cpu_of intel-core-i5-14600k.raw)" "GenuineIntel 6/183/1 vt=true hv=false"
	assert_equal "$(cpu_of intel-core-i7-10610u.raw)" "GenuineIntel 6/142/12 vt=true hv=false"
}

@test "dumps: Intel Atom D425 has no VMX" {
	assert_equal "$(cpu_of intel-atom-d425.raw)" "GenuineIntel 6/28/10 vt=false hv=false"
}

@test "dumps: AMD Ryzen 7 7700X has SVM, Opteron 165 has none" {
	assert_equal "$(cpu_of amd-ryzen-7-7700x.raw)" "AuthenticAMD 25/97/2 vt=true hv=false"
	assert_equal "$(cpu_of amd-opteron-165.raw)" "AuthenticAMD 15/35/2 vt=false hv=false"
}

@test "dumps: Hygon C86 7185 has SVM" {
	assert_equal "$(cpu_of hygon-c86-7185.raw)" "HygonGenuine 24/0/1 vt=true hv=false"
}

@test "dumps: Zhaoxin KX-U6780A (CentaurHauls) has VMX although libcpuid does not flag it" {
	assert_equal "$(cpu_of zhaoxin-kx-u6780a.raw)" "CentaurHauls 7/59/1 vt=true hv=false"
}

@test "dumps: guests seen through Hyper-V and QEMU report the hypervisor bit and no VMX" {
	assert_equal "$(cpu_of intel-core-i5-10600k-hyperv.raw)" "GenuineIntel 6/165/5 vt=false hv=true"
	assert_equal "$(cpu_of qemu-virtual-cpu.raw)" "GenuineIntel 6/13/3 vt=false hv=true"
}

@test "real dumps beside the project (../shared/cpuid-dumps), when present: the same answers" {
	real=$TOP/../shared/cpuid-dumps
	[ -d "$real" ] || skip "no $real here (the project's own fixtures above cover the same classes)"
	for f in "$DUMPS"/*.raw; do
		name=$(basename "$f")
		[ -f "$real/$name" ] || continue
		own=$(cpu_of "$name")
		DUMPS=$real
		assert_equal "$(cpu_of "$name")" "$own"
		DUMPS=$TOP/tests/fixtures/cpus
	done
}
