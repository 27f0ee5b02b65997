#!/usr/bin/env bats
# runner: the accelerator decision on fixture hosts, against a fake engine
# that records its arguments; exit statuses and signals; the selftest with
# the real QEMU.

load helpers/common
bats_require_minimum_version 1.5.0

RUNNER=$BUILD/runner
FAKE_QEMU=$TOP/tests/helpers/fake-qemu

setup() {
	RECORD_DIR=$(mktemp -d)
	chmod 0777 "$RECORD_DIR"
	export FAKE_QEMU_RECORD=$RECORD_DIR/argv
	unset FAKE_QEMU_EXIT FAKE_QEMU_WAIT RUNNER_QEMU
}

teardown() {
	remove_host
	rm -rf "$RECORD_DIR"
}

# The engine's recorded arguments must be exactly these.
assert_engine_args() {
	[ -f "$FAKE_QEMU_RECORD" ] || fail "the engine did not run"
	printf '%s\0' "$@" > "$RECORD_DIR/expected"
	cmp -s "$RECORD_DIR/expected" "$FAKE_QEMU_RECORD" ||
		fail "engine arguments: $(tr '\0' '|' < "$FAKE_QEMU_RECORD"), expected: $(tr '\0' '|' < "$RECORD_DIR/expected")"
}

refute_engine_ran() {
	[ ! -e "$FAKE_QEMU_RECORD" ] || fail "the engine ran: $(tr '\0' '|' < "$FAKE_QEMU_RECORD")"
}

# Waits for a background pid at most 5 s (then kills it); its status in $status.
wait_bounded() {
	for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
	if kill -0 "$1" 2>/dev/null; then
		pkill -KILL -P "$1"; kill -KILL "$1"
		wait "$1" 2>/dev/null
		fail "pid $1 did not end after the signal"
	fi
	wait "$1" && status=0 || status=$?
}

runner_on() {
	host_from_fixture "$1"
	shift
	run "$RUNNER" --qemu "$FAKE_QEMU" --sysroot "$HOST" "$@"
}

@test "runner: QEMU arguments pass byte for byte: spaces, empty, leading dashes, non-UTF-8, newlines" {
	run "$RUNNER" --accel=tcg --qemu "$FAKE_QEMU" -- -name -accel "a b" "" -x $'\xff\xfe\x80' $'two\nlines' -- --
	assert_success
	assert_engine_args -accel tcg,thread=multi -cpu max -name -accel "a b" "" -x $'\xff\xfe\x80' $'two\nlines' -- --
}

@test "runner: a value that looks like an accelerator option is not taken for one" {
	runner_on amd-kvm-pvm-not-accelerated -q -- -name -enable-kvm -append "-accel kvm"
	assert_success
	assert_engine_args -accel tcg,thread=multi -cpu max -name -enable-kvm -append "-accel kvm"
}

@test "runner auto, KVM usable: -accel kvm -cpu host, no note" {
	runner_on intel-usable -- -m 512
	assert_success
	assert_output ""
	assert_engine_args -accel kvm -cpu host -m 512
}

@test "runner auto, the user's -cpu is kept and none is added" {
	runner_on intel-usable -- -cpu Skylake-Client -m 512
	assert_success
	assert_engine_args -accel kvm -cpu Skylake-Client -m 512
}

@test "runner auto, no device (module not loaded): TCG, with the reason and the fix" {
	runner_on intel-module-not-loaded -- -m 512
	assert_success
	assert_line "runner: KVM not usable: kvm_intel is not loaded, so there is no /dev/kvm (module-not-loaded). Falling back to TCG emulation, roughly 5-50x slower than KVM."
	assert_line --partial "runner: hint: Load the module as root: modload (this toolkit) or modprobe kvm_intel"
	assert_engine_args -accel tcg,thread=multi -cpu max -m 512
}

@test "runner auto, permission denied: TCG, with the group and adduser" {
	require_root_for_identity
	host_from_fixture intel-device-permission
	group=$(other_group)
	chgrp "$group" "$HOST/dev/kvm"
	chmod 0660 "$HOST/dev/kvm"
	cp "$RUNNER" "$FAKE_QEMU" "$HOST_TMP/"
	chmod 0755 "$HOST_TMP/runner" "$HOST_TMP/fake-qemu"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups -- env FAKE_QEMU_RECORD="$FAKE_QEMU_RECORD" \
		"$HOST_TMP/runner" --qemu "$HOST_TMP/fake-qemu" --sysroot "$HOST" -- -m 256
	assert_success
	assert_line "runner: KVM not usable: /dev/kvm: permission denied (group $group; nobody is not a member) (device-permission). Falling back to TCG emulation, roughly 5-50x slower than KVM."
	assert_line "runner: hint: Add the user to group $group: adduser nobody $group, then log out and in again."
	assert_engine_args -accel tcg,thread=multi -cpu max -m 256
}

