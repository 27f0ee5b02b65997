#!/usr/bin/env bats
# Containers made here with namespaces, live: a private mount and PID
# namespace with a tmpfs /dev (as container runtimes give), a node mknod'ed
# into it behind a cgroup v1 device rule, and a user namespace made by an
# unprivileged user.  The machine's real /dev/kvm is never changed: each
# container gets its own /dev, and the device rule holds only for the
# processes put into the test's cgroup.

load helpers/common

RUNNER=$BUILD/runner
FAKE_QEMU=$TOP/tests/helpers/fake-qemu
DEVICES_CGROUP=/sys/fs/cgroup/devices

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make namespaces, mounts and device nodes"
	command -v unshare >/dev/null || skip "unshare (util-linux) is missing"
	unshare --mount --pid --fork true 2>/dev/null || skip "unshare --mount --pid is not permitted here"
	[ -e /sys/class/misc/kvm/dev ] || skip "this kernel has no KVM device registered (/sys/class/misc/kvm/dev)"
	# The build machines of this project are images made into VMs that kept
	# their /.dockerenv: beside only generic signs (a tmpfs /dev) it names no
	# runtime, so these namespaces are "a container" everywhere.
	IN_CONTAINER="in a container (/dev is a tmpfs"
	NOT_PASSED="HINT: This is a container: the host's kernel has the device but /dev/kvm was not passed in."
	REFUSED="/dev/kvm is here but the container's device cgroup or seccomp profile refuses it (EPERM, even for root"
	WORK=$(mktemp -d /tmp/kvm-ok-ns.XXXXXX)
	chmod 0755 "$WORK"
	CGROUP=
}

teardown() {
	if [ -n "${CGROUP:-}" ] && [ -d "$CGROUP" ]; then rmdir "$CGROUP" 2>/dev/null || true; fi
	if [ -n "${WORK:-}" ]; then rm -rf "$WORK"; fi
}

# A cgroup v1 device rule denying read and write of the KVM device (10:232)
# to the processes put into it; mknod ("m") stays allowed.
deny_kvm_cgroup() {
	[ -w "$DEVICES_CGROUP/devices.deny" ] || skip "no writable cgroup v1 devices controller at $DEVICES_CGROUP (cgroup v2 would need a BPF program)"
	CGROUP=$DEVICES_CGROUP/kvm-ok-test.$$.$BATS_TEST_NUMBER
	mkdir "$CGROUP"
	echo 'c 10:232 rw' > "$CGROUP/devices.deny"
}

# Runs "$@" in a new mount and PID namespace with its own /proc and a tmpfs
# /dev holding null (and kvm, 10:232, with CONTAINER_KVM=1), inside the
# test's device cgroup when there is one.
in_container() {
	local script='
		set -e
		mount -t tmpfs -o mode=0755 container-dev /dev
		mknod -m 0666 /dev/null c 1 3
		if [ "${CONTAINER_KVM:-0}" = 1 ]; then mknod -m 0660 /dev/kvm c 10 232; fi
		exec "$@"'
	if [ -n "$CGROUP" ]; then
		run sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$CGROUP" \
			unshare --mount --pid --fork --mount-proc sh -c "$script" sh "$@"
	else
		run unshare --mount --pid --fork --mount-proc sh -c "$script" sh "$@"
	fi
}

@test "live: a container's tmpfs /dev without the node: no-kvm-device, 'a container', --device, never mknod" {
	in_container "$KVM_OK"
	assert_failure 1
	assert_line --partial "INFO: setting: $IN_CONTAINER"
	# the kernel has the device (setup checks it): the node is what is
	# missing, whatever the CPU shows; the first hint passes it in
	assert_line --partial "INFO: reason no-kvm-device: "
	assert_equal "$(grep -m1 '^HINT:' <<<"$output" | cut -c1-${#NOT_PASSED})" "$NOT_PASSED"
	if ! grep -qw -e vmx -e svm /proc/cpuinfo; then
		# no VT here (kvm_pvm): once passed in, the device emulates
		assert_line --partial "HINT: The kernel's device comes from kvm_pvm: once passed in"
	fi
	refute_line --regexp '^HINT: .*mknod -m'
	# the machine's own view is untouched
	run "$KVM_OK" --no-probe
	refute_line --partial "in a container (/dev is a tmpfs"
}

