#!/usr/bin/env bats
# A busy host is not a broken device: kvm-ok run many times at once on a
# loaded machine gives the same reason as on an idle one (or, when it
# truly cannot tell, host-busy with exit 2), never device-broken; a device
# that does not answer while the probe has the CPU is still device-broken.

load helpers/common

HOGS=()

start_hogs() {
	local n=$1 i
	for ((i = 0; i < n; i++)); do
		timeout 120 sh -c 'while :; do :; done' &
		HOGS+=($!)
	done
}

stop_hogs() {
	[ ${#HOGS[@]} -eq 0 ] || kill "${HOGS[@]}" 2>/dev/null || true
	wait 2>/dev/null || true
	HOGS=()
}

teardown() {
	stop_hogs
	rm -rf "${PAR:-/nonexistent}"
}

@test "40 kvm-ok at once under 2 CPU hogs per CPU: the idle reason (or host-busy, exit 2), never device-broken" {
	[ -c /dev/kvm ] && [ -r /dev/kvm ] || skip "no usable /dev/kvm here"
	run "$KVM_OK" --json
	idle_reason=$(jq -r .reason <<<"$output")
	idle_status=$status
	[ "$idle_reason" != device-broken ] || skip "the device is broken even when idle"
	PAR=$(mktemp -d)
	start_hogs $((2 * $(nproc)))
	for i in $(seq 40); do
		(s=0; timeout 60 "$KVM_OK" --json > "$PAR/$i.json" || s=$?; echo "$s" > "$PAR/$i.status") &
	done
	wait_for=$(( $(date +%s) + 90 ))
	while [ "$(ls "$PAR"/*.status 2>/dev/null | wc -l)" -lt 40 ] && [ "$(date +%s)" -lt "$wait_for" ]; do
		sleep 0.2
	done
	stop_hogs
	for i in $(seq 40); do
		[ -f "$PAR/$i.status" ] || fail "run $i did not finish within 90 s"
		status=$(cat "$PAR/$i.status")
		reason=$(jq -r .reason < "$PAR/$i.json")
		case "$reason/$status" in
		"$idle_reason/$idle_status"|host-busy/2) ;;
		*) fail "run $i: $reason (exit $status) on the busy host, $idle_reason (exit $idle_status) when idle: $(cat "$PAR/$i.json")" ;;
		esac
	done
}

@test "a probe starved of CPU past both bounds: host-busy, exit 2, with the wait it measured" {
	command -v taskset >/dev/null || skip "taskset (util-linux) missing"
	host_from_fixture intel-device-not-kvm
	# two hogs on CPU 0, kvm-ok there too, its probe process at SCHED_IDLE:
	# the probe gets (almost) no CPU, kvm-ok a third of it (all of kvm-ok at
	# SCHED_IDLE did not finish in 50 s under the sanitizers on a 6.18 kernel)
	for _ in 1 2; do timeout 60 taskset -c 0 sh -c 'while :; do :; done' & HOGS+=($!); done
	KVMHOST_TEST_HANG=starved:KVM_GET_API_VERSION run timeout 50 taskset -c 0 \
		"$BUILD/test/kvm-ok" --sysroot "$HOST" --json
	stop_hogs
	remove_host
	[ "$status" -ne 124 ] || fail "kvm-ok did not finish"
	assert_failure 2
	assert_equal "$(jq -r .reason <<<"$output")" host-busy
	assert_equal "$(jq -r .verdict <<<"$output")" unknown
	assert_equal "$(jq -r .probe.host_busy <<<"$output")" true
	assert_equal "$(jq -r .probe.retry_ms <<<"$output")" 500
	# the wait it measured, as a number (how long is the scheduler's: on
	# CI's Debian 13 stage 107 ms once, so no bound is asserted here; what
	# decides is short_of_cpu, by the wait or by too little time on a CPU)
	jq -e '.probe.cpu_wait_ms > 0' <<<"$output" >/dev/null || fail "cpu_wait_ms: $(jq .probe.cpu_wait_ms <<<"$output")"
}

@test "a probe busy on an idle CPU that never answers: device-broken (not the host's load)" {
	host_from_fixture intel-device-not-kvm
	KVMHOST_TEST_HANG=spin:KVM_GET_API_VERSION run timeout 20 "$BUILD/test/kvm-ok" --sysroot "$HOST" --json
	# once more where this machine itself was short of CPU meanwhile: seen
	# once on CI's Debian 13 stage (on a build VM whose speed varied by
	# half that hour), the spinning probe was runnable with less than half
	# of its 500 ms on a CPU, which kvm-ok rightly calls host-busy
	if [ "$status" = 2 ] && [ "$(jq -r .reason <<<"$output")" = host-busy ]; then
		KVMHOST_TEST_HANG=spin:KVM_GET_API_VERSION run timeout 20 "$BUILD/test/kvm-ok" --sysroot "$HOST" --json
	fi
	remove_host
	assert_failure 1
	assert_equal "$(jq -r .reason <<<"$output")" device-broken
	assert_equal "$(jq -r .probe.host_busy <<<"$output")" false
	assert_equal "$(jq -r .probe.retried <<<"$output")" true
}

@test "a try that runs out of time is repeated with 10x the bound, and its answer counts" {
	[ -c /dev/kvm ] && [ -r /dev/kvm ] || skip "no usable /dev/kvm here"
	run "$KVM_OK" --json --probe-timeout 10
	# 10 ms is less than the guest needs here: the second try (100 ms) answers
	assert_equal "$(jq -r .probe.timed_out <<<"$output")" false
	[ "$(jq -r .reason <<<"$output")" != device-broken ] || fail "$output"
}

@test "no probe child outlives kvm-ok, even when its VM teardown is slow" {
	[ -c /dev/kvm ] && [ -r /dev/kvm ] || skip "no usable /dev/kvm here"
	[ "$(id -u)" -eq 0 ] && unshare --pid --fork --mount-proc true 2>/dev/null || skip "needs a PID namespace (root)"
	# in its own PID namespace, whatever kvm-ok leaves running is still listed after it
	run env KVMHOST_TEST_HANG=teardown unshare --pid --fork --mount-proc sh -c \
		"$BUILD/test/kvm-ok -q; ps -e -o stat=,comm="
	refute_output --partial "kvm-ok"
}

@test "the runner's QEMU inherits no probe child (no zombie for the VM's life)" {
	[ -c /dev/kvm ] && [ -r /dev/kvm ] || skip "no usable /dev/kvm here"
	# builtins only: the engine's own children would be listed otherwise
	printf '#!/bin/sh\nread -r children < /proc/$$/task/$$/children\necho "children: [$children]"\n' \
		> "$BATS_TEST_TMPDIR/engine"
	chmod 0755 "$BATS_TEST_TMPDIR/engine"
	KVMHOST_TEST_HANG=teardown run "$BUILD/test/runner" --qemu "$BATS_TEST_TMPDIR/engine" -- -m 64
	assert_line "children: []"
}
