#!/usr/bin/env bats
# Containers and sandboxes on fixture hosts: the setting is detected, the
# reason stays what it is, and the first HINT is the fix that works there
# (kvm-ok(1), "Containers and sandboxes").  The live namespace tests are in
# containers-live.bats.

load helpers/common

RUNNER=$BUILD/runner
FAKE_QEMU=$TOP/tests/helpers/fake-qemu

teardown() {
	remove_host
}

# kvm-ok on fixture NAME: exit status, reason code (JSON) and the first HINT.
# usage: expect NAME STATUS REASON FIRST-HINT-TEXT (a part of it)
expect() {
	local name=$1 want_status=$2 reason=$3 first_hint=$4
	host_from_fixture "$name"
	run "$KVM_OK" --sysroot "$HOST" --json
	[ "$(jq -r .reason <<<"$output")" = "$reason" ] || fail "reason $(jq -r .reason <<<"$output"), expected $reason"
	hint=$(jq -r '.hints[0]' <<<"$output")
	[[ $hint == *"$first_hint"* ]] || fail "first hint: $hint"
	kvm_ok_on_host
	[ "$status" -eq "$want_status" ] || fail "exit $status, expected $want_status: $output"
}

@test "docker-no-device: no-kvm-device, the setting named, docker run --device; never mknod" {
	expect docker-no-device 1 no-kvm-device "docker run --device /dev/kvm IMAGE, or in compose: devices:"
	assert_line "INFO: setting: in a Docker container (Docker's storage in the mounts, /dev is a tmpfs, /.dockerenv); the kernel has the KVM device (10:232)"
	assert_line "INFO: reason no-kvm-device: kvm_intel is loaded but /dev/kvm does not exist"
	refute_line --regexp '^HINT: .*mknod -m'
	[ "$(json_field .setting.container)" = docker ]
	[ "$(json_field .setting.kernel_kvm_device)" = true ]
}

@test "podman-no-device: podman run --device" {
	expect podman-no-device 1 no-kvm-device "This Podman container was not given /dev/kvm: start it with podman run --device /dev/kvm IMAGE."
	assert_line --partial "INFO: setting: in a Podman container (container=podman in PID 1's environment"
}

@test "docker-device-cgroup-denied: EPERM for root is the device cgroup, not the mode: --device, no chmod or adduser" {
	expect docker-device-cgroup-denied 1 device-permission "Docker's device cgroup refuses /dev/kvm (EPERM, even for root"
	assert_line "INFO: /dev/kvm: cannot open read-write: Operation not permitted (EPERM: a device cgroup, seccomp or a security module refuses it, not the mode; root:kvm 0660)"
	assert_line "INFO: reason device-permission: /dev/kvm: the open is refused (EPERM) by a device cgroup, seccomp or a security module, not by its mode"
	assert_line --partial "--device-cgroup-rule='c 10:232 rwm'"
	refute_line --partial "chmod 0"
	refute_line --partial "adduser"
	[ "$(json_field .probe.denied_by)" = policy ]
	[ "$(json_field .probe.error)" = EPERM ]
}

@test "podman-rootless-userns: nobody:nogroup is the user namespace: --group-add keep-groups, never adduser root nogroup" {
	expect podman-rootless-userns 1 device-permission "podman run --device /dev/kvm --group-add keep-groups --runtime crun IMAGE (runc ignores keep-groups)"
	assert_line --partial "INFO: setting: in a Podman container, rootless ("
	refute_line --partial "adduser root"
	refute_line --partial "chgrp"
	[ "$(json_field .probe.denied_by)" = mode ]
	[ "$(json_field .setting.rootless)" = true ]
	[ "$(json_field .setting.user_namespace)" = true ]
}

@test "userns-unprivileged: unshare -Ur's root sees nobody:nogroup: the host gives group kvm, keep-groups; no adduser root" {
	expect userns-unprivileged 1 device-permission "In this user namespace (a rootless container) /dev/kvm shows as nobody:nogroup"
	assert_line "INFO: setting: in a container, rootless (a user namespace); the kernel has the KVM device (10:232)"
	refute_line --partial "adduser root"
}

