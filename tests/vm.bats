#!/usr/bin/env bats
# modload and kvm-ok in a real kernel: Debian's stock kernel booted under
# QEMU's TCG, which emulates an AMD CPU with SVM (-cpu max), so kvm_amd
# really loads.  Each guest runs one scenario of tests/vm/guest-init and
# reports on its serial console; the tests read those reports.  The svm
# guest also makes containers of itself (namespaces, a tmpfs /dev, a cgroup
# v1 device rule): kvm-ok, modload and --status there, with a real device.
#
# The runner boots the same kernel through its fast profile (scenario hello).
# A fourth guest (scenario nested, 2 GB, with QEMU in its initramfs) loads
# kvm_amd and runs the runner inside: KVM nested under TCG really
# accelerates, so the runner's KVM path (its own choice, --kernel on KVM,
# --require-kvm, the KVM-vs-TCG comparison) runs for real.
#
# Needs qemu-system-x86_64 and the Debian archive (apt-get download); the
# kernel is cached in $KVMHOST_TEST_CACHE (default /var/cache/kvmhost-tests
# as root, ~/.cache/kvmhost-tests otherwise).

load helpers/common
load helpers/guest

setup_file() {
	local top cache release
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	# the guests run build/'s tools (not sanitized: the guest has no ASan
	# runtime); the sanitizer pass (BUILD=build-san) does not repeat them
	if [ "${BUILD:-$top/build}" != "$top/build" ]; then skip_later "the sanitizer pass does not repeat the VM guests"; return; fi
	command -v qemu-system-x86_64 >/dev/null || { skip_later "no qemu-system-x86_64 (package qemu-system-x86)"; return; }
	if [ "$(id -u)" -eq 0 ]; then cache=${KVMHOST_TEST_CACHE:-/var/cache/kvmhost-tests}; else cache=${KVMHOST_TEST_CACHE:-$HOME/.cache/kvmhost-tests}; fi
	if ! release=$("$top/tests/vm/fetch-debian-kernel" "$cache" 2>"$BATS_FILE_TMPDIR/fetch.err"); then
		skip_later "the Debian kernel could not be fetched: $(tail -n 1 "$BATS_FILE_TMPDIR/fetch.err")"
		return
	fi
	"$top/tests/vm/make-initramfs" "$cache" "$release" "$top/build" "$BATS_FILE_TMPDIR/initrd.gz"
	kernel=$cache/kernel-$release/boot/vmlinuz-$release
	echo "$release" > "$BATS_FILE_TMPDIR/release"
	if [ -e "$cache/kernel-$release/lib/modules/$release/kernel/arch/x86/kvm/kvm.ko.xz" ]; then ext=.ko.xz; else ext=.ko; fi
	echo "$ext" > "$BATS_FILE_TMPDIR/module-ext"
	# the other supported release's kernel (Debian 12's 6.1 on Debian 13,
	# 13's 6.12 on 12), from its own suite: the probe and modload against
	# both, and the runner's fast profile with both payloads (xz, zstd)
	local other other_release
	case $(. /etc/os-release && echo "${VERSION_CODENAME:-}") in bookworm) other=trixie ;; *) other=bookworm ;; esac
	if other_release=$("$top/tests/vm/fetch-debian-kernel" "$cache" amd64 "$other" 2>"$BATS_FILE_TMPDIR/fetch-other.err"); then
		echo "$other_release" > "$BATS_FILE_TMPDIR/other-release"
		"$top/tests/vm/make-initramfs" "$cache" "$other_release" "$top/build" "$BATS_FILE_TMPDIR/other.gz"
		"$top/tests/vm/boot" "$cache/kernel-$other_release/boot/vmlinuz-$other_release" "$BATS_FILE_TMPDIR/other.gz" \
			max svm > "$BATS_FILE_TMPDIR/other-svm.log" 2>&1 || true
		record_status "$BATS_FILE_TMPDIR/other-fast.status" env XDG_CACHE_HOME="$BATS_FILE_TMPDIR/cache" \
			timeout 240 "$top/build/runner" --accel=tcg --kernel "$cache/kernel-$other_release/boot/vmlinuz-$other_release" \
			--initrd "$BATS_FILE_TMPDIR/other.gz" --append kvmtest=hello > "$BATS_FILE_TMPDIR/other-fast.log" 2>&1 < /dev/null
	else
		skip_later "$other's kernel could not be fetched: $(tail -n 1 "$BATS_FILE_TMPDIR/fetch-other.err")" other-skip
	fi
	# KVM nested in a TCG guest (2 GB, QEMU inside), on the other CPU while
	# the boots below run: the runner's KVM path for real
	"$top/tests/vm/make-initramfs" "$cache" "$release" "$top/build" "$BATS_FILE_TMPDIR/nested.gz" nested
	"$top/tests/vm/boot" "$kernel" "$BATS_FILE_TMPDIR/nested.gz" max nested 2048M > "$BATS_FILE_TMPDIR/nested.log" 2>&1 &
	local nested=$!
	# AMD with SVM; AMD without SVM; Intel without VMX (TCG has no VMX)
	"$top/tests/vm/boot" "$kernel" "$BATS_FILE_TMPDIR/initrd.gz" max svm > "$BATS_FILE_TMPDIR/svm.log" 2>&1 || true
	"$top/tests/vm/boot" "$kernel" "$BATS_FILE_TMPDIR/initrd.gz" qemu64,-svm no-vt > "$BATS_FILE_TMPDIR/amd-no-svm.log" 2>&1 || true
	"$top/tests/vm/boot" "$kernel" "$BATS_FILE_TMPDIR/initrd.gz" qemu64,vendor=GenuineIntel no-vt > "$BATS_FILE_TMPDIR/intel-no-vmx.log" 2>&1 || true
	# the runner's fast profile: the cached vmlinux on microvm
	record_status "$BATS_FILE_TMPDIR/runner-fast.status" env XDG_CACHE_HOME="$BATS_FILE_TMPDIR/cache" \
		timeout 240 "$top/build/runner" --accel=tcg --kernel "$kernel" --initrd "$BATS_FILE_TMPDIR/initrd.gz" \
		--append kvmtest=hello > "$BATS_FILE_TMPDIR/runner-fast.log" 2>&1 < /dev/null
	# the nested guest's timings (its probes, the runner's comparison) are
	# not for the spinning processes below
	wait "$nested" || true
	# again on a busy host: two spinning processes per CPU compete with QEMU
	# (a loaded CI machine), which makes the guest's PIT calibration of its
	# TSC fail on microvm unless the runner gives it the rate
	local hogs=() n
	for n in $(seq $(( $(nproc) * 2 ))); do
		( while :; do :; done ) &
		hogs+=($!)
	done
	record_status "$BATS_FILE_TMPDIR/runner-busy.status" env XDG_CACHE_HOME="$BATS_FILE_TMPDIR/cache" \
		timeout 240 "$top/build/runner" --accel=tcg --kernel "$kernel" --initrd "$BATS_FILE_TMPDIR/initrd.gz" \
		--append "kvmtest=hello loglevel=7" > "$BATS_FILE_TMPDIR/runner-busy.log" 2>&1 < /dev/null
	kill "${hogs[@]}"
	wait "${hogs[@]}" 2>/dev/null || true
}

