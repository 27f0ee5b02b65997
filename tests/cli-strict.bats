#!/usr/bin/env bats
# No silent errors, strict input: every tool fails when standard output
# cannot be written, numbers are parsed whole, long arguments are shown
# shortened, and an empty file name is no name.

load helpers/common

@test "--help and --version of all three fail (exit 2) when standard output is full or closed" {
	for tool in kvm-ok modload runner; do
		for opt in --help --version; do
			run sh -c '"$1" "$2" > /dev/full' _ "$BUILD/$tool" "$opt"
			assert_failure 2
			assert_output "$tool: writing standard output: No space left on device"
			run sh -c '"$1" "$2" >&-' _ "$BUILD/$tool" "$opt"
			assert_failure 2
			assert_output --partial "$tool: writing standard output: "
		done
	done
}

@test "modload --status [--json] and runner --explain fail when standard output cannot be written" {
	run sh -c '"$1" --status > /dev/full' _ "$BUILD/modload"
	assert_failure 1
	assert_output --partial "modload: writing standard output: No space left on device"
	run sh -c '"$1" --status --json >&-' _ "$BUILD/modload"
	assert_failure 1
	assert_output --partial "modload: writing standard output: "
	run sh -c '"$1" --explain --accel=tcg --qemu /bin/true > /dev/full' _ "$BUILD/runner"
	assert_failure 2
	assert_output "runner: writing standard output: No space left on device"
	run sh -c '"$1" --no-probe > /dev/full' _ "$BUILD/kvm-ok"
	assert_failure 2
	assert_output "kvm-ok: writing standard output: No space left on device"
}

@test "runner --probe-timeout is parsed whole, as kvm-ok's" {
	for value in 50abc "" 5 60001 " 50" 0x40 99999999999999999999; do
		run "$BUILD/runner" --probe-timeout "$value" --explain --qemu /bin/true
		assert_failure 2
		assert_line --index 0 "runner: --probe-timeout $value: give milliseconds from 10 to 60000"
		run "$KVM_OK" --probe-timeout "$value"
		assert_failure 2
		assert_output "kvm-ok: --probe-timeout $value: give milliseconds from 10 to 60000"
	done
	run "$BUILD/runner" --probe-timeout 100 --accel=tcg --explain --qemu /bin/true
	assert_success
}

@test "a 100 kB argument is shown shortened in error messages" {
	long=$(head -c 100000 /dev/zero | tr '\0' 'x')
	run "$KVM_OK" --format "$long"
	assert_failure 2
	assert_output "kvm-ok: --format $(printf 'x%.0s' $(seq 80))...(100000 bytes): give text, json, prometheus or nfd"
	run "$KVM_OK" "$long"
	assert_failure 2
	[ "${#output}" -lt 400 ] || fail "kvm-ok echoed ${#output} bytes"
	run "$BUILD/modload" "$long"
	assert_failure 2
	[ "${#output}" -lt 400 ] || fail "modload echoed ${#output} bytes"
	run "$BUILD/runner" --probe-timeout "$long"
	assert_failure 2
	[ "${#lines[0]}" -lt 400 ] || fail "runner echoed ${#lines[0]} bytes"
	run "$BUILD/runner" --qemu "/$long" -- -m 64
	[ "${#output}" -lt 400 ] || fail "runner echoed ${#output} bytes"
}

@test "runner: an empty IMAGE (or any empty file name) is a usage error, nothing started" {
	for opt in --make-debian-root --disk --kernel --initrd --qemu --sysroot --suite; do
		run "$BUILD/runner" "$opt" ""
		assert_failure 2
		assert_line "runner: $opt needs a value"
	done
	run "$BUILD/runner" --accel=tcg --explain --qemu /bin/true --kernel /bin/true --append ""
	assert_success
}

@test "runner: only its options spelled whole are the runner's: -qmp and an abbreviation go to QEMU" {
	run "$BUILD/runner" --explain --accel=tcg --qemu /bin/true -qmp stdio --k x
	assert_success
	assert_line --partial "-qmp stdio --k x"
	refute_line --partial "-kernel x"
	run "$BUILD/runner" --help=1
	assert_failure 2
	assert_line --index 0 "runner: --help takes no value"
}