@test "live: the node mknod'ed into the container, its device cgroup denies it: EPERM for root, the runtime's fix" {
	deny_kvm_cgroup
	CONTAINER_KVM=1 in_container "$KVM_OK"
	assert_failure 1
	assert_line "INFO: /dev/kvm: cannot open read-write: Operation not permitted (EPERM: a device cgroup, seccomp or a security module refuses it, not the mode; root:root 0660)"
	assert_line "INFO: reason device-permission: /dev/kvm: the open is refused (EPERM) by a device cgroup, seccomp or a security module, not by its mode"
	assert_line --partial "INFO: setting: $IN_CONTAINER"
	assert_line --partial "HINT: $REFUSED"
	refute_line --partial "chmod 0"
	refute_line --partial "adduser"
	CONTAINER_KVM=1 in_container "$KVM_OK" --json
	[ "$(jq -r .probe.denied_by <<<"$output")" = policy ] || fail "$output"
}

@test "live: a device cgroup on the host itself (no container): EPERM is the service's device policy" {
	deny_kvm_cgroup
	run sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2"' sh "$CGROUP" "$KVM_OK"
	assert_failure 1
	assert_line --partial "INFO: reason device-permission: /dev/kvm: the open is refused (EPERM)"
	assert_line --partial "HINT: The kernel refused /dev/kvm with EPERM, which the file mode never gives: a device cgroup (for a systemd service: DeviceAllow=/dev/kvm rw"
}

@test "live: modload in the container: the host's kernel has the device, so nothing to load, only the device to pass in (exit 0); --status not 'loaded' behind the cgroup" {
	in_container "$BUILD/modload"
	assert_success
	assert_output --regexp "^modload: nothing to load: the host's kernel has KVM already \(its device 10:232 is registered(, from kvm_pvm)?\); only /dev/kvm is to be passed in\. "
	assert_output --partial "${NOT_PASSED#HINT: }"
	refute_output --partial "modprobe"
	in_container "$BUILD/modload" --quiet
	assert_success
	assert_output ""
	deny_kvm_cgroup
	CONTAINER_KVM=1 in_container "$BUILD/modload" --status
	[ "$status" -eq 3 ] || fail "exit $status: $output"
	assert_line "/dev/kvm: cannot be opened read-write: Operation not permitted (EPERM: a device cgroup, seccomp or a security module refuses it, not the mode)"
}

@test "live: the runner in the container: the fallback note and the refusal carry the container's hint" {
	deny_kvm_cgroup
	export FAKE_QEMU_RECORD=$WORK/argv
	CONTAINER_KVM=1 in_container "$RUNNER" --qemu "$FAKE_QEMU" -- -m 64
	assert_success
	assert_line --partial "(device-permission). Falling back to TCG emulation"
	assert_line --partial "runner: hint: $REFUSED"
	CONTAINER_KVM=1 in_container "$RUNNER" --qemu "$FAKE_QEMU" --require-kvm -- -m 64
	[ "$status" -eq 4 ] || fail "exit $status: $output"
	assert_line --partial "HINT: $REFUSED"
}

@test "live: --collect in the container replays outside to the same verdict and hints, as root and as nobody" {
	deny_kvm_cgroup
	CONTAINER_KVM=1 in_container "$KVM_OK"
	live=$output
	CONTAINER_KVM=1 in_container "$KVM_OK" -q --collect "$WORK/snap"
	[ "$status" -le 2 ] || fail "collect failed: $output"
	chmod -R a+rX "$WORK/snap"
	run "$KVM_OK" --sysroot "$WORK/snap"
	assert_equal "$output" "$live"
	cp "$KVM_OK" "$WORK/kvm-ok"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$WORK/kvm-ok" --sysroot "$WORK/snap"
	assert_equal "$output" "$live"
}

@test "live: a user namespace made by an unprivileged user: /dev/kvm is nobody:nogroup, keep-groups, not adduser root nogroup" {
	require_root_for_identity
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- unshare --user --map-root-user true 2>/dev/null ||
		skip "unprivileged user namespaces are not allowed here"
	cp "$KVM_OK" "$WORK/kvm-ok"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups -- unshare --user --map-root-user "$WORK/kvm-ok"
	[ "$(stat -c %a /dev/kvm)" != 666 ] || skip "this machine's /dev/kvm is open to all"
	assert_failure 1
	assert_line --partial ", rootless (a user namespace"
	assert_line --partial "INFO: /dev/kvm: cannot open read-write: Permission denied (group nogroup"
	assert_line --partial "HINT: In this user namespace (a rootless container) /dev/kvm shows as nobody:nogroup"
	assert_line --partial "--group-add keep-groups"
	refute_line --partial "adduser root"
}
