#!/usr/bin/env bats
# kvm-ok --report and --collect: SMBIOS from sysfs, from dmidecode, or none;
# PCI through libpci on a recorded sysfs tree; snapshots that replay to the
# same verdict and report; no serials unless asked.

load helpers/common

teardown() {
	remove_host
	rm -rf "${SNAP_TMP:-/nonexistent}"
}

@test "report: full SMBIOS in sysfs, PCI with names, IOMMU, kernel parameters, QEMU" {
	host_from_fixture intel-report-full
	kvm_ok_on_host --report
	assert_success
	assert_line "SMBIOS: present"
	assert_line "BIOS vendor: Dell Inc."
	assert_line "BIOS version: 2.19.0"
	assert_line "BIOS date: 08/10/2023"
	assert_line "System manufacturer: Dell Inc."
	assert_line "Product name: PowerEdge R740"
	assert_line "Board vendor: Dell Inc."
	assert_line "Board name: 0WGD1"
	assert_line "CPU vendor: GenuineIntel"
	assert_line "CPU family/model/stepping: 6/158/10"
	assert_line "CPU microcode: 0xf4"
	assert_line "CPU virtualization (CPUID): VMX present"
	assert_line "Firmware lock: IA32_FEATURE_CONTROL (MSR 0x3a) = 0x5 on CPU 0: locked, enabled (4 CPUs read)"
	assert_line "Kernel parameters for KVM: intel_iommu=on iommu=pt kvm_intel.nested=1 pti=on"
	assert_line "Module kvm_intel parameters: nested=Y"
	assert_line "KVM API version: 12"
	assert_line "PCI 0000:00:00.0: 0600 8086:2020 Intel Corporation Sky Lake-E DMI3 Registers (Host bridge)"
	assert_line "PCI 0000:19:00.0: 0200 14e4:165f Broadcom Inc. and subsidiaries NetXtreme BCM5720 Gigabit Ethernet PCIe (Ethernet controller)"
	assert_line "IOMMU: ACPI DMAR (VT-d), 2 IOMMU units, 3 groups"
	assert_line "QEMU: /usr/bin/qemu-system-x86_64: QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)"
	assert_line "Verdict: usable"
}

@test "report: serial numbers and the UUID are omitted unless --include-serials" {
	host_from_fixture intel-report-full
	kvm_ok_on_host --report
	refute_output --partial "7XYZ123"
	refute_output --partial "4c4c4544"
	assert_line "Serial numbers: omitted (kvm-ok --include-serials adds them)"
	kvm_ok_on_host --report --include-serials
	assert_line "Product serial: 7XYZ123"
	assert_line "Product UUID: 4c4c4544-0058-5910-8033-b7c04f313233"
	kvm_ok_on_host --report --json
	refute_output --partial "7XYZ123"
	assert_equal "$(jq -r .smbios.serials_included <<<"$output")" false
}

@test "report: SMBIOS only through dmidecode (no sysfs): the fields come from its dump" {
	command -v /usr/sbin/dmidecode >/dev/null || skip "dmidecode is not installed"
	host_from_fixture intel-usable
	"$TOP/tests/helpers/make-smbios-dump" "$HOST/dmidecode.bin" "SeaBIOS" "1.16.2-debian-1.16.2-1" "04/01/2014" \
		"QEMU" "Standard PC (i440FX + PIIX, 1996)" "pc-i440fx-7.2" "SYS-SERIAL-1234" "Example Boards Inc." "EB-100" "BOARD-SERIAL-9"
	kvm_ok_on_host --report
	assert_line "SMBIOS: present"
	assert_line "BIOS vendor: SeaBIOS"
	assert_line "BIOS version: 1.16.2-debian-1.16.2-1"
	assert_line "Product name: Standard PC (i440FX + PIIX, 1996)"
	assert_line "Board name: EB-100"
	refute_output --partial "SYS-SERIAL-1234"
	kvm_ok_on_host --report --include-serials
	assert_line "Product serial: SYS-SERIAL-1234"
	assert_line "Product UUID: 44332211-6655-8877-99aa-bbccddeeff00"
}

@test "report: no SMBIOS at all is said as such, not printed as blanks" {
	host_from_fixture amd-kvm-pvm-not-accelerated
	kvm_ok_on_host --report
	assert_failure 1
	assert_line "SMBIOS: none (this machine has no SMBIOS tables, as microVMs such as Firecracker)"
	refute_output --partial "BIOS vendor:"
	assert_line 'Hypervisor: KVM (signature "KVMKVMKVM")'
	assert_line "Module kvm_pvm: built into the kernel"
	assert_line "Reason: not-accelerated"
	assert_line "QEMU: not recorded"
	kvm_ok_on_host --report --json
	assert_equal "$(jq -r .smbios.present <<<"$output")" false
}