@test "runner auto, /dev/kvm not a KVM device: TCG with device-not-kvm" {
	runner_on intel-device-not-kvm
	assert_success
	assert_line --partial "(device-not-kvm). Falling back to TCG emulation"
	assert_engine_args -accel tcg,thread=multi -cpu max
}

@test "runner auto, KVM present but not accelerated (kvm_pvm): TCG, with the measured slowdown" {
	runner_on amd-kvm-pvm-not-accelerated
	assert_success
	assert_line "runner: KVM not usable: /dev/kvm works but guest code runs 6054x slower than native: it is emulated, not accelerated (not-accelerated). Falling back to TCG emulation, roughly 5-50x slower than KVM."
	assert_line --partial "runner: hint: /dev/kvm here comes from kvm_pvm"
	assert_engine_args -accel tcg,thread=multi -cpu max
}

@test "runner -q: no note on fallback" {
	runner_on amd-kvm-pvm-not-accelerated -q
	assert_success
	assert_output ""
}

@test "runner: the user forces KVM (-enable-kvm) on a host where it does not accelerate: refused, exit 4, diagnosis" {
	runner_on amd-kvm-pvm-not-accelerated -- -enable-kvm -m 512
	assert_failure 4
	assert_line "runner: refusing to start QEMU: -enable-kvm asks for KVM, which is not usable here:"
	assert_line "INFO: reason not-accelerated: /dev/kvm works but guest code runs 6054x slower than native: it is emulated, not accelerated"
	refute_engine_ran
}

@test "runner: an accelerator list that names tcg after kvm is QEMU's own fallback: kept where KVM is usable, narrowed to tcg where not" {
	runner_on intel-module-not-loaded -- -machine q35,accel=kvm:tcg -m 512
	assert_success
	assert_line "runner: KVM not usable: kvm_intel is not loaded, so there is no /dev/kvm (module-not-loaded). TCG, the accelerator list's fallback: the runner leaves only tcg in it (QEMU would pick a /dev/kvm that opens)."
	assert_line --partial "runner: hint: Load the module as root"
	assert_engine_args -machine q35,accel=tcg -m 512
	remove_host
	# -accel kvm -accel tcg: the kvm one is left out; on kvm_pvm QEMU would pick it and crawl
	runner_on amd-kvm-pvm-not-accelerated -q -- -accel kvm,kernel-irqchip=on -m 512 -accel tcg -name x
	assert_success
	assert_output ""
	assert_engine_args -m 512 -accel tcg -name x
	remove_host
	runner_on intel-usable -- -machine accel=kvm:tcg,usb=off -m 512
	assert_success
	assert_output ""
	assert_engine_args -machine accel=kvm:tcg,usb=off -m 512
	# tcg first: the user's choice, not judged
	remove_host
	runner_on amd-kvm-pvm-not-accelerated -- -machine q35,accel=tcg:kvm
	assert_success
	assert_engine_args -machine q35,accel=tcg:kvm
}

@test "runner: libvirt's capability probe (-machine none, accel=kvm:tcg, QMP, -daemonize) passes untouched, unjudged and silent" {
	probe=(-S -no-user-config -nodefaults -nographic -machine none,accel=kvm:tcg -qmp unix:/run/x.sock,server=on,wait=off -pidfile /run/x.pid -daemonize)
	runner_on intel-no-vt -- "${probe[@]}"
	assert_success
	assert_output ""
	assert_engine_args "${probe[@]}"
	run "$RUNNER" --qemu "$FAKE_QEMU" --sysroot "$HOST" --explain -- -machine none,accel=tcg
	assert_success
	assert_line "accelerator: none (no guest runs)"
	refute_line --partial "kvm:"
	# listings and versions run no guest either
	for args in "-machine help" "-cpu help" "-device virtio-net-pci,help" "-version" "-M ?"; do
		# shellcheck disable=SC2086
		runner_on intel-no-vt -- $args
		assert_success
		assert_output ""
		# shellcheck disable=SC2086
		assert_engine_args $args
	done
}

@test "runner: -cpu host without an accelerator is a KVM request: refused where KVM is not usable (TCG has no host model)" {
	runner_on intel-module-not-loaded -- -cpu host -m 512
	assert_failure 4
	assert_line "runner: refusing to start QEMU: -cpu host (a CPU model only KVM provides) asks for KVM, which is not usable here:"
	refute_engine_ran
	remove_host
	runner_on intel-usable -- -cpu host,migratable=off -m 512
	assert_success
	assert_engine_args -accel kvm -cpu host,migratable=off -m 512
}

