#!/usr/bin/env bats
# kvm-ok --all: the host readiness section on fixture hosts, state by state.
# The verdict, its last line and the exit status do not change.

load helpers/common

teardown() {
	remove_host
}

# a fixture with the readiness devices (stand-ins) and a cgroup tree
ready_host() {
	host_from_fixture "$1"
	mkdir -p "$HOST/dev/net" "$HOST/sys/fs/cgroup"
	: > "$HOST/dev/net/tun"
	: > "$HOST/dev/vhost-net"
	: > "$HOST/dev/vhost-vsock"
	echo "cpuset cpu io memory hugetlb pids" > "$HOST/sys/fs/cgroup/cgroup.controllers"
}


@test "readiness: everything present; the verdict and its last line stay" {
	ready_host intel-usable
	kvm_ok_on_host --all
	assert_success
	assert_line "INFO: Host readiness:"
	assert_line "INFO:   PASS    tun: /dev/net/tun: character device, usable by $(id -un) (QEMU's user and tap networking)"
	assert_line --partial "PASS    vhost-net: /dev/vhost-net"
	assert_line "INFO:   PASS    cgroups: cgroup v2 controllers: cpuset cpu io memory hugetlb pids"
	assert_line "INFO:   PASS    nested: nested virtualization on: guests may use VMX (kvm_intel nested=Y)"
	assert_equal "${lines[-1]}" "KVM acceleration can be used"
}

# a cgroup v1 (or hybrid) host: no cgroup.controllers, these v1 controllers
cgroup_v1_host() {
	ready_host intel-usable
	rm "$HOST/sys/fs/cgroup/cgroup.controllers"
	mkdir -p "$HOST/proc/self"
	echo "580 1 0:57 / / rw,relatime - ext4 /dev/vda rw" > "$HOST/proc/self/mountinfo"
	for c in "$@"; do
		echo "6$RANDOM 580 0:6$RANDOM / /sys/fs/cgroup/${c%%,*} rw,nosuid - cgroup cgroup rw,$c" >> "$HOST/proc/self/mountinfo"
	done
}

@test "readiness: cgroup v1 (hybrid) with virt-host-validate's controllers mounted: PASS, not UNKNOWN" {
	cgroup_v1_host cpu,cpuacct cpuset memory devices blkio name=systemd
	echo "700 580 0:70 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw" >> "$HOST/proc/self/mountinfo"
	kvm_ok_on_host --all
	assert_success
	assert_line "INFO:   PASS    cgroups: cgroup v1 controllers mounted: cpu cpuacct cpuset memory devices blkio"
}

@test "readiness: a snapshot keeps the cgroup mounts (not the others): the replay gives the same cgroups line" {
	cgroup_v1_host cpu,cpuacct memory
	echo "590 580 0:80 / /home/secret-project rw - ext4 /dev/vdb rw" >> "$HOST/proc/self/mountinfo"
	run "$KVM_OK" -q --sysroot "$HOST" --collect "$HOST_TMP/snap"
	assert_success
	run "$KVM_OK" --all --sysroot "$HOST_TMP/snap"
	assert_line "INFO:   WARN    cgroups: cgroup v1 controllers mounted: cpu cpuacct memory; missing: cpuset devices blkio"
	! grep -q secret-project "$HOST_TMP/snap/proc/self/mountinfo" || fail "an unrelated mount was kept"
}

@test "readiness: cgroup v1 without some controllers: WARN naming them, and the cgroup v2 way out" {
	cgroup_v1_host cpu,cpuacct memory
	kvm_ok_on_host --all
	assert_success
	assert_line "INFO:   WARN    cgroups: cgroup v1 controllers mounted: cpu cpuacct memory; missing: cpuset devices blkio"
	assert_line "HINT:   cgroups: libvirt limits guests through these: mount them, or boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1, the default of Debian 12 and 13)"
}