@test "report --json: the same facts as one object" {
	host_from_fixture intel-report-full
	kvm_ok_on_host --report --json
	assert_success
	assert_equal "$(jq -r .smbios.product_name <<<"$output")" "PowerEdge R740"
	assert_equal "$(jq -r '.pci | length' <<<"$output")" 4
	assert_equal "$(jq -r '.pci[2].name' <<<"$output")" "Matrox Electronics Systems Ltd. Integrated Matrox G200eW3 Graphics Controller"
	assert_equal "$(jq -r .iommu.groups <<<"$output")" 3
	assert_equal "$(jq -r .kernel.modules.kvm_intel.parameters <<<"$output")" "nested=Y"
	assert_equal "$(jq -r .verdict <<<"$output")" usable
}

@test "collect -> replay on the live host: the same verdict and report, text and JSON" {
	SNAP_TMP=$(mktemp -d)
	run "$KVM_OK" --report --collect "$SNAP_TMP/snap"
	live_status=$status
	live_report=$output
	run "$KVM_OK" --report --sysroot "$SNAP_TMP/snap"
	assert_equal "$status" "$live_status"
	# the live run adds one line on stderr about the snapshot
	assert_equal "$output" "$(grep -v '^kvm-ok: snapshot written to' <<<"$live_report")"
	run "$KVM_OK" --json --sysroot "$SNAP_TMP/snap"
	[ "$(jq -r .reason <<<"$output")" = "$(grep '^Reason: ' <<<"$live_report" | cut -d' ' -f2)" ] || fail "JSON reason differs"
}

@test "collect to .tar.gz: extract, replay, same report" {
	SNAP_TMP=$(mktemp -d)
	run "$KVM_OK" -q --report --collect "$SNAP_TMP/host.tar.gz"
	live_report=$output
	mkdir "$SNAP_TMP/x"
	tar -xzf "$SNAP_TMP/host.tar.gz" -C "$SNAP_TMP/x"
	run "$KVM_OK" --report --sysroot "$SNAP_TMP/x/snapshot"
	assert_equal "$output" "$live_report"
}

@test "collect from a fixture host replays to the same report; the snapshot holds no serials" {
	host_from_fixture intel-report-full
	SNAP_TMP=$(mktemp -d)
	run "$KVM_OK" -q --sysroot "$HOST" --collect "$SNAP_TMP/snap"
	run "$KVM_OK" --sysroot "$HOST" --report
	original=$output
	run "$KVM_OK" --sysroot "$SNAP_TMP/snap" --report
	assert_equal "$output" "$original"
	[ ! -e "$SNAP_TMP/snap/sys/class/dmi/id/product_serial" ] || fail "a serial number was collected"
	! grep -rq "7XYZ123" "$SNAP_TMP/snap" || fail "a serial number is in the snapshot"
	grep -qx "serials: omitted" "$SNAP_TMP/snap/SNAPSHOT"
	run "$KVM_OK" -q --sysroot "$HOST" --include-serials --collect "$SNAP_TMP/with"
	[ "$(cat "$SNAP_TMP/with/sys/class/dmi/id/product_serial")" = 7XYZ123 ] || fail "serial not collected on request"
}

@test "collect writes only the documented files, and nothing of the environment" {
	SNAP_TMP=$(mktemp -d)
	KVMOK_TEST_SECRET=s3cr3t-env-value run "$KVM_OK" -q --collect "$SNAP_TMP/snap"
	! grep -rq "s3cr3t-env-value" "$SNAP_TMP/snap" || fail "the environment leaked into the snapshot"
	(cd "$SNAP_TMP/snap" && find . -type f -o -type l) | sed 's|^\./||' | while read -r f; do
		case $f in
		SNAPSHOT|cpuid.raw|cpuid.hypervisor|proc/cpuinfo|proc/cmdline|proc/sys/kernel/osrelease|qemu-version) ;;
		dev/kvm|dev/kvm.node|kvm-probe|dev/cpu/*/msr|dev/cpu/*/msr.error) ;;
		sys/module/*/initstate|sys/module/*/parameters/*) ;;
		sys/class/dmi/id/*|sys/bus/pci/devices/*/*|sys/firmware/acpi/tables/DMAR|sys/firmware/acpi/tables/IVRS) ;;
		sys/kernel/debug/tboot_log) ;;
		.dockerenv|run/.containerenv|run/systemd/container|proc/1/cgroup|proc/1/environ|proc/1/mountinfo) ;;
		proc/self/mountinfo|proc/self/uid_map|sys/class/misc/kvm/dev|environ) ;;
		proc/sys/kernel/arch|dev/kmsg|dev/kmsg.error|proc/misc|proc/device-tree/psci/method|proc/device-tree/model) ;;
		sys/devices/system/cpu/cpu0/regs/identification/midr_el1) ;;
		*) fail "undocumented file in the snapshot: $f" ;;
		esac
	done
}