@test "runner: -no-kvm (an option QEMU removed) is the user choosing TCG: dropped, -accel tcg added, said how to ask" {
	runner_on intel-usable -- -no-kvm -m 512 -hda disk.img
	assert_success
	assert_output "runner: -no-kvm: QEMU no longer has this option; the runner drops it and runs TCG: say -accel tcg (or runner --accel=tcg)"
	assert_engine_args -accel tcg,thread=multi -cpu max -m 512 -hda disk.img
	run "$RUNNER" --qemu "$FAKE_QEMU" --require-kvm -- -no-kvm
	assert_failure 2
	assert_output --partial "-no-kvm asks for TCG, --accel/--require-kvm for KVM"
}

@test "runner: a refusal ends with one line that says it all (libvirt shows only the log's last kilobyte)" {
	runner_on intel-module-not-loaded -- -accel kvm -m 512
	assert_failure 4
	last=$(printf '%s\n' "$output" | tail -n 1)
	[[ $last == "runner: refused: -accel kvm asks for KVM; not usable here: kvm_intel is not loaded, so there is no /dev/kvm (module-not-loaded); fix: Load the module as root: modload (this toolkit) or modprobe kvm_intel"* ]] ||
		fail "last line: $last"
	[ "${#last}" -lt 1000 ] || fail "the last line is ${#last} bytes"
}

@test "runner: the user's KVM choice on a usable host is passed on untouched" {
	runner_on intel-usable -- -accel kvm -m 512
	assert_success
	assert_engine_args -accel kvm -m 512
}

@test "runner: the user forces TCG: passed on untouched, KVM not even judged" {
	runner_on amd-kvm-pvm-not-accelerated -- -accel tcg -m 512
	assert_success
	assert_output ""
	assert_engine_args -accel tcg -m 512
}

@test "runner --accel=kvm / --require-kvm on a broken host: refused with exit 4" {
	runner_on intel-module-not-loaded --require-kvm -- -m 512
	assert_failure 4
	assert_line "runner: refusing to start QEMU: --accel=kvm asks for KVM, which is not usable here:"
	assert_line --partial "HINT: Load the module as root"
	assert_line "KVM acceleration can NOT be used"
	refute_engine_ran
	remove_host
	runner_on intel-usable --accel=kvm -- -m 512
	assert_success
	assert_engine_args -accel kvm -cpu host -m 512
}

@test "runner --accel=tcg with the user's accelerator too is a usage error" {
	run "$RUNNER" --accel=tcg --qemu "$FAKE_QEMU" -- -enable-kvm
	assert_failure 2
	assert_line --partial "the QEMU arguments choose the accelerator (-enable-kvm)"
}

@test "runner --explain: decision, reason and command; starts nothing" {
	runner_on amd-kvm-pvm-not-accelerated --explain -- -m 512 "a b"
	assert_success
	assert_line "accelerator: tcg"
	assert_line "why: auto: KVM is not usable"
	assert_line "kvm: not-accelerated: /dev/kvm works but guest code runs 6054x slower than native: it is emulated, not accelerated"
	assert_line "command: $FAKE_QEMU -accel tcg,thread=multi -cpu max -m 512 'a b'"
	refute_engine_ran
}

@test "runner: QEMU's exit status is propagated" {
	FAKE_QEMU_EXIT=42 run "$RUNNER" --accel=tcg --qemu "$FAKE_QEMU"
	assert_failure 42
}

@test "runner: SIGTERM reaches QEMU (the runner execs it)" {
	FAKE_QEMU_WAIT=1 "$RUNNER" --accel=tcg --qemu "$FAKE_QEMU" > "$RECORD_DIR/out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do grep -q waiting "$RECORD_DIR/out" 2>/dev/null && break; sleep 0.05; done
	kill -TERM "$pid"
	wait_bounded "$pid"
	assert_equal "$status" 143
	grep -q "fake-qemu: got SIGTERM" "$RECORD_DIR/out" || fail "$(cat "$RECORD_DIR/out")"
}

@test "runner --kernel (supervised): SIGINT and SIGHUP are forwarded to QEMU and its status returned" {
	echo "not a kernel" > "$RECORD_DIR/bzImage"
	for sig in INT HUP; do
		FAKE_QEMU_WAIT=1 "$RUNNER" --accel=tcg --qemu "$FAKE_QEMU" --kernel "$RECORD_DIR/bzImage" > "$RECORD_DIR/out" 2>&1 &
		pid=$!
		for _ in $(seq 100); do grep -q waiting "$RECORD_DIR/out" 2>/dev/null && break; sleep 0.05; done
		kill -"$sig" "$pid"
		wait_bounded "$pid"
		grep -q "fake-qemu: got SIG$sig" "$RECORD_DIR/out" || fail "$sig not forwarded: $(cat "$RECORD_DIR/out")"
		[ "$status" -eq $((128 + $(kill -l "$sig"))) ] || fail "status $status after SIG$sig"
	done
	grep -qF "runner: booting the kernel as it is (slower under TCG): $RECORD_DIR/bzImage: not a bzImage (no \"HdrS\" boot header)" "$RECORD_DIR/out" ||
		fail "no note about the bzImage: $(cat "$RECORD_DIR/out")"
}