@test "readiness: no cgroup file system at all: UNKNOWN, and where Debian mounts it" {
	cgroup_v1_host
	kvm_ok_on_host --all
	assert_success
	assert_line "INFO:   UNKNOWN cgroups: cgroups: neither cgroup v2 (/sys/fs/cgroup/cgroup.controllers) nor a cgroup v1 controller is mounted"
	assert_line "HINT:   cgroups: Debian 12 and 13 mount cgroup v2 at /sys/fs/cgroup at boot (systemd); check it is mounted."
}

@test "readiness: /dev/net/tun missing is a FAIL with its module; vhost-net missing a WARN" {
	ready_host intel-usable
	rm "$HOST/dev/net/tun" "$HOST/dev/vhost-net"
	kvm_ok_on_host --all
	assert_success
	assert_line "INFO:   FAIL    tun: /dev/net/tun does not exist (QEMU's user and tap networking)"
	assert_line "HINT:   tun: Load the module that provides it: modprobe tun"
	assert_line "INFO:   WARN    vhost-net: /dev/vhost-net does not exist (in-kernel virtio-net)"
	assert_line "HINT:   vhost-net: Load the module that provides it: modprobe vhost_net"
}

@test "readiness: IOMMU none on bare metal: enable VT-d in firmware" {
	ready_host intel-usable
	kvm_ok_on_host --all
	assert_line "INFO:   WARN    iommu: no IOMMU described: the firmware has no ACPI DMAR (VT-d) table"
	assert_line --partial "HINT:   iommu: Enable \"VT-d\" in the firmware setup"
}

@test "readiness: IOMMU in a VM: no virtual IOMMU" {
	ready_host guest-kvm-no-nested
	kvm_ok_on_host --all
	assert_line "INFO:   WARN    iommu: no IOMMU: this virtual machine has no virtual IOMMU (no ACPI DMAR/IVRS table)"
}

@test "readiness: IOMMU described (DMAR) but no groups: tell the kernel intel_iommu=on" {
	ready_host intel-usable
	mkdir -p "$HOST/sys/firmware/acpi/tables"
	: > "$HOST/sys/firmware/acpi/tables/DMAR"
	echo "root=/dev/sda1 quiet" > "$HOST/proc/cmdline"
	kvm_ok_on_host --all
	assert_line "INFO:   WARN    iommu: the firmware describes VT-d (ACPI DMAR) but the kernel was not told to use it (no IOMMU groups)"
	assert_line "HINT:   iommu: Add intel_iommu=on to GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub and reboot."
}

@test "readiness: IOMMU turned off on the command line: a FAIL that names the parameter" {
	ready_host intel-usable
	mkdir -p "$HOST/sys/firmware/acpi/tables"
	: > "$HOST/sys/firmware/acpi/tables/DMAR"
	echo "root=/dev/sda1 intel_iommu=off" > "$HOST/proc/cmdline"
	kvm_ok_on_host --all
	assert_line "INFO:   FAIL    iommu: the firmware describes an IOMMU (ACPI DMAR) but the kernel command line turns it off"
}

@test "readiness: IOMMU groups present: ready" {
	host_from_fixture intel-report-full
	kvm_ok_on_host --all
	assert_line "INFO:   PASS    iommu: device assignment ready: 3 IOMMU groups, 2 IOMMU units (ACPI DMAR)"
}

# an AMD host whose CPU has SEV, SEV-ES and SEV-SNP
sev_host() {
	ready_host amd-usable
	"$TOP/tests/helpers/make-cpuid-raw" AuthenticAMD 00a20f10 7ed8320b 75c237ff 00000001 "AMD EPYC 7543P 32-Core Processor" > "$HOST/cpuid.raw"
	sed -i 's/^ext_cpuid\[0\]=8000000a/ext_cpuid[0]=8000001f/' "$HOST/cpuid.raw"
	echo "ext_cpuid[31]=0001001b 0000016f 000001fd 00000001" >> "$HOST/cpuid.raw"
}

@test "readiness: SEV on a CPU without it" {
	ready_host amd-usable
	kvm_ok_on_host --all
	assert_line "INFO:   INFO    sev: AMD SEV: the CPU has none (CPUID 0x8000001F)"
}