@test "lxc-device-denied: the container's configuration on the host (cgroup2 allow, bind mount), Proxmox's --dev0" {
	expect lxc-device-denied 1 device-permission "This LXC container's device cgroup refuses /dev/kvm (EPERM, even for root)"
	# LXC's own syntax (key = value), the key of the host's devices controller
	# (PID 1's cgroups: the unified hierarchy only); Proxmox's colon form named as such
	assert_line --partial "on the host, in /var/lib/lxc/NAME/config add lxc.cgroup2.devices.allow = c 10:232 rwm and lxc.mount.entry = /dev/kvm dev/kvm none bind,optional,create=file"
	assert_line --partial "HINT: Proxmox: the same keys written key: value in /etc/pve/lxc/ID.conf, or on VE 8.1 or later pct set ID --dev0 /dev/kvm"
	assert_line --partial "INFO: setting: in an LXC container (container=lxc in PID 1's environment, /dev/.lxc"
	refute_line --partial "chmod 0"
}

@test "lxc-rootfs-podman-marker: container=lxc outranks the /run/.containerenv podman --rootfs left; a cgroup v1 devices controller gets LXC's v1 key" {
	# before: "in a Podman container", podman run --device (systemd-detect-virt says podman too)
	expect lxc-rootfs-podman-marker 1 no-kvm-device "This LXC container was not given /dev/kvm: on the host, in /var/lib/lxc/NAME/config add lxc.cgroup.devices.allow = c 10:232 rwm (this host's devices controller is cgroup v1) and lxc.mount.entry = /dev/kvm dev/kvm none bind,optional,create=file, then restart it."
	assert_line "INFO: setting: in an LXC container (container=lxc in PID 1's environment, PID 1's cgroup /lxc.payload.c1, /dev is a tmpfs, /run/.containerenv); the kernel has the KVM device (10:232)"
	refute_output --partial "odman"
	refute_output --partial "cgroup2"
	kvm_ok_on_host --json
	assert_equal "$(jq -r '.setting.container + " " + .setting.device_cgroup' <<<"$output")" "lxc v1"
	# unprivileged LXC: rootless by its own user namespace, whatever the
	# other runtime's file says
	printf '%10s %10s %10s\n' 0 100000 65536 > "$HOST/proc/self/uid_map"
	kvm_ok_on_host --json
	assert_equal "$(jq -r '.setting.container + " " + (.setting.rootless|tostring)' <<<"$output")" "lxc true"
	remove_host
	host_from_fixture lxc-device-denied
	kvm_ok_on_host --json
	assert_equal "$(jq -r .setting.device_cgroup <<<"$output")" v2
}

@test "nspawn-user-not-in-group, lxc-user-group-unnamed: a system container keeps its /etc/group: the user joins the device's group inside (no --group-add there)" {
	# before: "start the container with --group-add 994", a flag neither runtime has
	expect nspawn-user-not-in-group 1 device-permission "/dev/kvm is group kvm (ID 994), mode 0660, and tester is not a member: this systemd-nspawn container keeps its own /etc/group, so inside it, as root: usermod -aG kvm tester, then log in again."
	refute_output --partial "group-add"
	remove_host
	expect lxc-user-group-unnamed 1 device-permission "/dev/kvm is group ID 994, mode 0660, which has no name in this LXC container: inside it, as root: groupadd -g 994 kvm-host && usermod -aG kvm-host tester, then log in again."
	refute_output --partial "group-add"
}

@test "kubernetes-pod-no-device: a device plugin or a privileged pod; a hostPath alone is not enough" {
	expect kubernetes-pod-no-device 1 no-kvm-device "devices.kubevirt.io/kvm: \"1\") or run the container privileged"
	assert_line --partial "A hostPath volume of /dev/kvm alone is still refused (EPERM)"
	assert_line --partial "INFO: setting: in a Kubernetes pod (a Kubernetes service account, KUBERNETES_SERVICE_HOST"
}

