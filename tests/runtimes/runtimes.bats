#!/usr/bin/env bats
# The real container runtimes (make check-runtimes): Docker with a dockerd of
# the suite's own, Podman as root and rootless, LXC (lxc-execute),
# systemd-nspawn and a chroot, each started on the small root directory
# tests/runtimes/make-rootfs makes (the built tools, busybox,
# systemd-detect-virt).  Per runtime: without the device, with it refused,
# as a normal user; each time kvm-ok's reason, exit status, first hint and
# modload --status are asserted, then the first hint is FOLLOWED (the
# container started again with the flags or configuration lines it names)
# and kvm-ok must reach the host's own verdict.  What systemd-detect-virt
# says in the same container is printed beside kvm-ok's setting.
#
# Everything the suite starts (dockerd and its containerd, the rootless
# Podman pause process) is stopped by its PID at the end; the host's real
# /dev/kvm is never changed: the runtimes get it by bind mount or --device.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load ../helpers/skip-later

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
unset container GITHUB_ACTIONS GITLAB_CI CI KUBERNETES_SERVICE_HOST
STATE=/var/tmp/kvmhost-runtimes	# Docker's overlay2 needs a real file system, not tmpfs
TEST_USER=kvmhost-rt		# the rootless Podman user, made (and removed) by the suite
ULIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=4096:4096)	# root here lacks CAP_SYS_RESOURCE

# (a reason to skip is noted with skip_later: bats 1.8.2, Debian 12's,
# cannot skip from setup_file)
setup_file() {
	[ "$(id -u)" -eq 0 ] || { skip_later "the runtimes need root to start"; return; }
	[ -e /sys/class/misc/kvm/dev ] && [ -c /dev/kvm ] || { skip_later "this host's kernel has no KVM device to pass in"; return; }
	rm -rf "$STATE"
	mkdir -p "$STATE"
	"$TOP/tests/runtimes/make-rootfs" "$BUILD" "$STATE/base"
	printf '#!/bin/sh\n%s\n' "$PROBE" > "$STATE/base/usr/bin/rt-probe"
	chmod 0755 "$STATE/base/usr/bin/rt-probe"
	# the host's own verdict, which following a hint must reach
	run "$BUILD/kvm-ok" --json
	echo "$status" > "$STATE/host.exit"
	jq -r .reason <<<"$output" > "$STATE/host.reason"
	echo "# the host's own verdict: $(cat "$STATE/host.reason") (exit $status)" >&3
	start_dockerd
}

setup() {
	skip_if_noted
}

teardown_file() {
	local pid
	if [ -f "$STATE/dockerd.pid" ]; then
		pid=$(cat "$STATE/dockerd.pid")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
	fi
	if [ -f "$STATE/pause.pid" ]; then kill "$(cat "$STATE/pause.pid")" 2>/dev/null || true; fi
	if [ -f "$STATE/user.made" ]; then
		pkill -KILL -u "$TEST_USER" 2>/dev/null || true
		sleep 0.5
		userdel -r "$TEST_USER" 2>/dev/null || true
	fi
	rm -rf "$STATE"
}

# A fresh copy of the root directory for one runtime (podman run --rootfs
# writes its /run/.containerenv into the directory it runs on).
rootfs() {
	local dir=$STATE/$1
	[ -d "$dir" ] || cp -a "$STATE/base" "$dir"
	echo "$dir"
}

# What each container runs (as /usr/bin/rt-probe): kvm-ok's JSON, its exit status, modload
# --status's exit status, the reason runner --explain gives, kvm-ok's
# Prometheus gauges for usable and the device, systemd-detect-virt
# --container; one line each (busybox's applets run as the shell's own).
PROBE='j=$(kvm-ok --json 2>/dev/null); e=$?; echo "kvm_ok_exit=$e"
modload --status >/dev/null 2>&1; echo "status_exit=$?"
echo "runner_kvm=$(runner --explain 2>&1 | sed -n "s/^kvm: \([a-z-]*\):.*/\1/p")"
echo "prometheus=$(kvm-ok --format=prometheus 2>/dev/null | grep -E "^kvm_ok_(usable|device_visible) " | tr "\n" " ")"
echo "detect_virt=$(systemd-detect-virt --container 2>/dev/null)"
echo "json=$(echo "$j" | tr -d "\n")"'

