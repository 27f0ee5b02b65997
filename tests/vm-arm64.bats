#!/usr/bin/env bats
# kvm-ok and modload in Debian's stock arm64 kernel (linux-image-arm64),
# booted under qemu-system-aarch64's TCG with -cpu max, twice: with
# -M virt,virtualization=on the kernel starts at EL2 and KVM initializes in
# VHE mode (the timed arm64 guest runs on KVM nested under TCG); with
# virtualization=off it starts at EL1 ("HYP mode not available", no
# /dev/kvm).  The tools are the cross build (make cross-arm64) with their
# arm64 libraries in a busybox-static:arm64 initramfs.
#
# The runner runs in both, with Debian's arm64 qemu-system-aarch64 and its
# libraries (tests/vm/fetch-qemu-arm64): at EL2 its micro guest runs on KVM
# nested under TCG, the runner's KVM path on arm64.
#
# Needs qemu-system-aarch64, qemu-aarch64, the cross build and the Debian
# archive; the kernel and QEMU are cached beside the x86 kernel, in arm64/.

load helpers/common
load helpers/guest

setup_file() {
	local top cache release
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	if [ "${BUILD:-$top/build}" != "$top/build" ]; then skip_later "the sanitizer pass does not repeat the VM guests"; return; fi
	command -v qemu-system-aarch64 >/dev/null || { skip_later "no qemu-system-aarch64 (package qemu-system-arm)"; return; }
	command -v qemu-aarch64 >/dev/null || { skip_later "no qemu-aarch64 (package qemu-user)"; return; }
	[ -x "$top/build-arm64/kvm-ok" ] || { skip_later "no cross build (make cross-arm64)"; return; }
	if [ "$(id -u)" -eq 0 ]; then cache=${KVMHOST_TEST_CACHE:-/var/cache/kvmhost-tests}; else cache=${KVMHOST_TEST_CACHE:-$HOME/.cache/kvmhost-tests}; fi
	cache=$cache/arm64
	if ! release=$("$top/tests/vm/fetch-debian-kernel" "$cache" arm64 2>"$BATS_FILE_TMPDIR/fetch.err"); then
		skip_later "the Debian arm64 kernel could not be fetched: $(tail -n 1 "$BATS_FILE_TMPDIR/fetch.err")"
		return
	fi
	# the runner's KVM path needs Debian's arm64 QEMU in the guest: without
	# it the runner's tests skip, the tools' still run
	local qemu_tree=""
	[ -x "$top/build-arm64/runner" ] || skip_later "no cross-built runner" noqemu
	if ! skip_noted noqemu && ! qemu_tree=$("$top/tests/vm/fetch-qemu-arm64" "$cache" 2>"$BATS_FILE_TMPDIR/fetch-qemu.err"); then
		skip_later "Debian's arm64 QEMU could not be fetched: $(tail -n 1 "$BATS_FILE_TMPDIR/fetch-qemu.err")" noqemu
		qemu_tree=""
	fi
	"$top/tests/vm/make-initramfs-arm64" "$cache" "$top/build-arm64" "$BATS_FILE_TMPDIR/initrd.gz" ${qemu_tree:+"$qemu_tree"}
	kernel=$cache/kernel-$release/boot/vmlinuz-$release
	# the two boots side by side, one CPU each
	"$top/tests/vm/boot-arm64" "$kernel" "$BATS_FILE_TMPDIR/initrd.gz" on arm64 > "$BATS_FILE_TMPDIR/el2.log" 2>&1 &
	local el2=$!
	"$top/tests/vm/boot-arm64" "$kernel" "$BATS_FILE_TMPDIR/initrd.gz" off arm64 > "$BATS_FILE_TMPDIR/el1.log" 2>&1 || true
	wait "$el2" || true
	# the other supported release's arm64 kernel at EL2 (Debian 13's 6.12
	# on 12, 12's 6.1 on 13): the probe's arm64 guest against it (the tools
	# only; the runner's path is the first kernel's)
	local other other_release
	case $(. /etc/os-release && echo "${VERSION_CODENAME:-}") in bookworm) other=trixie ;; *) other=bookworm ;; esac
	if other_release=$("$top/tests/vm/fetch-debian-kernel" "$cache" arm64 "$other" 2>"$BATS_FILE_TMPDIR/fetch-other.err"); then
		echo "$other_release" > "$BATS_FILE_TMPDIR/other-release"
		"$top/tests/vm/make-initramfs-arm64" "$cache" "$top/build-arm64" "$BATS_FILE_TMPDIR/other.gz"
		"$top/tests/vm/boot-arm64" "$cache/kernel-$other_release/boot/vmlinuz-$other_release" "$BATS_FILE_TMPDIR/other.gz" \
			on arm64 > "$BATS_FILE_TMPDIR/other-el2.log" 2>&1 || true
	else
		skip_later "$other's arm64 kernel could not be fetched: $(tail -n 1 "$BATS_FILE_TMPDIR/fetch-other.err")" other-skip
	fi
}