@test "kubernetes-pod-no-device: fleet outputs say not visible from this container, never that the node lacks KVM" {
	host_from_fixture kubernetes-pod-no-device
	kvm_ok_on_host --format=nfd
	assert_line "feature.node.kubernetes.io/kvm-ok.visible-from-container=false"
	assert_line "feature.node.kubernetes.io/kvm-ok.kernel-device=true"
	refute_line --partial "kvm-ok.usable="
	refute_line --partial "kvm-ok.reason="
	refute_line --partial "kvm-ok.device="
	kvm_ok_on_host --format=prometheus
	assert_line "kvm_ok_usable -1"
	assert_line "kvm_ok_device_visible 0"
	# the same on a host of its own: the labels as before
	remove_host
	host_from_fixture intel-module-not-loaded
	kvm_ok_on_host --format=nfd
	assert_line "feature.node.kubernetes.io/kvm-ok.usable=false"
	refute_line --partial "visible-from-container"
	kvm_ok_on_host --format=prometheus
	assert_line "kvm_ok_device_visible 1"
}

@test "docker-host-module-not-loaded: load it on the host, then pass the device; not 'modload (this toolkit)'" {
	expect docker-host-module-not-loaded 1 module-not-loaded "a container cannot load modules: on the host, as root, run modload (or modprobe kvm_intel), then start this container with --device /dev/kvm"
	assert_line --partial "the kernel does not have the KVM device (10:232)"
	refute_line --partial "HINT: Load the module as root"
}

@test "modload in a container: one line, exit 1; not the kernel package, not lockdown" {
	host_from_fixture docker-host-module-not-loaded
	run "$BUILD/modload" --quiet --sysroot "$HOST"
	assert_failure 1
	assert_output "modload: cannot load kvm_intel here: Modules cannot be loaded from inside Docker: they belong to the host's kernel. On the host, as root: modload (or modprobe kvm_intel), then pass /dev/kvm to the container (--device /dev/kvm)."
	run "$BUILD/modload" --sysroot "$HOST"
	assert_failure 1
	[ "${#lines[@]}" -eq 1 ] || fail "more than one line: $output"
	refute_output --partial "linux-image"
	refute_output --partial "Secure Boot"
}

@test "modload in a container whose host loaded the module: already loaded, exit 0; no node: the runtime's fix, no wait" {
	host_from_fixture docker-no-device
	run "$BUILD/modload" --sysroot "$HOST"
	assert_success
	assert_line "modload: kvm_intel is already loaded"
	assert_line --partial "modload: warning: /dev/kvm is not in this container: This is a Docker container and /dev/kvm was not passed in"
}

@test "modload --status: never 'loaded' when the device cannot be opened (EPERM): exit 3, and says why" {
	host_from_fixture docker-device-cgroup-denied
	run "$BUILD/modload" --status --sysroot "$HOST"
	[ "$status" -eq 3 ] || fail "exit $status: $output"
	assert_line "kvm_intel: loaded, nested=Y"
	assert_line "/dev/kvm: cannot be opened read-write: Operation not permitted (EPERM: a device cgroup, seccomp or a security module refuses it, not the mode)"
	run "$BUILD/modload" --status --json --sysroot "$HOST"
	[ "$(jq -r .loaded <<<"$output")" = false ]
	[ "$(jq -r .device.openable <<<"$output")" = false ]
	[ "$(jq -r .device.open_error <<<"$output")" = EPERM ]
	remove_host
	host_from_fixture wsl2-nested-usable
	run "$BUILD/modload" --status --sysroot "$HOST"
	assert_success
}

@test "container-generic-no-device: only a tmpfs /dev: 'a container', the runtimes' --device" {
	expect container-generic-no-device 1 no-kvm-device "This is a container: the host's kernel has the device but /dev/kvm was not passed in."
	assert_line "INFO: setting: in a container (/dev is a tmpfs); the kernel has the KVM device (10:232)"
}