setup() {
	skip_if_noted
}

guest_modules() {
	tr -d '\r' < "$BATS_FILE_TMPDIR/$1.log" | sed -n "s/^@@@ MODULES //p" | sed -n "${2:-1}p"
}

@test "vm svm: modload --dry-run shows the insmod sequence of Debian's kernel" {
	release=$(cat "$BATS_FILE_TMPDIR/release")
	guest_run svm "modload --dry-run"
	assert_guest_status 0
	# Debian 13's modules are xz-compressed (.ko.xz)
	ext=$(cat "$BATS_FILE_TMPDIR/module-ext")
	assert_equal "$output" "insmod /lib/modules/$release/kernel/virt/lib/irqbypass$ext
insmod /lib/modules/$release/kernel/arch/x86/kvm/kvm$ext
insmod /lib/modules/$release/kernel/drivers/crypto/ccp/ccp$ext
insmod /lib/modules/$release/kernel/arch/x86/kvm/kvm-amd$ext"
}

@test "vm svm: modload loads kvm_amd, kvm, ccp, irqbypass into the real kernel and /dev/kvm appears" {
	guest_run svm modload
	assert_guest_status 0
	assert_line "modload: kvm_amd loaded with irqbypass, kvm, ccp"
	assert_line "modload: /dev/kvm: character device, owner root, group root, mode 0600 (rw-------)"
	assert_equal "$(guest_modules svm 1)" "ccp irqbypass kvm kvm_amd "
}

@test "vm svm: modload --status reports what is loaded" {
	guest_run svm "modload --status"
	assert_guest_status 0
	assert_line "kvm: loaded"
	assert_line --regexp "^kvm_amd: loaded, nested=[01]$"
}