# judge LABEL: reads a container's output ($output) into REASON, EXIT,
# STATUS_EXIT, HINT (the first), CONTAINER (kvm-ok's setting.container),
# DETECT (systemd-detect-virt's), and prints them for the reader.
judge() {
	local label=$1 json
	EXIT=$(sed -n 's/^kvm_ok_exit=//p' <<<"$output")
	STATUS_EXIT=$(sed -n 's/^status_exit=//p' <<<"$output")
	DETECT=$(sed -n 's/^detect_virt=//p' <<<"$output")
	RUNNER_KVM=$(sed -n 's/^runner_kvm=//p' <<<"$output")
	PROMETHEUS=$(sed -n 's/^prometheus=//p' <<<"$output")
	json=$(sed -n 's/^json=//p' <<<"$output")
	[ -n "$json" ] || fail "$label: no answer from the container: $output"
	REASON=$(jq -r .reason <<<"$json")
	HINT=$(jq -r '.hints[0] // ""' <<<"$json")
	CONTAINER=$(jq -r '.setting.container // "none"' <<<"$json")
	echo "# $label: kvm-ok: $REASON (exit $EXIT), setting $CONTAINER; systemd-detect-virt --container: ${DETECT:-?}; modload --status: exit $STATUS_EXIT" >&3
}

# the first hint followed: the host's own verdict
assert_host_verdict() {
	local label=$1
	assert_equal "$REASON" "$(cat "$STATE/host.reason")"
	assert_equal "$EXIT" "$(cat "$STATE/host.exit")"
	assert_equal "$STATUS_EXIT" 0
	assert_equal "$RUNNER_KVM" "$REASON"
}

# without the device: the runner and the Prometheus gauges say the same,
# and say it of the container, not of the host
assert_not_passed_in() {
	assert_equal "$REASON" no-kvm-device
	assert_equal "$EXIT" 1
	assert_equal "$STATUS_EXIT" 3
	assert_equal "$RUNNER_KVM" no-kvm-device
	assert_equal "$PROMETHEUS" "kvm_ok_usable -1 kvm_ok_device_visible 0 "
}

# The part of the first hint matched by the extended regular expression's
# first group.
from_hint() {
	local re=$1
	[[ $HINT =~ $re ]] || fail "the first hint does not say what to run ($re): $HINT"
	echo "${BASH_REMATCH[1]}"
}

# --- Docker: a dockerd of the suite's own -----------------------------------

DOCKER_SOCK=unix:///run/kvmhost-runtimes-docker.sock

start_dockerd() {
	command -v dockerd >/dev/null || return 0
	# the data root ends in /docker: Docker's storage then shows in the
	# container's mounts as it does with /var/lib/docker
	dockerd -H "$DOCKER_SOCK" --data-root "$STATE/docker" --exec-root "$STATE/docker-exec" \
		--pidfile "$STATE/dockerd.pid.own" --bridge=none --iptables=false --ip6tables=false \
		> "$STATE/dockerd.log" 2>&1 3>&- &
	echo $! > "$STATE/dockerd.pid"
	for _ in $(seq 100); do
		docker_cli info > /dev/null 2>&1 && break
		sleep 0.2
	done
	docker_cli info > /dev/null 2>&1 || return 0
	tar -C "$STATE/base" -c . | docker_cli import - kvmhost-runtimes:test > /dev/null
}

docker_cli() { /usr/bin/docker -H "$DOCKER_SOCK" "$@"; }

docker_or_skip() {
	[ -x /usr/sbin/dockerd ] || [ -x /usr/bin/dockerd ] || skip "no dockerd (apt-get install docker.io)"
	docker_cli image inspect kvmhost-runtimes:test > /dev/null 2>&1 ||
		skip "dockerd did not start: $(tail -n 3 "$STATE/dockerd.log" 2>/dev/null)"
}

in_docker() {
	run timeout 120 /usr/bin/docker -H "$DOCKER_SOCK" run --rm --network none "$@" kvmhost-runtimes:test rt-probe
}

@test "Docker: without the device: no-kvm-device, docker run --device; following it gives the host's verdict" {
	docker_or_skip
	in_docker
	judge "docker run"
	assert_not_passed_in
	assert_equal "$CONTAINER" docker
	flags=$(from_hint 'start it with docker run (--device /dev/kvm) IMAGE')
	in_docker $flags
	judge "docker run $flags"
	assert_host_verdict
}