setup() {
	skip_if_noted
}

@test "vm arm64 at EL2: kvm-ok: KVM in VHE mode, the arm64 guest timed on KVM: usable" {
	guest_run el2 "kvm-ok -v"
	assert_guest_status 0
	assert_line "INFO: [pass] el2: KVM runs at EL2 in VHE mode (kernel log: kvm [1]: VHE mode initialized successfully)"
	assert_line "INFO: [pass] misc: /proc/misc lists kvm (10:232)"
	assert_line --partial "INFO: [info] cpu: CPU: QEMU max (QEMU (TCG's -cpu max); MIDR implementer 0x00, part 0x051"
	assert_line --regexp "^INFO: \[pass\] acceleration: test loop: .* \(accelerated\)$"
	# what KVM offers arm64 guests, from the kernel itself: no EL2 for
	# guests; 48-bit IPA under QEMU 7.2's -cpu max, 52 under QEMU 10's (LPA2)
	assert_line --regexp "^INFO:   INFO    ipa: guest physical address space: up to (48 bits \(262144|52 bits \(4194304) GiB; KVM_CAP_ARM_VM_IPA_SIZE\)$"
	assert_line --regexp "^INFO:   INFO    nested: nested virtualization: not offered to guests "
	assert_equal "${lines[-1]}" "KVM acceleration can be used"
	guest_run el2 "kvm-ok --json"
	[ "$(jq -r .arm64.el2 <<<"$output")" = vhe ]
	[ "$(jq -r .probe.step <<<"$output")" = complete ]
	# MIDR implementer 0 is QEMU's TCG: the probe gets the longer bound
	[ "$(jq -r .probe.deadline_ms <<<"$output")" = 2000 ]
}

@test "vm arm64 at EL2, the other release's kernel: kvm-ok's arm64 guest runs on KVM there too: usable" {
	skip_if_noted other-skip
	other_release=$(cat "$BATS_FILE_TMPDIR/other-release")
	grep -q "^@@@ BEGIN arm64 $other_release" <(tr -d '\r' < "$BATS_FILE_TMPDIR/other-el2.log") ||
		fail "not the $other_release kernel: $(head -c 2000 "$BATS_FILE_TMPDIR/other-el2.log")"
	guest_run other-el2 "kvm-ok -v"
	assert_guest_status 0
	assert_line --regexp "^INFO: \[pass\] el2: KVM runs at EL2 in VHE mode "
	assert_line --regexp "^INFO: \[pass\] acceleration: test loop: .* \(accelerated\)$"
	assert_equal "${lines[-1]}" "KVM acceleration can be used"
	guest_run other-el2 "modload"
	assert_guest_status 0
}

@test "vm arm64 at EL2: modload says KVM is built in and works, exit 0; --status follows the device" {
	guest_run el2 "modload"
	assert_guest_status 0
	assert_output "modload: kvm is built into the kernel on aarch64 and /dev/kvm works: nothing to load"
	guest_run el2 "modload --status"
	assert_guest_status 0
	assert_line "kvm: built into the kernel"
}