@test "readiness: SEV in the CPU, kernel off: kvm_amd.sev=1" {
	sev_host
	echo N > "$HOST/sys/module/kvm_amd/parameters/sev"
	kvm_ok_on_host --all
	assert_line "INFO:   WARN    sev: AMD SEV: the CPU has it but kvm_amd has sev off"
	assert_line --partial "options kvm_amd sev=1"
}

@test "readiness: SEV on in the kernel, firmware off (/dev/sev missing)" {
	sev_host
	echo Y > "$HOST/sys/module/kvm_amd/parameters/sev"
	kvm_ok_on_host --all
	assert_line "INFO:   WARN    sev: AMD SEV: kvm_amd has sev on but /dev/sev is missing: the firmware (PSP) did not enable it"
}

@test "readiness: SEV-SNP usable: the generation is named" {
	sev_host
	for p in sev sev_es sev_snp; do echo Y > "$HOST/sys/module/kvm_amd/parameters/$p"; done
	: > "$HOST/dev/sev"
	kvm_ok_on_host --all
	assert_line "INFO:   PASS    sev: AMD SEV-SNP usable (CPU, firmware and kvm_amd agree)"
}

@test "readiness: Intel TDX on" {
	ready_host intel-usable
	echo Y > "$HOST/sys/module/kvm_intel/parameters/tdx"
	kvm_ok_on_host --all
	assert_line "INFO:   PASS    tdx: Intel TDX usable (kvm_intel has tdx on)"
}

@test "readiness: nested off: how to turn it on" {
	ready_host intel-usable
	echo N > "$HOST/sys/module/kvm_intel/parameters/nested"
	kvm_ok_on_host --all
	assert_line "INFO:   WARN    nested: nested virtualization off: guests cannot run their own KVM (kvm_intel nested=N)"
	assert_line --partial "modload --unload; modload --nested"
}

@test "readiness: huge pages free, and none" {
	ready_host intel-usable
	mkdir -p "$HOST/sys/kernel/mm/hugepages/hugepages-2048kB"
	echo 512 > "$HOST/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
	echo 500 > "$HOST/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
	kvm_ok_on_host --all
	assert_line "INFO:   PASS    hugepages: huge pages: 2048kB: 500 free of 512"
	echo 0 > "$HOST/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
	kvm_ok_on_host --all
	assert_line "INFO:   INFO    hugepages: huge pages: none free (2048kB: 0 free of 512)"
}

@test "readiness: KVM limits from the probe record" {
	ready_host intel-usable
	printf 'nr_vcpus=16\nmax_vcpus=1024\nnr_memslots=32764\nirqchip=1\n' >> "$HOST/kvm-probe"
	kvm_ok_on_host --all
	assert_line "INFO:   INFO    limits: KVM limits: 16 vCPUs recommended, 1024 at most; 32764 memory slots; in-kernel irqchip yes"
}

@test "readiness --json: a readiness array with name, state, detail, hint" {
	ready_host intel-usable
	rm "$HOST/dev/net/tun"
	kvm_ok_on_host --all --json
	assert_success
	assert_equal "$(jq -r '.readiness[] | select(.name=="tun") | .state' <<<"$output")" FAIL
	assert_equal "$(jq -r '.readiness[] | select(.name=="tun") | .hint' <<<"$output")" "Load the module that provides it: modprobe tun"
	assert_equal "$(jq -r .verdict <<<"$output")" usable
}

@test "readiness live: every check says something, the last line is still the verdict, no false FAIL for a microVM" {
	run "$KVM_OK" --all
	assert_line "INFO: Host readiness:"
	for name in tun vhost-net vhost-vsock iommu nested limits hugepages; do
		assert_line --regexp "^INFO:   (PASS|WARN|FAIL|UNKNOWN|INFO) +$name: "
	done
	[[ "${lines[-1]}" == "KVM acceleration can be used" || "${lines[-1]}" == "KVM acceleration can NOT be used" ]]
	if [ ! -e /sys/firmware/acpi/tables/DMAR ] && [ ! -e /sys/firmware/acpi/tables/IVRS ]; then
		refute_line --regexp "^INFO:   FAIL +iommu:"
	fi
}