@test "Docker: a bind mount alone (-v): its device cgroup refuses it (EPERM); either fix the hint names gives the host's verdict" {
	docker_or_skip
	in_docker -v /dev/kvm:/dev/kvm
	judge "docker run -v /dev/kvm:/dev/kvm"
	assert_equal "$REASON" device-permission
	assert_equal "$EXIT" 1
	assert_equal "$STATUS_EXIT" 3
	flags=$(from_hint 'start the container with (--device /dev/kvm), or keep the bind mount')
	rule=$(from_hint "add --device-cgroup-rule='([^']*)'")
	in_docker $flags
	judge "docker run $flags"
	assert_host_verdict
	in_docker -v /dev/kvm:/dev/kvm --device-cgroup-rule="$rule"
	judge "docker run -v /dev/kvm:/dev/kvm --device-cgroup-rule='$rule'"
	assert_host_verdict
}

@test "Docker: a normal user outside the device's group: --group-add with the host's group ID" {
	docker_or_skip
	in_docker --device /dev/kvm -u 1000
	judge "docker run --device /dev/kvm -u 1000"
	assert_equal "$REASON" device-permission
	assert_equal "$STATUS_EXIT" 3
	gid=$(from_hint 'start the container with --group-add ([0-9]+)')
	assert_equal "$gid" "$(stat -c %g /dev/kvm)"
	in_docker --device /dev/kvm -u 1000 --group-add "$gid"
	judge "docker run --device /dev/kvm -u 1000 --group-add $gid"
	assert_host_verdict
}

# --- Podman as root ----------------------------------------------------------

podman_or_skip() {
	command -v podman > /dev/null || skip "no podman (apt-get install podman)"
}

# Podman as root on its own storage; runc (crun refuses a host whose unified
# cgroup hierarchy holds controllers beside v1 ones, as this one's does)
in_podman() {
	run timeout 120 podman --root "$STATE/podman" --runroot "$STATE/podman-run" --cgroup-manager cgroupfs \
		--events-backend file --runtime runc run --rm --network none "${ULIMITS[@]}" "$@" \
		--rootfs "$(rootfs podman)" rt-probe
}

@test "Podman as root: without the device, bind-mounted only, then as a normal user; each first hint followed gives the host's verdict" {
	podman_or_skip
	in_podman
	judge "podman run"
	assert_not_passed_in
	assert_equal "$CONTAINER" podman
	flags=$(from_hint 'start it with podman run (--device /dev/kvm) IMAGE')
	in_podman $flags
	judge "podman run $flags"
	assert_host_verdict
	in_podman -v /dev/kvm:/dev/kvm
	judge "podman run -v /dev/kvm:/dev/kvm"
	assert_equal "$REASON" device-permission
	flags=$(from_hint 'start it with podman run (--device /dev/kvm) IMAGE')
	in_podman $flags
	judge "podman run $flags"
	assert_host_verdict
	in_podman --device /dev/kvm -u 1000
	judge "podman run --device /dev/kvm -u 1000"
	assert_equal "$REASON" device-permission
	gid=$(from_hint 'start the container with --group-add ([0-9]+)')
	in_podman --device /dev/kvm -u 1000 --group-add "$gid"
	judge "podman run --device /dev/kvm -u 1000 --group-add $gid"
	assert_host_verdict
}

# --- Podman rootless: a user of the suite's own, in the device's group ------

rootless_or_skip() {
	podman_or_skip
	command -v newuidmap > /dev/null || skip "no newuidmap (apt-get install uidmap)"
	command -v crun > /dev/null || skip "no crun (apt-get install crun)"
	if ! id "$TEST_USER" > /dev/null 2>&1; then
		useradd -m -s /bin/sh "$TEST_USER" || skip "cannot add the user $TEST_USER"
		touch "$STATE/user.made"
	fi
	grep -q "^$TEST_USER:" /etc/subuid || skip "$TEST_USER has no subordinate IDs in /etc/subuid"
	RUNTIME_DIR=/run/user/$(id -u "$TEST_USER")
	mkdir -p "$RUNTIME_DIR"
	chown "$TEST_USER:" "$RUNTIME_DIR"
	chmod 0700 "$RUNTIME_DIR"
	# the container's root is the user's own, as in rootless Podman's storage
	[ -d "$STATE/rootless" ] || { rootfs rootless > /dev/null && chown -R "$TEST_USER:" "$STATE/rootless"; }
}