@test "vm arm64 at EL1: kvm-ok exit 1: no EL2 (HYP mode not available), a VM without nesting (PSCI via hvc)" {
	guest_run el1 "kvm-ok -v"
	assert_guest_status 1
	assert_line "INFO: [fail] el2: no EL2 for KVM: the kernel started at EL1 (kernel log: kvm [1]: HYP mode not available)"
	assert_line "INFO: [fail] misc: /proc/misc does not list kvm (10:232): KVM did not initialize"
	assert_line "INFO: [info] hypervisor: a virtual machine: PSCI calls go through hvc: a hypervisor owns EL2"
	assert_line "INFO: reason no-cpu-support: the kernel has no EL2: this is a virtual machine without nested virtualization"
	assert_line --partial "(QEMU: -M virt,virtualization=on)"
}

@test "vm arm64 at EL1: modload exit 1 with the EL2 diagnosis, not 'loaded', not 'needs no module'; --status 3" {
	guest_run el1 "modload"
	assert_guest_status 1
	assert_line "modload: kvm is built into the kernel on aarch64, so nothing can be loaded, and KVM is not usable: the kernel has no EL2: this is a virtual machine without nested virtualization (no-cpu-support)"
	refute_output --partial "needs no"
	guest_run el1 "modload --status"
	assert_guest_status 3
	assert_line "/dev/kvm: absent"
}

runner_in_guest() {
	skip_if_noted noqemu
}

@test "vm arm64 at EL2: the runner picks KVM; its micro guest runs on KVM nested under TCG, faster than on TCG" {
	runner_in_guest
	guest_run el2 "runner --selftest"
	assert_guest_status 0
	assert_line "runner: accelerator: kvm (auto: KVM is usable and accelerates)"
	assert_line --regexp "^runner: command: /usr/bin/qemu-system-aarch64 -M virt,gic-version=host -nodefaults -no-user-config -display none -serial stdio -accel kvm -cpu host -m 64 -kernel /usr/bin/microguest.elf$"
	assert_line "microguest: hello from the runner's test guest"
	assert_line --regexp "^runner: kvm: first guest output [0-9]+ ms after QEMU started; loop of 200000000 iterations in [0-9]+ ms"
	assert_line --regexp "^runner: tcg: first guest output [0-9]+ ms after QEMU started; loop of 200000000 iterations in [0-9]+ ms"
	assert_line --regexp "^runner: KVM runs the guest loop [0-9.]+x as fast as TCG$"
	assert_line "runner: selftest passed"
	# the comparison's figure: KVM really is the faster (nested under TCG, not a hardware figure)
	ratio=$(sed -n 's/^runner: KVM runs the guest loop \([0-9.]*\)x as fast as TCG$/\1/p' <<<"$output")
	awk -v r="$ratio" 'BEGIN { exit !(r > 1) }' || fail "KVM was not faster than TCG: ${ratio}x"
}

@test "vm arm64 at EL2: runner --require-kvm execs QEMU on KVM with the user's arguments (PSCI SYSTEM_OFF: exit 0)" {
	runner_in_guest
	guest_run el2 "runner --require-kvm -- -nodefaults -no-user-config -display none -serial stdio -m 64 -kernel /usr/bin/microguest.elf"
	assert_guest_status 0
	assert_line "microguest: hello from the runner's test guest"
	assert_line --regexp "^microguest: loop done [0-9]+$"
}

@test "vm arm64 at EL1: the runner falls back to TCG with the EL2 diagnosis; --require-kvm refuses (exit 4)" {
	runner_in_guest
	guest_run el1 "runner --selftest"
	assert_guest_status 0
	assert_line --regexp "^runner: accelerator: tcg \(auto: KVM is not usable: .*EL2.*\)$"
	assert_line --regexp "^runner: command: /usr/bin/qemu-system-aarch64 -M virt -nodefaults -no-user-config -display none -serial stdio -accel tcg,thread=multi -cpu max -m 64 -kernel /usr/bin/microguest.elf$"
	assert_line "runner: selftest passed"
	guest_run el1 "runner --require-kvm -- -nodefaults -no-user-config -display none -serial stdio -m 64 -kernel /usr/bin/microguest.elf"
	assert_guest_status 4
	assert_line "runner: refusing to start QEMU: --accel=kvm asks for KVM, which is not usable here:"
	refute_line "microguest: hello from the runner's test guest"
}
