#!/usr/bin/env bats
# Cloud VMs (kvm-ok(1), CLOUD VMS): the cloud and the instance type named
# from DMI, and the provider's fix first, never the outer-host recipe a
# cloud customer cannot apply; a VM that names no one gets both.

load helpers/common

# cloud NAME REASON SETTING-LINE FIRST-HINT
cloud() {
	host_from_fixture "$1"
	kvm_ok_on_host
	assert_failure 1
	assert_line "INFO: reason $2: the CPU has no VMX (this is a virtual machine without nested virtualization)"
	assert_line "INFO: setting: not in a container (no sign of one); $3"
	kvm_ok_on_host --json
	assert_equal "$(jq -r '.hints[0]' <<<"$output")" "$4"
	# a cloud customer has no outer host
	refute_output --partial "outer host"
	refute_output --partial "Set-VMProcessor"
}

@test "AWS C8i with nesting off: the instance's own switch (stop, modify-instance-cpu-options, start)" {
	cloud cloud-aws-c8i-nesting-off no-cpu-support "a virtual machine on Amazon EC2 (c8i.large; DMI sys_vendor Amazon EC2)" \
		"This EC2 instance (c8i.large) can have nested virtualization (C8i, M8i, R8i and their flex variants, since 2026-02): stop it, run aws ec2 modify-instance-cpu-options --instance-id ID --nested-virtualization enabled, start it (at launch: --cpu-options NestedVirtualization=enabled)."
}

@test "AWS M7i: no nesting for the type: c8i/m8i/r8i or a *.metal type" {
	cloud cloud-aws-m7i no-cpu-support "a virtual machine on Amazon EC2 (m7i.large; DMI sys_vendor Amazon EC2)" \
		"This EC2 instance type (m7i.large) has no nested virtualization: move to c8i, m8i or r8i (then, stopped: aws ec2 modify-instance-cpu-options --instance-id ID --nested-virtualization enabled), or to a *.metal type."
}

@test "AWS on Xen (an older type): named from Xen's UUID and the BIOS version, no instance type" {
	cloud cloud-aws-xen-t2 no-cpu-support "a virtual machine on Amazon EC2 (Xen's UUID or BIOS version of EC2)" \
		"This EC2 instance type has no nested virtualization: move to c8i, m8i or r8i (then, stopped: aws ec2 modify-instance-cpu-options --instance-id ID --nested-virtualization enabled), or to a *.metal type."
}

@test "Google Compute Engine: --enable-nested-virtualization at creation, Intel types, the organization policy" {
	cloud cloud-gce no-cpu-support "a virtual machine on Google Compute Engine (DMI product_name Google Compute Engine)" \
		"This Google Compute Engine VM lacks nested virtualization, set at creation on an Intel machine type (not E2, N2D, AMD, Arm): gcloud compute instances create NAME --enable-nested-virtualization (API: advancedMachineFeatures.enableNestedVirtualization), unless the policy compute.disableNestedVirtualization forbids it."
}

@test "Azure (Hyper-V's signature, Azure's asset tag): resize to a size with nesting, never Set-VMProcessor" {
	cloud cloud-azure no-cpu-support "a virtual machine on Microsoft Azure (DMI chassis_asset_tag 7783-7084-3265-9085-8269-3286-77)" \
		"This Azure VM's size has no nested virtualization, and there is nothing to switch on: resize it to a size whose documentation says \"Nested Virtualization: Supported\" (e.g. Dv4, Dsv5, Dsv6, Eas_v5; not the B-series, not the arm64 Dpsv6)."
}

@test "Oracle Cloud, Hetzner, DigitalOcean: not documented; bare metal (the provider's offering where it has one)" {
	cloud cloud-oracle no-cpu-support "a virtual machine on Oracle Cloud (DMI chassis_asset_tag OracleCloud.com)" \
		"Oracle Cloud documents no nested virtualization for its VMs (as of 2026): KVM needs a bare-metal server: a bare metal shape (BM.*)."
	remove_host
	cloud cloud-hetzner no-cpu-support "a virtual machine on Hetzner Cloud (DMI sys_vendor Hetzner)" \
		"Hetzner Cloud documents no nested virtualization for its VMs (as of 2026): KVM needs a bare-metal server: a dedicated root server."
	remove_host
	cloud cloud-digitalocean no-cpu-support "a virtual machine on DigitalOcean (DMI sys_vendor DigitalOcean)" \
		"DigitalOcean documents no nested virtualization for its VMs (as of 2026): KVM needs a bare-metal server."
}

@test "OpenStack: the operator's compute nodes (nested=1, host-passthrough)" {
	cloud cloud-openstack no-cpu-support "a virtual machine on an OpenStack cloud (DMI product_name OpenStack Nova)" \
		"This is an OpenStack VM: nesting is the cloud operator's to enable: nested=1 for kvm_intel or kvm_amd on the compute nodes and cpu_mode = host-passthrough in nova.conf's [libvirt] section (or a flavor whose CPU passes VT through); ask the operator."
}

@test "a KVM VM that names no one: the hosted case first, the outer-host recipe after it" {
	host_from_fixture kvm-vm-unnamed
	kvm_ok_on_host --json
	assert_equal "$(jq -r '.hints[0]' <<<"$output")" "This KVM guest names no cloud in its DMI: if it is a cloud or hosted VM, ask the provider for nested virtualization or a bare-metal instance; if it is your own, on its host:"
	assert_equal "$(jq -r '.hints[1]' <<<"$output")" "This is a KVM guest: on the outer host, load kvm_intel with nested=1 (echo 'options kvm_intel nested=1' > /etc/modprobe.d/kvm-nested.conf, then reload it) and start this guest with -cpu host."
	assert_equal "$(jq -r .setting.cloud <<<"$output")" null
}