# As the test user, a member of the device's group (as adduser USER kvm
# makes one); in a mount namespace without the unified hierarchy's mount,
# so that crun takes this hybrid host for a v1 one.  RUNTIME selects runc
# or crun.
in_rootless() {
	local runtime=$1 uid gid
	shift
	uid=$(id -u "$TEST_USER")
	gid=$(stat -c %g /dev/kvm)
	run timeout 120 unshare --mount --propagation private sh -c \
		'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh \
		setpriv --reuid="$uid" --regid="$uid" --groups="$gid" --reset-env \
		env HOME="$(getent passwd "$TEST_USER" | cut -d: -f6)" XDG_RUNTIME_DIR="$RUNTIME_DIR" PATH=/usr/bin:/bin \
		podman --cgroup-manager cgroupfs --events-backend file --runtime "$runtime" run --rm --network none \
		"${ULIMITS[@]}" "$@" --rootfs "$STATE/rootless" rt-probe
	# its pause process holds the user namespace until stopped
	[ -f "$RUNTIME_DIR/libpod/tmp/pause.pid" ] && cp "$RUNTIME_DIR/libpod/tmp/pause.pid" "$STATE/pause.pid" || true
}

@test "Podman rootless: keep-groups under runc does nothing (EACCES); the hint's --runtime crun followed gives the host's verdict" {
	rootless_or_skip
	in_rootless runc --device /dev/kvm --group-add keep-groups
	judge "podman run (rootless, runc) --device /dev/kvm --group-add keep-groups"
	assert_equal "$REASON" device-permission
	assert_equal "$CONTAINER" podman
	assert_equal "$STATUS_EXIT" 3
	flags=$(from_hint 'then: podman run (--device /dev/kvm --group-add keep-groups --runtime crun) IMAGE')
	runtime=${flags##*--runtime }
	in_rootless "$runtime" ${flags% --runtime *}
	judge "podman run (rootless) $flags"
	assert_host_verdict
}

@test "Podman rootless: without the device: the hint names --device, keep-groups and crun at once" {
	rootless_or_skip
	in_rootless runc
	judge "podman run (rootless)"
	assert_not_passed_in
	flags=$(from_hint 'start it with podman run (--device /dev/kvm --group-add keep-groups --runtime crun) IMAGE')
	runtime=${flags##*--runtime }
	in_rootless "$runtime" ${flags% --runtime *}
	judge "podman run (rootless) $flags"
	assert_host_verdict
}

# --- LXC ------------------------------------------------------------------------

# What a system container (LXC, nspawn) runs: rt-probe as root, or as
# tester after a login (su: its groups from the container's /etc/group), or
# commands of a hint before it
INNER=rt-probe
AS_TESTER='su -s /bin/sh tester -c rt-probe'

# lxc-execute with LXC's common configuration and the lines given
in_lxc() {
	local cfg=$STATE/lxc-config/$BATS_TEST_NUMBER.conf
	command -v lxc-execute > /dev/null || skip "no lxc-execute (apt-get install lxc)"
	mkdir -p "$STATE/lxc-config"
	{
		echo "lxc.include = /usr/share/lxc/config/common.conf"
		echo "lxc.uts.name = kvmhost-rt"
		echo "lxc.rootfs.path = dir:$(rootfs lxc)"
		echo "lxc.autodev = 1"
		echo "lxc.net.0.type = empty"
		echo "lxc.apparmor.profile = unconfined"
		printf '%s\n' "$@"
	} > "$cfg"
	run timeout 120 lxc-execute -n "kvmhost-rt-$BATS_TEST_NUMBER" -P "$STATE/lxc-config" -f "$cfg" -- sh -c "$INNER"
}

@test "LXC: without the device, then bind-mounted but refused: the configuration lines of the hint (this host's cgroup key) followed give the host's verdict" {
	in_lxc
	judge "lxc-execute"
	assert_not_passed_in
	assert_equal "$CONTAINER" lxc
	assert_equal "$STATUS_EXIT" 3
	allow=$(from_hint 'config add (lxc\.cgroup2?\.devices\.allow = c 10:232 rwm)')
	entry=$(from_hint ' and (lxc\.mount\.entry = /dev/kvm dev/kvm none bind,optional,create=file), then restart it')
	in_lxc "$allow" "$entry"
	judge "lxc-execute + $allow + $entry"
	assert_host_verdict
	# a normal user of the container outside the device's group: the
	# container keeps its /etc/group, the user joins the group inside
	INNER=$AS_TESTER in_lxc "$allow" "$entry"
	judge "lxc-execute + the device, as tester"
	assert_equal "$REASON" device-permission
	cmd=$(from_hint 'inside it, as root: (usermod -aG kvm tester), then log in again\.')
	INNER="$cmd && $AS_TESTER" in_lxc "$allow" "$entry"
	judge "lxc-execute + the device, $cmd, as tester"
	assert_host_verdict
	# the bind mount without the device rule: LXC's device cgroup refuses it
	in_lxc "$entry"
	judge "lxc-execute + $entry"
	assert_equal "$REASON" device-permission
	assert_equal "$(from_hint 'config add (lxc\.cgroup2?\.devices\.allow = c 10:232 rwm)')" "$allow"
}

# --- systemd-nspawn, on a host without systemd as PID 1 ---------------------------

in_nspawn() {
	command -v systemd-nspawn > /dev/null || skip "no systemd-nspawn (apt-get install systemd-container)"
	run timeout 120 systemd-nspawn -q --console=pipe -D "$(rootfs nspawn)" "$@" -- /bin/sh -c "$INNER"
}

@test "systemd-nspawn: without the device: the hint's flags for a host without systemd followed give the host's verdict (no /sys/module there)" {
	[ -d /run/systemd/system ] && skip "systemd runs this host: the suite follows the hint for hosts without it"
	in_nspawn --register=no --keep-unit
	judge "systemd-nspawn --register=no --keep-unit"
	assert_not_passed_in
	assert_equal "$CONTAINER" systemd-nspawn
	flags=$(from_hint '\(without systemd as PID 1: (--bind=/dev/kvm --register=no --keep-unit)\)')
	in_nspawn $flags
	judge "systemd-nspawn $flags"
	assert_host_verdict
	# a normal user, in a container whose group kvm is not the device's
	# (its ID differs from the host's): the group ID gets a name inside
	sed -i "s/^kvm:x:[0-9]*:/kvm:x:$(( $(stat -c %g /dev/kvm) + 1 )):/" "$(rootfs nspawn)/etc/group"
	INNER=$AS_TESTER in_nspawn $flags
	judge "systemd-nspawn $flags, as tester"
	assert_equal "$REASON" device-permission
	cmd=$(from_hint 'inside it, as root: (groupadd -g [0-9]+ kvm-host && usermod -aG kvm-host tester), then log in again\.')
	INNER="$cmd && $AS_TESTER" in_nspawn $flags
	judge "systemd-nspawn $flags, $cmd, as tester"
	assert_host_verdict
}

# --- a chroot with /proc and /sys, without /dev ----------------------------------

@test "chroot: /proc and /sys mounted, no /dev: no-kvm-device, mount -t devtmpfs followed gives the host's verdict" {
	local dir
	dir=$(rootfs chroot)
	run timeout 120 unshare --mount --propagation private sh -c '
		mount -t proc proc "$1/proc" && mount -t sysfs sysfs "$1/sys" &&
		chroot "$1" /bin/sh -c "$2"' sh "$dir" rt-probe
	judge "chroot"
	assert_not_passed_in
	assert_equal "$CONTAINER" none
	cmd=$(from_hint '(mount -t devtmpfs devtmpfs /dev) \(for a chroot')
	read -ra words <<<"$cmd"
	run timeout 120 unshare --mount --propagation private sh -c '
		mount -t proc proc "$1/proc" && mount -t sysfs sysfs "$1/sys" &&
		chroot "$1" "$3" "$4" "$5" "$6" "$7" && chroot "$1" /bin/sh -c "$2"' sh "$dir" rt-probe "${words[@]}"
	judge "chroot, after: $cmd"
	assert_host_verdict
}