@test "vm svm: kvm-ok in the guest: KVM acceleration can be used" {
	guest_run svm "kvm-ok -v"
	assert_guest_status 0
	assert_line "INFO: [pass] cpuid-vt: CPUID: the CPU supports SVM, with nested paging (NPT)"
	assert_line "INFO: [pass] create-vm: KVM_CREATE_VM succeeded"
	assert_line --regexp "^INFO: \[pass\] acceleration: test loop: .* \(accelerated\)$"
	assert_equal "${lines[-1]}" "KVM acceleration can be used"
}

@test "vm svm: a first measurement slowed by slow round trips is measured again: accelerated, the fastest of 2" {
	guest_run svm "env KVMHOST_TEST_SLOW_MEASUREMENTS=1 kvm-ok-test -v"
	assert_guest_status 0
	assert_line --regexp "^INFO: \[pass\] acceleration: test loop: [0-9.]+ ns per iteration in a KVM guest \(the fastest of 2 measurements\), [0-9.]+ ns natively: [0-9.]+x \(accelerated\)$"
	assert_equal "${lines[-1]}" "KVM acceleration can be used"
}

@test "vm svm: slow in each of three measurements: NOT accelerated, and the line says three were made" {
	guest_run svm "env KVMHOST_TEST_SLOW_MEASUREMENTS=3 kvm-ok-test -v"
	assert_guest_status 1
	assert_line --regexp "^INFO: \[fail\] acceleration: test loop: [0-9]+ ns per iteration in a KVM guest \(the fastest of 3 measurements\), [0-9.]+ ns natively: [0-9]+x slower than native: NOT accelerated$"
	assert_line --partial "reason not-accelerated: "
	assert_equal "${lines[-1]}" "KVM acceleration can NOT be used"
}

@test "vm svm, in a container (namespaces, tmpfs /dev) before the load: modload cannot load there, one line, exit 1" {
	guest_run svm "container modload"
	assert_guest_status 1
	assert_output "modload: cannot load kvm_amd here: Modules cannot be loaded from inside a container: they belong to the host's kernel. On the host, as root: modload (or modprobe kvm_amd), then pass /dev/kvm to the container (--device /dev/kvm)."
}

@test "vm svm, in a container of the loaded host: no node: the kernel has it, pass it in; the node passed: usable" {
	guest_run svm "container kvm-ok"
	assert_guest_status 1
	assert_line "INFO: setting: in a container (/dev is a tmpfs); the kernel has the KVM device (10:232)"
	assert_line "INFO: reason no-kvm-device: kvm_amd is loaded but /dev/kvm does not exist"
	assert_line --partial "HINT: This is a container: the host's kernel has the device but /dev/kvm was not passed in. Start the container with it: docker run --device /dev/kvm"
	refute_line --regexp '^HINT: .*mknod -m'
	guest_run svm "container modload" 2
	assert_guest_status 0
	assert_line "modload: kvm_amd is already loaded"
	assert_line --partial "modload: warning: /dev/kvm is not in this container: This is a container"
	guest_run svm "container kvm-ok" 2
	assert_guest_status 0
	assert_equal "${lines[-1]}" "KVM acceleration can be used"
}

@test "vm svm, a container behind a device cgroup: EPERM for root, the container's fix; modload --status not loaded" {
	guest_run svm "denied_container kvm-ok"
	assert_guest_status 1
	assert_line "INFO: /dev/kvm: cannot open read-write: Operation not permitted (EPERM: a device cgroup, seccomp or a security module refuses it, not the mode; root:root 0660)"
	assert_line --partial "HINT: /dev/kvm is here but the container's device cgroup or seccomp profile refuses it (EPERM, even for root; chmod cannot help): start the container with --device /dev/kvm"
	guest_run svm "denied_container modload --status"
	assert_guest_status 3
	assert_line --regexp "^kvm_amd: loaded, nested=[01]$"
	assert_line "/dev/kvm: cannot be opened read-write: Operation not permitted (EPERM: a device cgroup, seccomp or a security module refuses it, not the mode)"
}