# The --explain line with the measured TSC rate replaced by N, in $command;
# the rate itself in $tsc_khz.
explained_command() {
	command=$(grep '^command: ' <<<"$output")
	tsc_khz=$(sed -n 's/.* tsc_early_khz=\([0-9]*\).*/\1/p' <<<"$command")
	command=$(sed 's/ tsc_early_khz=[0-9]*/ tsc_early_khz=N/' <<<"$command")
}

# The fake engine installed as PREFIX/bin/qemu-system-x86_64 in $RECORD_DIR,
# with qboot in PREFIX/share/qemu as Debian's qemu-system-data has it (or
# without: "none"), in $engine.
engine_in_prefix() {
	engine=$RECORD_DIR/prefix/bin/qemu-system-x86_64
	mkdir -p "$RECORD_DIR/prefix/bin" "$RECORD_DIR/prefix/share/qemu"
	cp "$FAKE_QEMU" "$engine"
	[ "${1:-}" = none ] || : > "$RECORD_DIR/prefix/share/qemu/qboot.rom"
}

@test "runner --kernel: the fast profile's command line: microvm on qboot, the firmware beside the engine" {
	echo "not a kernel" > "$RECORD_DIR/bzImage"
	engine_in_prefix
	run "$RUNNER" --accel=tcg --qemu "$engine" --explain --kernel "$RECORD_DIR/bzImage" --append "root=/dev/vda" -- -m 1G
	assert_success
	explained_command
	assert_equal "$command" "command: $engine -M microvm,isa-serial=on,x-option-roms=off -bios $RECORD_DIR/prefix/share/qemu/qboot.rom -nodefaults -no-user-config -display none -serial stdio -accel tcg,thread=multi -cpu qemu64 -kernel $RECORD_DIR/bzImage -append 'console=ttyS0 quiet tsc=reliable no_timer_check lpj=5000000 mitigations=off cryptomgr.notests nokaslr 8250.nr_uarts=1 random.trust_cpu=on tsc_early_khz=N root=/dev/vda' -m 1G"
	refute_line --partial "firmware"
}

@test "runner --kernel without qboot: QEMU's default firmware with its option ROMs (which start -kernel), and a note that says so" {
	# Debian 13's QEMU 10 finds SeaBIOS's bios-microvm.bin, which with the
	# option ROMs off never starts the kernel: a silent hang
	echo "not a kernel" > "$RECORD_DIR/bzImage"
	engine_in_prefix none
	run "$RUNNER" --accel=tcg --qemu "$engine" --explain --kernel "$RECORD_DIR/bzImage"
	assert_success
	assert_line "runner: no qboot.rom firmware ($RECORD_DIR/prefix/share/qemu/qboot.rom: No such file or directory): QEMU's default firmware (SeaBIOS on Debian) starts the kernel through its option ROMs, a slower start (apt-get install qemu-system-data)"
	assert_line --regexp "^command: $engine -M microvm,isa-serial=on,x-option-roms=on -nodefaults "
	refute_line --partial " -bios "
	run "$RUNNER" --accel=tcg --qemu "$engine" --explain -q --kernel "$RECORD_DIR/bzImage"
	refute_line --partial "firmware"
}

@test "runner --kernel: the fast profile's command line" {
	echo "not a kernel" > "$RECORD_DIR/bzImage"
	run "$RUNNER" --accel=tcg --qemu "$FAKE_QEMU" --explain --kernel "$RECORD_DIR/bzImage" --append "root=/dev/vda" -- -m 1G
	assert_success
	explained_command
	assert_equal "$command" "command: $FAKE_QEMU -M microvm,isa-serial=on,x-option-roms=on -nodefaults -no-user-config -display none -serial stdio -accel tcg,thread=multi -cpu qemu64 -kernel $RECORD_DIR/bzImage -append 'console=ttyS0 quiet tsc=reliable no_timer_check lpj=5000000 mitigations=off cryptomgr.notests nokaslr 8250.nr_uarts=1 random.trust_cpu=on tsc_early_khz=N root=/dev/vda' -m 1G"
}

# The runner as nobody with only the given environment, --explain of
# --kernel (the vmlinux cache is looked up before the file is read).
runner_kernel_as_nobody() {
	echo "not a kernel" > "$RECORD_DIR/bzImage"
	chmod 0644 "$RECORD_DIR/bzImage"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups -- env -i "$@" \
		"$RUNNER" --accel=tcg --qemu "$FAKE_QEMU" --explain --kernel "$RECORD_DIR/bzImage"
}