@test "the reportbug hook appends kvm-ok --report on descriptor 3" {
	SNAP_TMP=$(mktemp -d)
	sed "s|@BINDIR@|$BUILD|g" "$TOP/kvm-ok/reportbug-script.in" > "$SNAP_TMP/script"
	sh "$SNAP_TMP/script" 3> "$SNAP_TMP/out"
	grep -q "^-- kvm-ok report (kvm-host-toolkit " "$SNAP_TMP/out" || fail "$(cat "$SNAP_TMP/out")"
	grep -q "^-- end of kvm-ok report --$" "$SNAP_TMP/out"
}

@test "live report: complete and honest on this host (SMBIOS, PCI, KVM, QEMU lines all there)" {
	run "$KVM_OK" --report
	for key in "Verdict:" "Reason:" "SMBIOS:" "CPU vendor:" "CPU microcode:" "Firmware lock:" "Hypervisor:" \
		"Kernel release:" "Kernel parameters for KVM:" "Device:" "KVM probe:" "IOMMU:" "QEMU:"; do
		assert_line --partial "$key"
	done
	if [ ! -d /sys/class/dmi/id ] && [ ! -e /sys/firmware/dmi/tables/DMI ]; then
		assert_line "SMBIOS: none (this machine has no SMBIOS tables, as microVMs such as Firecracker)"
	fi
	if [ -d /sys/bus/pci/devices ] && [ -n "$(ls /sys/bus/pci/devices)" ]; then
		assert_line --regexp "^PCI [0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]: [0-9a-f]{4} [0-9a-f]{4}:[0-9a-f]{4} "
	fi
}

@test "report: one broken PCI entry of an image (no vendor file, a FIFO, a link out) is skipped and named; the rest are listed" {
	# before: libpci gave up on the whole bus ("1 more devices not listed", JSON pci: [])
	host_from_fixture intel-report-full
	run "$KVM_OK" --sysroot "$HOST" --report
	listed=$(grep -c "^PCI [0-9a-f]" <<<"$output")
	rm "$HOST/sys/bus/pci/devices/0000:03:00.0/vendor"
	run "$KVM_OK" --sysroot "$HOST" --report
	assert_equal "$(grep -c "^PCI [0-9a-f]" <<<"$output")" "$(( listed - 1 ))"
	assert_line "PCI: 1 broken entry of the image skipped (0000:03:00.0/vendor: No such file or directory)"
	refute_line --partial "libpci:"
	run "$KVM_OK" --sysroot "$HOST" --report --json
	assert_equal "$(jq '.pci | length' <<<"$output")" "$(( listed - 1 ))"
	assert_equal "$(jq '.pci_skipped' <<<"$output")" 1
	mkfifo "$HOST/sys/bus/pci/devices/0000:19:00.0/label"
	run timeout 20 "$KVM_OK" --sysroot "$HOST" --report
	assert_line --regexp "^PCI: 2 broken entries of the image skipped \(0000:(03:00\.0/vendor: No such file or directory|19:00\.0/label: not a regular file)\)$"
	[ -z "$(ls -d /tmp/kvmhost-pci.* 2>/dev/null)" ] || fail "the private PCI tree was left in /tmp"
}

@test "report and -v: a snapshot's text cannot reach the terminal as escapes nor add lines of its own" {
	# escape sequences and newlines in the QEMU version, the kernel command
	# line, a module parameter's name and value were printed raw: a snapshot
	# could clear the screen or add its own "Verdict: usable" line
	host_from_fixture intel-report-full
	printf 'QEMU emulator version 7.2\033]0;owned\007\033[2J\nVerdict: usable\n-- end of kvm-ok report --\n' > "$HOST/qemu-version"
	printf 'BOOT_IMAGE=/boot/vmlinuz kvm_intel.nested=1\033[31m\nVerdict: usable\n' > "$HOST/proc/cmdline"
	printf 'Y\033[2J\nReason: usable\n' > "$HOST/sys/module/kvm_intel/parameters/nested"
	: > "$HOST/sys/module/kvm_intel/parameters/$(printf 'x\033[1m')"
	for args in --report "-v --all"; do
		# shellcheck disable=SC2086
		run "$KVM_OK" --sysroot "$HOST" $args
		[[ "$output" != *$'\033'* ]] || fail "$args: an escape reached the output: $(cat -v <<<"$output" | grep -F '^[')"
		[[ "$output" != *$'\007'* ]] || fail "$args: a BEL reached the output"
	done
	run "$KVM_OK" --sysroot "$HOST" --report
	assert_equal "$(grep -c '^Verdict: ' <<<"$output")" 1
	assert_equal "$(grep -c '^Reason: ' <<<"$output")" 1
	assert_equal "$(grep -c '^-- end of kvm-ok report --$' <<<"$output")" 1
	assert_equal "${lines[-1]}" "-- end of kvm-ok report --"
}