@test "vm svm: modload --unload removes them all; loading again is idempotent" {
	guest_run svm "modload --unload"
	assert_guest_status 0
	assert_line "modload: removed kvm_amd kvm ccp irqbypass"
	assert_equal "$(guest_modules svm 2)" ""
	guest_run svm "modload --nested"
	assert_guest_status 0
	assert_line "modload: kvm_amd loaded with irqbypass, kvm, ccp (nested=1)"
	guest_run svm modload 2
	assert_guest_status 0
	assert_line "modload: kvm_amd is already loaded"
	guest_run svm "modload --status --json"
	assert_equal "$(jq -r .modules.kvm_amd.nested <<<"$output")" 1
	assert_equal "$(jq -r .loaded <<<"$output")" true
}

@test "vm AMD without SVM: modload exits 4 (nothing to load) with the no-cpu-support diagnosis, loads nothing" {
	guest_run amd-no-svm modload
	assert_guest_status 4
	assert_line "modload: kvm_amd cannot load: the CPU does not report AMD-V (SVM) (CPUID): this host cannot run KVM, nothing to load"
	assert_line "INFO: CPUID: the CPU does not report SVM"
	assert_line "INFO: reason no-cpu-support: the CPU has no SVM (this is a virtual machine without nested virtualization)"
	assert_equal "$(guest_modules amd-no-svm)" ""
}

@test "vm Intel without VMX: modload names kvm_intel and the missing VMX, exit 4" {
	guest_run intel-no-vmx modload
	assert_guest_status 4
	assert_line "modload: kvm_intel cannot load: the CPU does not report Intel VT-x (VMX) (CPUID): this host cannot run KVM, nothing to load"
	assert_line "INFO: CPUID: the CPU does not report VMX"
	assert_equal "$(guest_modules intel-no-vmx)" ""
	guest_run intel-no-vmx kvm-ok
	assert_guest_status 1
	assert_line "INFO: reason no-cpu-support: the CPU has no VMX (this is a virtual machine without nested virtualization)"
}

@test "vm runner: Debian's stock kernel boots through the fast profile (vmlinux on microvm) and reaches init" {
	log=$BATS_FILE_TMPDIR/runner-fast.log
	assert_equal "$(cat "$BATS_FILE_TMPDIR/runner-fast.status")" 0
	grep -q "^@@@ INIT REACHED" <(tr -d '\r' < "$log") || fail "init not reached: $(tail -n 20 "$log")"
	grep -qE "^runner: first guest output [0-9]+ ms after QEMU started$" "$log" || fail "no first-output time: $(tail -n 5 "$log")"
	! grep -q "booting the kernel as it is" "$log" || fail "the vmlinux was not used: $(grep "as it is" "$log")"
}

@test "vm runner: on a busy host the fast profile's guest keeps its TSC (rate given, not calibrated) and reaches init" {
	log=$BATS_FILE_TMPDIR/runner-busy.log
	[ "$(cat "$BATS_FILE_TMPDIR/runner-busy.status")" = 0 ] || fail "exit status $(cat "$BATS_FILE_TMPDIR/runner-busy.status") (124: stopped after 240 s): $(tr -d '\r' < "$log" | tail -n 20)"
	grep -q "^@@@ INIT REACHED" <(tr -d '\r' < "$log") || fail "init not reached: $(tail -n 20 "$log")"
	grep -qE "^\[ *[0-9.]+\] tsc: Detected [0-9.]+ MHz processor" <(tr -d '\r' < "$log") || fail "no TSC rate: $(grep -i tsc "$log")"
	! grep -q "Marking TSC unstable" "$log" || fail "$(grep -i tsc "$log")"
}

# ---- the other Debian release's kernel (12's 6.1 or 13's 6.12) -------------

other_release_or_skip() {
	skip_if_noted other-skip
	other_release=$(cat "$BATS_FILE_TMPDIR/other-release")
}

@test "vm svm, the other release's kernel: modload loads kvm_amd for real, the probe's guest runs (CPUID set): usable" {
	# Linux 6.12 (Debian 13) checks KVM_SET_SREGS's CR4/EFER against the
	# vCPU's CPUID: without KVM_SET_CPUID2 first, every working device
	# failed as device-broken
	other_release_or_skip
	grep -q "^@@@ BEGIN svm $other_release" <(tr -d '\r' < "$BATS_FILE_TMPDIR/other-svm.log") ||
		fail "not the $other_release kernel: $(head -c 2000 "$BATS_FILE_TMPDIR/other-svm.log")"
	guest_run other-svm modload
	assert_guest_status 0
	assert_line "modload: kvm_amd loaded with irqbypass, kvm, ccp"
	guest_run other-svm "kvm-ok -v"
	assert_guest_status 0
	assert_line "INFO: [pass] create-vm: KVM_CREATE_VM succeeded"
	assert_line --regexp "^INFO: \[pass\] acceleration: test loop: .* \(accelerated\)$"
	refute_line --partial "KVM_SET_SREGS"
	assert_equal "${lines[-1]}" "KVM acceleration can be used"
	guest_run other-svm "modload --unload"
	assert_guest_status 0
}