@test "nspawn-no-device: --bind and DeviceAllow" {
	expect nspawn-no-device 1 no-kvm-device "start it with systemd-nspawn --bind=/dev/kvm, and where systemd runs the host --property=DeviceAllow='/dev/kvm rw' too (without systemd as PID 1: --bind=/dev/kvm --register=no --keep-unit)"
}

@test "chroot-no-device-node: no /dev mount: devtmpfs or mknod (right outside a container)" {
	expect chroot-no-device-node 1 no-kvm-device "/dev is not a mount of its own here (a chroot, or an initramfs that did not mount it): mount -t devtmpfs devtmpfs /dev"
	assert_line --partial "mknod -m 0660 /dev/kvm c 10 232"
	# what is true of the chroot is not said of the machine (as from a
	# container without the device); before: usable 0, visible 1
	kvm_ok_on_host --format=prometheus
	assert_line "kvm_ok_usable -1"
	assert_line "kvm_ok_device_visible 0"
}

@test "docker-marker-only-machine: /.dockerenv alone (an image made into a machine) is not a container" {
	expect docker-marker-only-machine 1 module-not-loaded "Load the module as root: modload (this toolkit) or modprobe kvm_intel"
	kvm_ok_on_host -v
	assert_line "INFO: [info] setting: setting: not in a container (/.dockerenv exists, but nothing else shows a container: an image made into a machine?)"
	[ "$(json_field .setting.container)" = null ]
	[ "$(json_field .setting.unconfirmed_marker)" = /.dockerenv ]
}

@test "host-device-policy-denied: EPERM on a host: the service's device policy, not chmod" {
	expect host-device-policy-denied 1 device-permission "a device cgroup (for a systemd service: DeviceAllow=/dev/kvm rw, and no PrivateDevices=yes)"
	assert_line "INFO: setting: not in a container (no sign of one)"
	refute_line --partial "chmod 0"
}

@test "wsl2-no-nested: no-cpu-support, .wslconfig nestedVirtualization, not Set-VMProcessor" {
	expect wsl2-no-nested 1 no-cpu-support "in %UserProfile%\\.wslconfig on Windows set nestedVirtualization=true under [wsl2], then run wsl --shutdown"
	refute_line --partial "Set-VMProcessor -VMName"
	[ "$(json_field .setting.wsl2)" = true ]
}

@test "wsl2-nested-usable: usable" {
	expect wsl2-nested-usable 0 usable ""
	refute_line --partial "HINT:"
}

@test "wsl2-no-systemd-permission: no udev without systemd: /etc/wsl.conf [boot] systemd=true" {
	expect wsl2-no-systemd-permission 1 device-permission "WSL2 without systemd runs no udev, so /dev/kvm stays root:root 0600 and a chmod is lost at the next start: set systemd=true under [boot] in /etc/wsl.conf"
}

@test "ci-runner-not-in-kvm: a job cannot log in again: the udev rule, MODE 0666, static_node, udevadm trigger" {
	expect ci-runner-not-in-kvm 1 device-permission "GitHub Actions: a job cannot log in again to join group kvm"
	assert_line --partial "KERNEL==\"kvm\", GROUP=\"kvm\", MODE=\"0666\", OPTIONS+=\"static_node=kvm\""
	assert_line --partial "HINT: then: sudo udevadm control --reload-rules && sudo udevadm trigger --name-match=kvm (or for this job's user only: sudo setfacl -m u:runner:rw /dev/kvm)"
	[ "$(json_field .setting.ci)" = github-actions ]
}

@test "live: a CI runner is told by its own environment; --collect keeps only the variables that tell the setting" {
	GITHUB_ACTIONS=true run "$KVM_OK" -v --no-probe
	assert_line --regexp '^INFO: \[info\] setting: setting: .*; GitHub Actions'
	GITLAB_CI=true run "$KVM_OK" --json --no-probe
	[ "$(jq -r .setting.ci <<<"$output")" = gitlab-ci ]
	run "$KVM_OK" --json --no-probe
	[ "$(jq -r .setting.ci <<<"$output")" = null ]
	SNAP_TMP=$(mktemp -d)
	GITHUB_ACTIONS=true KVMOK_TEST_SECRET=hidden run "$KVM_OK" -q --no-probe --collect "$SNAP_TMP/snap"
	assert_equal "$(cat "$SNAP_TMP/snap/environ")" "GITHUB_ACTIONS=true"
	run "$KVM_OK" --json --no-probe --sysroot "$SNAP_TMP/snap"
	[ "$(jq -r .setting.ci <<<"$output")" = github-actions ]
	rm -rf "$SNAP_TMP"
}

