#!/usr/bin/env bats
# The libFuzzer harnesses clean up after themselves: no scratch directory
# is left behind in /dev/shm (or wherever make fuzz points them).

load helpers/common

@test "a harness removes its scratch directory when it ends" {
	[ -x "$TOP/build/fuzz/fuzz_snapshot" ] || skip "the harnesses are not built (make fuzz-build)"
	parent=$(mktemp -d)
	KVMHOST_FUZZ_SCRATCH=$parent ASAN_OPTIONS=detect_leaks=0 \
		run "$TOP/build/fuzz/fuzz_snapshot" -runs=20 "$TOP/tests/fuzz/corpus/snapshot"
	assert_success
	assert_equal "$(ls -A "$parent")" ""
	rmdir "$parent"
}