@test "runner --kernel: no HOME, XDG_CACHE_HOME or XDG_RUNTIME_DIR: no cache at all, never a shared /tmp" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to run the runner as another user (setpriv)"
	# before: /tmp/kvm-host-toolkit-UID, which another user could make first
	# and fill with a kernel of theirs
	runner_kernel_as_nobody
	assert_success
	assert_line "runner: booting the kernel as it is (slower under TCG): no private cache directory (HOME, XDG_CACHE_HOME and XDG_RUNTIME_DIR are unset; a shared /tmp is not used)"
	[ ! -e "/tmp/kvm-host-toolkit-$(id -u nobody)" ] || fail "a cache was made in /tmp"
}

@test "runner --kernel: a cache directory another user made or may write is refused, not used" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to run the runner as another user (setpriv)"
	mkdir -p "$RECORD_DIR/planted/kvm-host-toolkit"
	chmod 0777 "$RECORD_DIR/planted/kvm-host-toolkit"
	runner_kernel_as_nobody XDG_CACHE_HOME="$RECORD_DIR/planted"
	assert_success
	assert_line "runner: booting the kernel as it is (slower under TCG): cache $RECORD_DIR/planted/kvm-host-toolkit is not private (owner uid 0, mode 0777): not used; remove it, or make it yours with mode 0700"
	# the user's own, but writable by others: refused too
	chown nobody "$RECORD_DIR/planted/kvm-host-toolkit"
	runner_kernel_as_nobody XDG_CACHE_HOME="$RECORD_DIR/planted"
	assert_line --partial "is not private (owner uid $(id -u nobody), mode 0777)"
	# a symbolic link in its place is not followed
	rm -rf "$RECORD_DIR/planted/kvm-host-toolkit"
	mkdir "$RECORD_DIR/elsewhere"
	ln -s "$RECORD_DIR/elsewhere" "$RECORD_DIR/planted/kvm-host-toolkit"
	runner_kernel_as_nobody XDG_CACHE_HOME="$RECORD_DIR/planted"
	assert_line --regexp "^runner: booting the kernel as it is \(slower under TCG\): cache $RECORD_DIR/planted/kvm-host-toolkit: (Not a directory|Too many levels of symbolic links)$"
}

@test "runner --kernel: HOME without ~/.cache: the cache and its parents are made, private, and used" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to run the runner as another user (setpriv)"
	mkdir "$RECORD_DIR/home"
	chown nobody "$RECORD_DIR/home"
	runner_kernel_as_nobody HOME="$RECORD_DIR/home"
	assert_success
	# the kernel itself is no bzImage: past the cache, to the file's own check
	assert_line "runner: booting the kernel as it is (slower under TCG): $RECORD_DIR/bzImage: not a bzImage (no \"HdrS\" boot header)"
	[ "$(stat -c '%U %a' "$RECORD_DIR/home/.cache/kvm-host-toolkit")" = "nobody 700" ] ||
		fail "cache: $(stat -c '%U %a' "$RECORD_DIR/home/.cache/kvm-host-toolkit")"
}

@test "runner --kernel: a cached vmlinux that is not the user's own is not booted: it is made again" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to run the runner as another user (setpriv)"
	kernel=$(ls /var/cache/kvmhost-tests/kernel-*/boot/vmlinuz-* 2>/dev/null | head -n 1)
	[ -n "$kernel" ] || skip "no Debian kernel in /var/cache/kvmhost-tests (the VM suite fetches one)"
	mkdir "$RECORD_DIR/home"
	chown nobody "$RECORD_DIR/home"
	cp "$kernel" "$RECORD_DIR/vmlinuz"
	chmod 0644 "$RECORD_DIR/vmlinuz"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups -- env -i HOME="$RECORD_DIR/home" \
		"$RUNNER" --accel=tcg --qemu "$FAKE_QEMU" --explain --kernel "$RECORD_DIR/vmlinuz"
	assert_success
	cached=$(sed -n 's/^command: .* -kernel \([^ ]*\) .*/\1/p' <<<"$output")
	[[ "$cached" == "$RECORD_DIR/home/.cache/kvm-host-toolkit/vmlinux-"* ]] || fail "no cached vmlinux: $output"
	# another user's file in its place (as if planted before the cache was
	# made private): not used, replaced by the user's own
	chown root "$cached"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups -- env -i HOME="$RECORD_DIR/home" \
		"$RUNNER" --accel=tcg --qemu "$FAKE_QEMU" --explain --kernel "$RECORD_DIR/vmlinuz"
	assert_success
	assert_line --partial " -kernel $cached "
	[ "$(stat -c %U "$cached")" = nobody ] || fail "the planted file was booted: owner $(stat -c %U "$cached")"
}