@test "intel-recorded-not-in-group: the recorded group and user decide: adduser alice kvm, no chgrp/chmod; the same as nobody" {
	expect intel-recorded-not-in-group 1 device-permission "Add the user to group kvm: adduser alice kvm, then log out and in again."
	refute_line --partial "chgrp"
	as_root=$output
	require_root_for_identity
	kvm_ok_on_host_as_nobody
	assert_equal "$output" "$as_root"
}

@test "a host's /dev/kvm of a group ID without a name: no 'adduser alice 993' (adduser takes names): the device gets group kvm first" {
	host_from_fixture intel-recorded-not-in-group
	sed -i 's/^group=kvm$/group=993/' "$HOST/dev/kvm.node"
	kvm_ok_on_host
	assert_failure 1
	assert_line "HINT: /dev/kvm is root:993 mode 0660: as root, chgrp kvm /dev/kvm && chmod 0660 /dev/kvm (Debian's udev rule does this at boot), then adduser alice kvm and log in again."
	refute_line --partial "adduser alice 993"
}

@test "a recorded node with a malformed ID is not read as root (0): the replaying user's own stays" {
	require_root_for_identity
	host_from_fixture intel-recorded-not-in-group
	sed -i 's/^euid=.*/euid=1000x/' "$HOST/dev/kvm.node"
	kvm_ok_on_host_as_nobody
	assert_failure 1
	assert_line "HINT: Add the user to group kvm: adduser alice kvm, then log out and in again."
	refute_line --partial "lets alice open it"
}

@test "the runner's fallback note and its refusal carry the setting's first hint" {
	host_from_fixture docker-device-cgroup-denied
	run "$RUNNER" --qemu "$FAKE_QEMU" --sysroot "$HOST" -- -m 256
	assert_success
	assert_line --partial "runner: hint: Docker's device cgroup refuses /dev/kvm (EPERM, even for root"
	run "$RUNNER" --qemu "$FAKE_QEMU" --sysroot "$HOST" --require-kvm -- -m 256
	[ "$status" -eq 4 ] || fail "exit $status: $output"
	assert_line --partial "HINT: Docker's device cgroup refuses /dev/kvm (EPERM, even for root"
}

@test "kvm-ok --all in a container: /dev/net/tun and /dev/vhost-net are passed with --device, not modprobe'd" {
	host_from_fixture docker-no-device
	kvm_ok_on_host --all
	assert_line --partial "HINT:   tun: Pass it into the container too: --device /dev/net/tun"
	assert_line --partial "HINT:   vhost-net: Pass it into the container too: --device /dev/vhost-net"
	refute_line --partial "modprobe vhost_net"
}

