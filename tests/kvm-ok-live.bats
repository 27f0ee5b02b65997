#!/usr/bin/env bats
# kvm-ok on the machine running the tests: only what is true everywhere.

load helpers/common

@test "live: kvm-ok runs and exits 0, 1 or 2 with one of the two verdict lines last" {
	run "$KVM_OK"
	[ "$status" -le 2 ] || fail "exit status $status"
	[[ "${lines[-1]}" == "KVM acceleration can be used" || "${lines[-1]}" == "KVM acceleration can NOT be used" ]] ||
		fail "last line: ${lines[-1]}"
}

@test "live: --json parses and its verdict matches the exit status" {
	run "$KVM_OK" --json
	verdict=$(jq -r .verdict <<<"$output") || fail "not JSON: $output"
	case $verdict in
	usable) assert_equal "$status" 0 ;;
	unusable) assert_equal "$status" 1 ;;
	unknown) assert_equal "$status" 2 ;;
	*) fail "verdict $verdict" ;;
	esac
}

@test "live: where /dev/kvm can be opened, the probe finishes within its deadline" {
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "/dev/kvm is not usable by $(id -un) here"
	run "$KVM_OK" --json
	assert_equal "$(jq -r .probe.ran <<<"$output")" true
	elapsed=$(jq -r .probe.elapsed_ms <<<"$output")
	deadline=$(jq -r .probe.deadline_ms <<<"$output")
	# the child is abandoned at the deadline; allow for process set-up around it
	awk -v e="$elapsed" -v d="$deadline" 'BEGIN { exit !(e <= d + 10) }' || fail "probe took $elapsed ms, deadline $deadline ms"
}

@test "live: on a kvm_pvm host the verdict is not-accelerated, with the measured slowdown" {
	[ -d /sys/module/kvm_pvm ] || skip "not a kvm_pvm host"
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "/dev/kvm is not usable by $(id -un) here"
	run "$KVM_OK"
	assert_failure 1
	assert_line --regexp "^INFO: test loop: (more than )?[0-9]+ ns per iteration in a KVM guest( \(the fastest of [23] measurements\))?, [0-9.]+ ns natively: (over )?[0-9]+x slower than native: NOT accelerated$"
	assert_line --partial "INFO: reason not-accelerated: /dev/kvm works but guest code runs"
	assert_equal "${lines[-1]}" "KVM acceleration can NOT be used"
}

# the line number in an strace log of the first probe fork and of the first
# read of /etc/group (the device's group name)
first_line() { grep -n -m 1 -E "$2" "$1" | cut -d: -f1; }

@test "live: the probe runs alongside the reading of names only where there is a CPU for each" {
	command -v strace >/dev/null || skip "no strace"
	command -v taskset >/dev/null || skip "no taskset"
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "/dev/kvm is not usable by $(id -un) here"
	[ "$(nproc)" -gt 1 ] || skip "one CPU to run on here"
	# (LeakSanitizer cannot work under ptrace: the sanitizer pass checks the rest)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -e trace=clone,clone3,openat -o "$BATS_TEST_TMPDIR/two" "$KVM_OK" -q || true
	fork=$(first_line "$BATS_TEST_TMPDIR/two" '^[0-9]+ +clone')
	group=$(first_line "$BATS_TEST_TMPDIR/two" '"/etc/group"')
	[ -n "$fork" ] && [ -n "$group" ] || fail "no fork or no /etc/group read in the trace"
	[ "$fork" -lt "$group" ] || fail "with $(nproc) CPUs the probe started after the names (line $fork, $group)"
	# one CPU to run on: what the parent reads would be timed as the guest's
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		taskset -c 0 strace -f -e trace=clone,clone3,openat -o "$BATS_TEST_TMPDIR/one" "$KVM_OK" -q || true
	fork=$(first_line "$BATS_TEST_TMPDIR/one" '^[0-9]+ +clone')
	group=$(first_line "$BATS_TEST_TMPDIR/one" '"/etc/group"')
	[ "$group" -lt "$fork" ] || fail "on one CPU the probe started before the names were read (line $fork, $group)"
}