@test "runner --kernel under TCG: the guest is told the host's TSC rate, as the host kernel measured it" {
	echo "not a kernel" > "$RECORD_DIR/bzImage"
	run "$RUNNER" --accel=tcg --qemu "$FAKE_QEMU" --explain --kernel "$RECORD_DIR/bzImage"
	assert_success
	explained_command
	[ -n "$tsc_khz" ] || fail "no tsc_early_khz: $output"
	# the host kernel's own calibration, when its log can be read
	mhz=$(dmesg 2>/dev/null | sed -n 's/.*tsc: Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p; s/.*tsc: Detected \([0-9.]*\) MHz processor.*/\1/p' | tail -n 1)
	[ -n "$mhz" ] || skip "the kernel log names no TSC rate to compare with (measured $tsc_khz kHz)"
	awk -v m="$tsc_khz" -v k="$mhz" 'BEGIN { d = m - k * 1000; if (d < 0) d = -d; exit !(d <= k * 1000 * 0.002) }' ||
		fail "measured $tsc_khz kHz, the host kernel says $mhz MHz"
}

@test "runner --kernel: the user's -accel tcg gets the TSC rate too; a guest on KVM does not need it" {
	echo "not a kernel" > "$RECORD_DIR/bzImage"
	run "$RUNNER" --qemu "$FAKE_QEMU" --explain --kernel "$RECORD_DIR/bzImage" -- -accel tcg
	assert_success
	explained_command
	[ -n "$tsc_khz" ] || fail "no tsc_early_khz with -accel tcg: $output"
	runner_on intel-usable --explain --kernel "$RECORD_DIR/bzImage"
	assert_success
	assert_line --partial " -accel kvm -cpu host -kernel "
	refute_line --partial "tsc_early_khz"
}

@test "runner --disk: the image's own kernel, the disk and network, --append after root=" {
	img=$RECORD_DIR/guest.img
	echo "not a kernel" > "$img.vmlinuz"
	: > "$img.initrd"
	truncate -s 1M "$img"
	run "$RUNNER" --accel=tcg --qemu "$FAKE_QEMU" --explain --disk "$img" --append "systemd.show_status=1" -- -m 1G
	assert_success
	explained_command
	assert_equal "$command" "command: $FAKE_QEMU -M microvm,isa-serial=on,x-option-roms=on -nodefaults -no-user-config -display none -serial stdio -accel tcg,thread=multi -cpu qemu64 -kernel $img.vmlinuz -initrd $img.initrd -append 'console=ttyS0 quiet tsc=reliable no_timer_check lpj=5000000 mitigations=off cryptomgr.notests nokaslr 8250.nr_uarts=1 random.trust_cpu=on tsc_early_khz=N root=/dev/vda rw systemd.show_status=1' -drive id=root,file=$img,format=raw,if=none,werror=report,rerror=report -device virtio-blk-device,drive=root -netdev user,id=net0 -device virtio-net-device,netdev=net0 -m 1G"
	# a comma in the path is doubled in -drive, as QEMU reads it
	mkdir "$RECORD_DIR/a,b"
	cp "$img" "$img.vmlinuz" "$RECORD_DIR/a,b/"
	run "$RUNNER" --accel=tcg --qemu "$FAKE_QEMU" --explain --disk "$RECORD_DIR/a,b/guest.img"
	assert_success
	assert_line --partial " -drive id=root,file=$RECORD_DIR/a,,b/guest.img,format=raw,if=none,werror=report,rerror=report "
	run "$RUNNER" --accel=tcg --qemu "$FAKE_QEMU" --explain --disk "$RECORD_DIR/none.img"
	assert_failure 2
	assert_line "runner: --disk $RECORD_DIR/none.img: No such file or directory (the image and its kernel $RECORD_DIR/none.img.vmlinuz, as --make-debian-root leaves them)"
}

@test "runner --kernel with the user's -machine: plain pass-through, no fast profile" {
	echo "not a kernel" > "$RECORD_DIR/bzImage"
	run "$RUNNER" --accel=tcg --qemu "$FAKE_QEMU" --explain --kernel "$RECORD_DIR/bzImage" -- -M pc
	assert_success
	assert_line "command: $FAKE_QEMU -accel tcg,thread=multi -cpu max -kernel $RECORD_DIR/bzImage -M pc"
}

@test "runner invoked as kvm behaves the same" {
	ln -s "$RUNNER" "$RECORD_DIR/kvm"
	host_from_fixture amd-kvm-pvm-not-accelerated
	run "$RECORD_DIR/kvm" --qemu "$FAKE_QEMU" --sysroot "$HOST" -- -m 64
	assert_success
	assert_line --partial "kvm: KVM not usable: /dev/kvm works but guest code runs 6054x slower"
	assert_engine_args -accel tcg,thread=multi -cpu max -m 64
}