@test "every hint of every fixture host fits its line (none cut short)" {
	for dir in "$FIXTURES"/*/; do
		run "$KVM_OK" --sysroot "$dir" --json --all
		while IFS= read -r h; do
			[ "${#h}" -lt 319 ] || fail "$(basename "$dir"): a hint of ${#h} characters was cut: $h"
		done < <(jq -r '.hints[], (.readiness.checks[]?.hint // empty)' <<<"$output")
	done
}

@test "a snapshot of each container setting replays to the same verdict and hints, as root and as nobody" {
	require_root_for_identity
	for name in docker-no-device docker-device-cgroup-denied podman-rootless-userns lxc-device-denied \
		kubernetes-pod-no-device wsl2-no-systemd-permission ci-runner-not-in-kvm intel-recorded-not-in-group; do
		host_from_fixture "$name"
		run "$KVM_OK" --sysroot "$HOST"
		original=$output
		run "$KVM_OK" -q --sysroot "$HOST" --collect "$HOST_TMP/snap"
		chmod -R a+rX "$HOST_TMP/snap"
		run "$KVM_OK" --sysroot "$HOST_TMP/snap"
		[ "$output" = "$original" ] || fail "$name: the replay differs: $output"
		cp "$KVM_OK" "$HOST_TMP/kvm-ok"
		chmod 0755 "$HOST_TMP/kvm-ok"
		run setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$HOST_TMP/kvm-ok" --sysroot "$HOST_TMP/snap"
		[ "$output" = "$original" ] || fail "$name: the replay as nobody differs: $output"
		remove_host
	done
}

@test "libvirt-qemu-namespace-usable: libvirt's private /dev for QEMU (a tmpfs named devfs, PID 1's a devtmpfs) is no container" {
	host_from_fixture libvirt-qemu-namespace-usable
	run "$KVM_OK" --sysroot "$HOST" --json
	assert_success
	[ "$(jq -r .setting.container <<<"$output")" = null ] || fail "container: $(jq -r .setting.container <<<"$output")"
	[ "$(jq -r .setting.libvirt_qemu_namespace <<<"$output")" = true ]
	[ "$(jq -r .setting.dev_mount <<<"$output")" = tmpfs ]
	run "$KVM_OK" --sysroot "$HOST" -v
	assert_line --partial "setting: not in a container (QEMU's own namespace under libvirt: a private /dev)"
	refute_output --partial "Docker"
	# and where PID 1's /dev is a tmpfs too, the same mount is a container's
	remove_host
	host_from_fixture container-devfs-named-tmpfs
	run "$KVM_OK" --sysroot "$HOST" --json
	[ "$(jq -r .setting.container <<<"$output")" = container ]
	[ "$(jq -r .setting.libvirt_qemu_namespace <<<"$output")" = false ]
}

@test "docker-kvm-pvm-host-no-device: no VMX, but the kernel has the device: no-kvm-device and --device first, not no-cpu-support" {
	expect docker-kvm-pvm-host-no-device 1 no-kvm-device "docker run --device /dev/kvm IMAGE"
	assert_line "INFO: reason no-kvm-device: kvm_pvm is loaded but /dev/kvm does not exist"
	assert_line --partial "HINT: The kernel's device comes from kvm_pvm: once passed in"
	refute_output --partial "nested=1"
	run "$KVM_OK" --sysroot "$HOST" --format=prometheus
	assert_line "kvm_ok_device_visible 0"
	assert_line "kvm_ok_usable -1"
	run "$RUNNER" --qemu "$FAKE_QEMU" --sysroot "$HOST" --explain -- -m 1
	assert_line "kvm: no-kvm-device: kvm_pvm is loaded but /dev/kvm does not exist"
}

@test "modload in a container whose host kernel has the device (kvm_pvm, no VT): nothing to load, pass the device in, exit 0; never 'modprobe on the host'" {
	host_from_fixture docker-kvm-pvm-host-no-device
	run "$BUILD/modload" --sysroot "$HOST"
	assert_success
	assert_output "modload: nothing to load: the host's kernel has KVM already (its device 10:232 is registered, from kvm_pvm); only /dev/kvm is to be passed in. This is a Docker container and /dev/kvm was not passed in (the host's kernel has the device): start it with docker run --device /dev/kvm IMAGE, or in compose: devices: [\"/dev/kvm:/dev/kvm\"]. Do not mknod it here: the device cgroup would still refuse it."
	run "$BUILD/modload" --sysroot "$HOST" --quiet
	assert_success
	assert_output ""
}

@test "userns-dockerenv-machine: /.dockerenv beside only generic signs (a user namespace) names no Docker; Docker's storage in the mounts does" {
	host_from_fixture userns-dockerenv-machine
	run "$KVM_OK" --sysroot "$HOST" --json
	[ "$(jq -r .setting.container <<<"$output")" = container ] || fail "container: $(jq -r .setting.container <<<"$output")"
	run "$KVM_OK" --sysroot "$HOST"
	assert_line "INFO: setting: in a container, rootless (a user namespace, /.dockerenv); the kernel has the KVM device (10:232)"
	refute_output --partial "Docker"
	remove_host
	host_from_fixture docker-no-device
	run "$KVM_OK" --sysroot "$HOST"
	assert_line "INFO: setting: in a Docker container (Docker's storage in the mounts, /dev is a tmpfs, /.dockerenv); the kernel has the KVM device (10:232)"
}

@test "a snapshot keeps the signs of the setting: Docker's storage, PID 1's /dev; the replay names the same setting" {
	for fixture in docker-no-device libvirt-qemu-namespace-usable; do
		host_from_fixture "$fixture"
		snap=$HOST_TMP/snap
		run "$KVM_OK" -q --sysroot "$HOST" --collect "$snap"
		run "$KVM_OK" --sysroot "$HOST" --json
		want=$(jq -c .setting <<<"$output")
		run "$KVM_OK" --sysroot "$snap" --json
		assert_equal "$(jq -c .setting <<<"$output")" "$want"
		remove_host
	done
}

@test "a container ID in PID 1's cgroup is shown as docker ps shows it (12 digits), never cut in the middle" {
	host_from_fixture docker-no-device
	id=4f3c2a1b9e0d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b
	echo "0::/system.slice/docker-$id.scope" > "$HOST/proc/1/cgroup"
	run "$KVM_OK" --sysroot "$HOST"
	assert_line --partial "PID 1's cgroup /system.slice/docker-4f3c2a1b9e0d.scope"
	refute_output --partial "${id:0:13}"
}

@test "rootless, on a kvm_pvm host: the extra hint does not send root inside the user namespace to measure" {
	host_from_fixture podman-rootless-userns
	mkdir -p "$HOST/sys/module/kvm_pvm"
	run "$KVM_OK" --sysroot "$HOST"
	assert_line --partial "HINT: /dev/kvm here comes from kvm_pvm: even once you may open it, ordinary guests will be emulated, not accelerated (kvm-ok measures it once the device opens)."
	refute_output --partial "as root measures it"
}

@test "nspawn-kvm-pvm-no-sys-module: no /sys/module in nspawn: module state unknown, not 'not loaded'; the device decides modload --status; kvm_pvm's hint" {
	host_from_fixture nspawn-kvm-pvm-no-sys-module
	run "$KVM_OK" --sysroot "$HOST" -v
	assert_failure 1
	assert_line "INFO: [info] modules: KVM modules: unknown: /sys/module is not visible here (systemd-nspawn shows none); the device decides"
	assert_line "INFO: reason not-accelerated: /dev/kvm works but guest code runs 6054x slower than native: it is emulated, not accelerated"
	assert_line --partial "HINT: /dev/kvm here comes from kvm_pvm"
	refute_output --partial "not loaded"
	refute_output --partial "dmesg | grep -i kvm"
	run "$KVM_OK" --sysroot "$HOST" --json
	[ "$(jq -r .modules.kvm <<<"$output" 2>/dev/null || true)" != absent ] || fail "kvm absent in JSON"
	run "$BUILD/modload" --sysroot "$HOST" --status
	assert_success
	assert_line "kvm_amd: unknown (/sys/module is not visible here)"
	run "$BUILD/modload" --sysroot "$HOST" --status --json
	assert_success
	# the same host seen where /sys/module shows nothing loaded: not loaded, --status 3
	sed -i '/^modules: hidden$/d' "$HOST/SNAPSHOT"
	run "$BUILD/modload" --sysroot "$HOST" --status
	[ "$status" -eq 3 ] || fail "exit $status: $output"
	assert_line "kvm_amd: not loaded"
}

@test "a snapshot records whether /sys/module was visible (modules: visible on this host)" {
	snap=$(mktemp -d)/snap
	run "$KVM_OK" -q --collect "$snap"
	grep -qx "modules: visible" "$snap/SNAPSHOT" || fail "$(cat "$snap/SNAPSHOT")"
	rm -rf "$(dirname "$snap")"
}