@test "the user's own VMs (their hypervisor's DMI defaults) keep the outer-host recipe alone" {
	for name in guest-kvm-no-nested guest-hyperv-no-nested guest-vmware-no-nested guest-xen-no-nested guest-virtualbox-no-nested; do
		host_from_fixture "$name"
		kvm_ok_on_host --json
		refute_output --partial "names no cloud"
		assert_equal "$(jq -r .setting.cloud <<<"$output")" null
		remove_host
	done
}

@test "a *.metal instance is a host: the usual diagnosis (usable), the cloud named in -v, the JSON and the report" {
	host_from_fixture cloud-aws-metal
	kvm_ok_on_host
	assert_success
	kvm_ok_on_host --json
	assert_equal "$(jq -c .setting.cloud <<<"$output")" '{"provider":"aws","name":"Amazon EC2","instance_type":"m5.metal","bare_metal":true}'
	kvm_ok_on_host -v
	assert_line "INFO: [info] setting: setting: not in a container (no sign of one); Amazon EC2, bare metal (m5.metal; DMI sys_vendor Amazon EC2)"
	kvm_ok_on_host --report
	assert_line "Setting: not in a container (no sign of one); Amazon EC2, bare metal (m5.metal; DMI sys_vendor Amazon EC2)"
}

@test "the fleet outputs carry the cloud and the instance type" {
	host_from_fixture cloud-aws-m7i
	kvm_ok_on_host --format=nfd
	assert_line "feature.node.kubernetes.io/kvm-ok.cloud=aws"
	assert_line "feature.node.kubernetes.io/kvm-ok.instance-type=m7i.large"
	kvm_ok_on_host --format=prometheus
	assert_line --regexp '^kvm_ok_info\{.*,cloud="aws",instance_type="m7i.large"\} 1$'
}

@test "--collect keeps the cloud (Azure's asset tag, EC2's Xen UUID cut to its prefix); the replay names the same cloud and fix" {
	for fixture in cloud-azure cloud-aws-xen-t2 cloud-aws-m7i cloud-oracle; do
		host_from_fixture "$fixture"
		snap=$HOST_TMP/snap
		"$KVM_OK" -q --sysroot "$HOST" --collect "$snap" || true
		kvm_ok_on_host --json
		want=$(jq -c '[.setting.cloud, .hints[0]]' <<<"$output")
		run "$KVM_OK" --sysroot "$snap" --json
		assert_equal "$(jq -c '[.setting.cloud, .hints[0]]' <<<"$output")" "$want"
		remove_host
	done
	host_from_fixture cloud-aws-xen-t2
	"$KVM_OK" -q --sysroot "$HOST" --collect "$HOST_TMP/snap" || true
	assert_equal "$(cat "$HOST_TMP/snap/sys/hypervisor/uuid")" "ec2 (the rest omitted)"
}

@test "a hostile product_name is no instance type (letters, digits, '.', '-' only)" {
	host_from_fixture cloud-aws-m7i
	printf 'm7i.large\033[2J"x"\n' > "$HOST/sys/class/dmi/id/product_name"
	kvm_ok_on_host --json
	assert_equal "$(jq -r .setting.cloud.instance_type <<<"$output")" null
	kvm_ok_on_host --format=nfd
	refute_output --partial "instance-type"
}

# A VM that names no one, given one DMI string FILE=VALUE.
host_with_dmi() {
	host_from_fixture kvm-vm-unnamed
	mkdir -p "$HOST/sys/class/dmi/id"
	printf '%s\n' "${1#*=}" > "$HOST/sys/class/dmi/id/${1%%=*}"
}

@test "the other providers, each from its own DMI string: named, and its honest 'not documented; bare metal'" {
	# file=value, the name kvm-ok gives, the end of the first hint
	while IFS='|' read -r dmi name end; do
		host_with_dmi "$dmi"
		kvm_ok_on_host --json
		assert_equal "$(jq -r .setting.cloud.name <<<"$output")" "$name"
		assert_equal "$(jq -r '.hints[0]' <<<"$output")" "$name documents no nested virtualization for its VMs (as of 2026): KVM needs a bare-metal server$end"
		remove_host
	done <<'TABLE'
product_name=Alibaba Cloud ECS|Alibaba Cloud|: an ECS Bare Metal Instance (ebm*).
sys_vendor=Alibaba Cloud|Alibaba Cloud|: an ECS Bare Metal Instance (ebm*).
sys_vendor=Linode|Akamai (Linode)|.
sys_vendor=Akamai|Akamai (Linode)|.
sys_vendor=Vultr|Vultr|: Vultr Bare Metal.
sys_vendor=UpCloud|UpCloud|.
product_name=Exoscale Compute Platform|Exoscale|.
sys_vendor=Scaleway|Scaleway|: Elastic Metal.
TABLE
}

@test "GCE and EC2 by their other DMI strings; OpenStack Compute" {
	while IFS='|' read -r dmi code; do
		host_with_dmi "$dmi"
		kvm_ok_on_host --json
		assert_equal "$(jq -r .setting.cloud.provider <<<"$output")" "$code"
		remove_host
	done <<'TABLE'
sys_vendor=Google|gce
bios_vendor=Google|gce
bios_vendor=Amazon EC2|aws
product_name=OpenStack Compute|openstack
sys_vendor=QEMU|null
TABLE
}