@test "runner: engine missing: exit 127; not executable: exit 126; \$RUNNER_QEMU picks it" {
	run -127 "$RUNNER" --accel=tcg --qemu /nonexistent/qemu
	assert_output "runner: the engine /nonexistent/qemu does not exist: apt-get install qemu-system-x86, or give --qemu PATH"
	: > "$RECORD_DIR/not-executable"
	chmod 0644 "$RECORD_DIR/not-executable"
	run -126 "$RUNNER" --accel=tcg --qemu "$RECORD_DIR/not-executable"
	assert_output --partial "runner: the engine $RECORD_DIR/not-executable cannot be run: Permission denied"
	RUNNER_QEMU=$FAKE_QEMU run "$RUNNER" --accel=tcg -- -m 1
	assert_success
	assert_engine_args -accel tcg,thread=multi -cpu max -m 1
}

@test "runner: usage errors exit 2" {
	run "$RUNNER" --accel=fast
	assert_failure 2
	run "$RUNNER" --initrd x
	assert_failure 2
	assert_line "runner: --initrd goes with --kernel"
	run "$RUNNER" --append x
	assert_failure 2
	assert_line "runner: --append goes with --kernel or --disk"
	run "$RUNNER" --initrd x --disk y
	assert_failure 2
	run "$RUNNER" --make-debian-root
	assert_failure 2
	assert_line "runner: --make-debian-root needs a value"
	run "$RUNNER" --kernel x --append "$(printf '%01537d' 0)"
	assert_failure 2
	assert_line "runner: --append: 1537 bytes; a Linux kernel takes a command line of at most 2048, and the runner's own arguments need up to 512 of them"
	run "$RUNNER" --selftest -- -m 1
	assert_failure 2
}

@test "runner --selftest boots the micro guest with the real QEMU under TCG" {
	command -v qemu-system-x86_64 >/dev/null || skip "no qemu-system-x86_64"
	run "$RUNNER" --accel=tcg --selftest
	assert_success
	assert_line "microguest: hello from the runner's test guest"
	assert_line "microguest: loop start 200000000"
	assert_line --regexp "^runner: tcg: first guest output [0-9]+ ms after QEMU started; loop of 200000000 iterations in [0-9]+ ms: [0-9]+ million iterations/s$"
	assert_line "runner: selftest passed"
}

@test "runner --selftest with Debian 13's firmware layout (no qboot, SeaBIOS's bios-microvm.bin): option ROMs on, the guest boots" {
	command -v qemu-system-x86_64 >/dev/null || skip "no qemu-system-x86_64"
	[ -f /usr/share/seabios/bios-microvm.bin ] || skip "no SeaBIOS bios-microvm.bin (package seabios)"
	# a copy of QEMU under a prefix whose share/qemu is Debian 13's: QEMU's
	# files without qboot, and SeaBIOS's bios-microvm.bin, with which the
	# option ROMs off never start the kernel (the guest hung, silent)
	mkdir -p "$RECORD_DIR/prefix/bin" "$RECORD_DIR/prefix/share/qemu"
	cp "$(command -v qemu-system-x86_64)" "$RECORD_DIR/prefix/bin/"
	for f in /usr/share/qemu/*; do
		case ${f##*/} in qboot.rom|bios-microvm.bin) ;; *) ln -s "$f" "$RECORD_DIR/prefix/share/qemu/" ;; esac
	done
	ln -s /usr/share/seabios/bios-microvm.bin "$RECORD_DIR/prefix/share/qemu/"
	# its modules (Debian 12's TCG) where Debian keeps them
	QEMU_MODULE_DIR=/usr/lib/x86_64-linux-gnu/qemu run timeout 120 "$RUNNER" --accel=tcg --qemu "$RECORD_DIR/prefix/bin/qemu-system-x86_64" --selftest
	assert_success
	assert_line --partial "runner: no qboot.rom firmware ($RECORD_DIR/prefix/share/qemu/qboot.rom: No such file or directory)"
	assert_line --regexp "^runner: command: .* -M microvm,isa-serial=on,rtc=off,x-option-roms=on "
	assert_line "microguest: hello from the runner's test guest"
	assert_line "runner: selftest passed"
}

@test "runner --selftest on a kvm_pvm host picks TCG by itself and says why" {
	[ -d /sys/module/kvm_pvm ] || skip "not a kvm_pvm host"
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "/dev/kvm is not usable by $(id -un) here"
	command -v qemu-system-x86_64 >/dev/null || skip "no qemu-system-x86_64"
	run "$RUNNER" --selftest
	assert_success
	assert_line --regexp "^runner: accelerator: tcg \(auto: KVM is not usable: /dev/kvm works but guest code runs [0-9]+x slower than native: it is emulated, not accelerated\)$"
	assert_line "microguest: hello from the runner's test guest"
	assert_line "runner: selftest passed"
}

# --make-debian-root runs as root, maybe in a shared directory: what lies
# at the names it will write is never followed or overwritten, and a
# refusal leaves nothing of its own behind (these stop before debootstrap)
make_debian_root_ready() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap refuses to start without it)"
	[ -x /usr/sbin/debootstrap ] && [ -x /sbin/mkfs.ext4 ] || skip "debootstrap or mkfs.ext4 is missing"
}