@test "vm runner: the other release's kernel boots through the fast profile (its payload decompressed) and reaches init" {
	other_release_or_skip
	log=$BATS_FILE_TMPDIR/other-fast.log
	[ "$(cat "$BATS_FILE_TMPDIR/other-fast.status")" = 0 ] || fail "exit status $(cat "$BATS_FILE_TMPDIR/other-fast.status"): $(tr -d '\r' < "$log" | tail -n 20)"
	grep -q "^@@@ INIT REACHED" <(tr -d '\r' < "$log") || fail "init not reached: $(tail -n 20 "$log")"
	! grep -q "booting the kernel as it is" "$log" || fail "the vmlinux was not used: $(grep "as it is" "$log")"
}

# ---- KVM nested inside the TCG guest: the runner on KVM ----------------------

@test "vm nested: modload loads kvm_amd and kvm-ok says KVM acceleration can be used" {
	guest_run nested modload
	assert_guest_status 0
	assert_line "modload: kvm_amd loaded with irqbypass, kvm, ccp"
	guest_run nested kvm-ok
	assert_guest_status 0
	assert_line "KVM acceleration can be used"
}

@test "vm nested: runner --selftest picks KVM on its own, the guest finishes on KVM, and KVM beats TCG" {
	guest_run nested "runner --selftest"
	assert_guest_status 0
	assert_line "runner: accelerator: kvm (auto: KVM is usable and accelerates)"
	assert_line --regexp "^runner: kvm: first guest output [0-9]+ ms after QEMU started; loop of 200000000 iterations in [0-9]+ ms"
	assert_line --regexp "^runner: tcg: first guest output [0-9]+ ms after QEMU started; loop of 200000000 iterations in [0-9]+ ms"
	ratio=$(sed -n 's/^runner: KVM runs the guest loop \([0-9.]*\)x as fast as TCG$/\1/p' <<<"$output")
	[ -n "$ratio" ] || fail "no comparison line: $output"
	awk -v r="$ratio" 'BEGIN { exit !(r > 1.5) }' || fail "KVM only ${ratio}x as fast as TCG"
	assert_line "runner: selftest passed"
}

@test "vm nested: runner --kernel boots Debian's kernel on KVM (-cpu host, no TSC rate) to init" {
	guest_run nested "runner --explain --kernel /boot/vmlinuz --initrd /boot/inner.gz"
	assert_guest_status 0
	assert_line "accelerator: kvm"
	assert_line --regexp "^command: .* -accel kvm -cpu host -kernel /var/cache/kvm-host-toolkit/vmlinux-[0-9a-f]{16} "
	refute_line --partial "tsc_early_khz"
	guest_run nested "runner -q --kernel /boot/vmlinuz --initrd /boot/inner.gz"
	assert_guest_status 0
	assert_line --regexp "^@@@ INNER INIT "
}

@test "vm nested: runner --require-kvm starts QEMU on KVM with the user's arguments" {
	guest_run nested "runner --require-kvm -- -M microvm,x-option-roms=off,isa-serial=on,rtc=off -bios /usr/share/qemu/qboot.rom -nodefaults -no-user-config -display none -serial stdio -m 64 -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel /usr/bin/microguest.elf"
	# the micro guest's isa-debug-exit: it finished
	assert_guest_status 3
	assert_line "microguest: hello from the runner's test guest"
	refute_line --partial "Falling back"
}

@test "vm nested: a failed TCG comparison is reported with QEMU's message and exit 3, not 'selftest passed'" {
	guest_run nested "runner --selftest" 2
	if [ "$guest_status" = 1 ]; then	# its first guest did not finish: the guest ran it once more
		echo "# run 2 exited 1, its output: $(tr '\n' '|' <<<"$output")" >&3
		guest_run nested "runner --selftest" 3
	fi
	assert_guest_status 3
	# Debian 12's QEMU without its TCG module; Debian 13's with TCG refused
	assert_line --regexp "^runner: selftest passed on kvm, but the TCG comparison failed: qemu-system-x86_64: (fatal: could not load module for type 'tcg-accel-ops'|-accel tcg: invalid accelerator tcg)$"
	refute_line "runner: selftest passed"
}
