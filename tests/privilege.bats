#!/usr/bin/env bats
# Time bounds and privilege boundaries: a hanging device cannot hang the
# runner; set-user-ID copies refuse --sysroot and ignore environment
# overrides; the runner passes random arguments byte for byte and never
# touches the guest's data.

load helpers/common
bats_require_minimum_version 1.5.0

FAKE_QEMU=$TOP/tests/helpers/fake-qemu

setup() {
	WORK=$(mktemp -d)
	chmod 0755 "$WORK"
	export FAKE_QEMU_RECORD=$WORK/argv
}

teardown() {
	remove_host
	rm -rf "$WORK"
}

@test "time bound: a /dev/kvm that hangs cannot hang the runner: it falls back to TCG within the deadline" {
	host_from_fixture intel-device-not-kvm
	KVMHOST_TEST_HANG=KVM_GET_API_VERSION run timeout 10 "$BUILD/test/runner" --qemu "$FAKE_QEMU" --sysroot "$HOST" -- -m 64
	[ "$status" -ne 124 ] || fail "the runner hung with the device"
	assert_success
	assert_line "runner: KVM not usable: /dev/kvm does not answer: no answer within 50 ms, nor within 500 ms on a second try, during KVM_GET_API_VERSION (the probe process was not short of CPU) (device-broken). Falling back to TCG emulation, roughly 5-50x slower than KVM."
	[ -f "$FAKE_QEMU_RECORD" ] || fail "the engine was not started"
}

@test "time bound: --require-kvm with a hanging device refuses promptly" {
	host_from_fixture intel-device-not-kvm
	KVMHOST_TEST_HANG=open run -4 timeout 10 "$BUILD/test/runner" --require-kvm --qemu "$FAKE_QEMU" --sysroot "$HOST"
	assert_line --partial "INFO: /dev/kvm hangs: no answer within 50 ms, nor within 500 ms on a second try, during open"
}

# A set-user-ID root copy of a tool, run by nobody.
setuid_copy() {
	require_root_for_identity
	cp "$BUILD/$1" "$WORK/$1"
	chown root:root "$WORK/$1"
	chmod 4755 "$WORK/$1"
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- test -u "$WORK/$1" || skip "no set-user-ID here"
}

as_nobody() {
	run setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
}

@test "set-user-ID: kvm-ok refuses --sysroot" {
	setuid_copy kvm-ok
	host_from_fixture intel-usable
	as_nobody "$WORK/kvm-ok" --sysroot "$HOST"
	assert_failure 2
	assert_output "kvm-ok: --sysroot $HOST: refused in a set-user-ID or set-group-ID run; give the directory of a host image"
}

@test "set-user-ID: modload refuses --sysroot and --moddir" {
	setuid_copy modload
	as_nobody "$WORK/modload" --sysroot /tmp --status
	assert_failure 2
	assert_output "modload: --sysroot /tmp: refused in a set-user-ID or set-group-ID run"
	as_nobody "$WORK/modload" --moddir /tmp
	assert_failure 2
}

@test "set-user-ID: the runner refuses --sysroot and ignores \$RUNNER_QEMU" {
	setuid_copy runner
	as_nobody "$WORK/runner" --sysroot /tmp --explain
	assert_failure 2
	as_nobody env RUNNER_QEMU="$FAKE_QEMU" "$WORK/runner" --accel=tcg --explain
	assert_success
	assert_line --regexp "^command: /usr/bin/qemu-system-x86_64 "
}

@test "no tool runs a shell: no system() or popen() in the binaries" {
	for tool in kvm-ok modload runner; do
		if nm -D "$BUILD/$tool" | grep -wE "U (system|popen|execvp|execlp)"; then
			fail "$tool imports a shell or PATH-searching exec"
		fi
	done
}

@test "the runner passes 200 random argument vectors byte for byte" {
	for round in $(seq 200); do
		args=()
		for _ in $(seq $((RANDOM % 6 + 1))); do
			args+=("$(head -c $((RANDOM % 24)) /dev/urandom | tr -d '\000')")
		done
		# an argument the runner would read as its own is past "--"
		run "$BUILD/runner" --accel=tcg --qemu "$FAKE_QEMU" -q -- "${args[@]}"
		if [ "$status" -eq 2 ]; then
			# a random -accel/-enable-kvm among them conflicts with --accel=tcg: also a decision
			assert_output --partial "the QEMU arguments choose the accelerator"
			continue
		fi
		assert_success
		printf '%s\0' "${args[@]}" > "$WORK/expected"
		tail -c "$(stat -c %s "$WORK/expected")" "$FAKE_QEMU_RECORD" | cmp -s - "$WORK/expected" ||
			fail "round $round: arguments changed"
	done
}

@test "the runner never touches the guest's disk" {
	head -c 65536 /dev/urandom > "$WORK/disk.img"
	before=$(sha256sum < "$WORK/disk.img")
	run "$BUILD/runner" --accel=tcg --qemu "$FAKE_QEMU" -- -drive "file=$WORK/disk.img,format=raw,if=virtio"
	assert_success
	assert_equal "$(sha256sum < "$WORK/disk.img")" "$before"
	[ "$(stat -c %Y "$WORK/disk.img")" -le "$(date +%s)" ]
}