@test "make-debian-root: a symbolic link where the kernel will go is refused, never followed" {
	make_debian_root_ready
	echo precious > "$RECORD_DIR/victim"
	ln -s "$RECORD_DIR/victim" "$RECORD_DIR/new.img.vmlinuz"
	run "$RUNNER" --make-debian-root "$RECORD_DIR/new.img"
	assert_failure 1
	assert_output "runner: $RECORD_DIR/new.img.vmlinuz exists already (it would be the new image's kernel): move it away or give a new image name"
	assert_equal "$(cat "$RECORD_DIR/victim")" precious
	assert_equal "$(ls "$RECORD_DIR" | sort | tr '\n' ' ')" "new.img.vmlinuz victim "
}

@test "make-debian-root: --bootstrap is mmdebstrap or debootstrap, and goes with --make-debian-root" {
	run "$RUNNER" --make-debian-root "$RECORD_DIR/new.img" --bootstrap cdebootstrap
	assert_failure 2
	assert_output "runner: --bootstrap cdebootstrap: give mmdebstrap or debootstrap"
	run "$RUNNER" --bootstrap mmdebstrap
	assert_failure 2
	assert_line --index 0 "runner: --suite, --size, --packages, --mirror, --root-password-file, --first-boot and --bootstrap go with --make-debian-root"
	[ -z "$(ls -a "$RECORD_DIR" | grep new)" ]
}

@test "runner as mmdebstrap's customize hook: in the tree, apt-get install the kernel, then apt-mark auto initramfs-tools; only with both variables and the tree" {
	[ "$(id -u)" = 0 ] || skip "needs root (chroot)"
	case $(uname -m) in aarch64) kernel=linux-image-arm64 ;; *) kernel=linux-image-amd64 ;; esac
	tree=$BATS_TEST_TMPDIR/tree
	mkdir -p "$tree/usr/bin" "$tree/proc"
	# a shell in the tree: dash and the libraries it loads
	for f in /bin/dash $(ldd /bin/dash | grep -o '/[^ ]*'); do cp -L --parents "$f" "$tree"; done
	ln -s dash "$tree/bin/sh"
	# each tool says how it was run, and the variables it was given
	printf '#!/bin/sh\necho "$0 $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND hook=${RUNNER_MMDEBSTRAP_HOOK-unset}"\nexit ${FAIL:-0}\n' > "$tree/usr/bin/apt-get"
	cp "$tree/usr/bin/apt-get" "$tree/usr/bin/apt-mark"
	chmod 755 "$tree/usr/bin/apt-get" "$tree/usr/bin/apt-mark"
	# the tree's /proc mounted, as mmdebstrap mounts it for its hooks (a
	# sanitizer build's leak check at exit reads it)
	hook() { unshare -m --propagation private sh -c 'mount -t proc proc "$1/proc" && shift && exec "$@"' _ "$tree" "$@"; }
	run hook env RUNNER_MMDEBSTRAP_HOOK=kernel MMDEBSTRAP_HOOK=customize "$RUNNER" "$tree"
	assert_success
	assert_output "runner: in the tree: apt-get install $kernel (its initramfs made once)
/usr/bin/apt-get install --yes --no-install-recommends $kernel DEBIAN_FRONTEND=noninteractive hook=unset
/usr/bin/apt-mark auto initramfs-tools DEBIAN_FRONTEND=noninteractive hook=unset"
	# apt-get failing: said, and nothing marked
	run hook env FAIL=100 RUNNER_MMDEBSTRAP_HOOK=kernel MMDEBSTRAP_HOOK=customize "$RUNNER" "$tree"
	assert_failure 1
	assert_line --index 1 --partial "/usr/bin/apt-get install"
	assert_line --index 2 "runner: mmdebstrap's customize hook: apt-get install $kernel in the tree failed (exit status 100)"
	refute_output --partial apt-mark
	run env RUNNER_MMDEBSTRAP_HOOK=kernel MMDEBSTRAP_HOOK=customize "$RUNNER" "$tree/none"
	assert_failure 1
	assert_output "runner: mmdebstrap's customize hook: into the tree $tree/none: No such file or directory"
	# without mmdebstrap's variable the argument is QEMU's, as always
	run env RUNNER_MMDEBSTRAP_HOOK=kernel RUNNER_QEMU=/bin/echo "$RUNNER" --accel=tcg "$tree"
	refute_output --partial "in the tree"
	run env RUNNER_MMDEBSTRAP_HOOK=kernel RUNNER_QEMU=/bin/echo "$RUNNER" "$tree"
	refute_output --partial "in the tree"
	assert_output --partial "$tree"
}
