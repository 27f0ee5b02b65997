#!/usr/bin/env bats
# Replaying an untrusted snapshot: an archive is replayed directly (unpacked
# safely, removed afterwards), and nothing in an image, archive or
# directory, makes kvm-ok read outside it.

load helpers/common

setup() {
	WORK=$(mktemp -d)
	chmod 0755 "$WORK"
	before_tmp=$(ls -d /tmp/kvm-ok-replay.* 2>/dev/null | wc -l)
}

teardown() {
	rm -rf "$WORK"
	[ -z "${HOST_TMP:-}" ] || remove_host
}

assert_no_replay_left() {
	assert_equal "$(ls -d /tmp/kvm-ok-replay.* 2>/dev/null | wc -l)" "$before_tmp"
}

@test "--sysroot host.tar.gz replays the archive --collect wrote: the same report as its directory" {
	host_from_fixture intel-report-full
	run "$KVM_OK" -q --sysroot "$HOST" --collect "$WORK/host.tar.gz"
	run "$KVM_OK" --sysroot "$HOST" --report
	original=$output
	run "$KVM_OK" --sysroot "$WORK/host.tar.gz" --report
	assert_equal "$output" "$original"
	run "$KVM_OK" --sysroot "$WORK/host.tar.gz" --json
	assert_equal "$(jq -r .reason <<<"$output")" usable
	assert_no_replay_left
}

@test "--sysroot ARCHIVE refuses absolute members, '..' members and device files, and leaves nothing" {
	mkdir -p "$WORK/img/proc"
	echo "processor : 0" > "$WORK/img/proc/cpuinfo"
	tar -czf "$WORK/abs.tar.gz" -P -C / etc/hostname "$WORK/img/proc/cpuinfo" 2>/dev/null
	run "$KVM_OK" --sysroot "$WORK/abs.tar.gz"
	assert_failure 2
	assert_output --partial "the archive holds an absolute member or one with \"..\""
	tar -czf "$WORK/dotdot.tar.gz" -C "$WORK/img" --transform 's|^proc|../../proc|' proc 2>/dev/null
	run "$KVM_OK" --sysroot "$WORK/dotdot.tar.gz"
	assert_failure 2
	assert_output --partial "the archive holds an absolute member or one with \"..\""
	if [ "$(id -u)" -eq 0 ]; then
		mkdir -p "$WORK/img/dev"
		mknod "$WORK/img/dev/kvm" c 1 3
		tar -czf "$WORK/dev.tar.gz" -C "$WORK" img
		run "$KVM_OK" --sysroot "$WORK/dev.tar.gz"
		assert_failure 2
		assert_output --partial "the archive holds a member that is not a file, directory or symlink"
	fi
	echo "not an archive" > "$WORK/junk.tar.gz"
	run "$KVM_OK" --sysroot "$WORK/junk.tar.gz"
	assert_failure 2
	assert_output --partial "cannot list it: not a gzip-compressed tar archive"
	assert_no_replay_left
}

@test "a snapshot's symlinks never lead outside it: /etc, /proc/self, DMI, cpuinfo, report" {
	host_from_fixture intel-report-full
	secret=$WORK/secret
	echo "SECRET-OUTSIDE-THE-IMAGE" > "$secret"
	ln -sfn "$secret" "$HOST/sys/class/dmi/id/product_name"
	ln -sfn "$secret" "$HOST/proc/sys/kernel/osrelease"
	ln -sfn /proc/self/environ "$HOST/proc/cmdline"
	ln -sfn ../../../../../../../../../../"$secret" "$HOST/sys/class/dmi/id/sys_vendor"
	SECRET_ENV=SECRET-OUTSIDE-THE-IMAGE run "$KVM_OK" --sysroot "$HOST" --report
	refute_output --partial "SECRET-OUTSIDE-THE-IMAGE"
	run "$KVM_OK" --sysroot "$HOST" --report --json
	refute_output --partial "SECRET-OUTSIDE-THE-IMAGE"
	# the same links in an archive
	tar -czf "$WORK/host.tar.gz" -C "$HOST_TMP" intel-report-full
	run "$KVM_OK" --sysroot "$WORK/host.tar.gz" --report
	refute_output --partial "SECRET-OUTSIDE-THE-IMAGE"
	assert_no_replay_left
}

@test "a symlink inside the image resolves inside it, as if the image were /" {
	host_from_fixture intel-report-full
	mkdir -p "$HOST/elsewhere"
	mv "$HOST/sys/class/dmi/id/product_name" "$HOST/elsewhere/product_name"
	ln -s /elsewhere/product_name "$HOST/sys/class/dmi/id/product_name"
	run "$KVM_OK" --sysroot "$HOST" --report
	assert_line "Product name: $(cat "$HOST/elsewhere/product_name")"
}

@test "libpci and libcpuid are not given paths that leave the image" {
	host_from_fixture intel-report-full
	dev=$(ls "$HOST/sys/bus/pci/devices" | head -n 1)
	[ -n "$dev" ] || skip "the fixture has no PCI device"
	ln -sfn "$WORK/secret" "$HOST/sys/bus/pci/devices/$dev/vendor"
	echo "0x1234" > "$WORK/secret"
	run "$KVM_OK" --sysroot "$HOST" --report
	assert_line --partial "leads outside the host image"
	refute_line --partial " 1234:"
	ln -sfn /etc/passwd "$HOST/cpuid.raw"
	run "$KVM_OK" --sysroot "$HOST" --report
	refute_output --partial "root:x:0:0"
}

@test "without openat2 (old kernels, seccomp filters), a link out of the image is refused all the same" {
	host_from_fixture intel-report-full
	echo "SECRET-OUTSIDE-THE-IMAGE" > "$WORK/secret"
	ln -sfn "$WORK/secret" "$HOST/sys/class/dmi/id/product_name"
	ln -sfn ../../../../../../../../../.."$WORK/secret" "$HOST/sys/class/dmi/id/sys_vendor"
	KVMHOST_TEST_NO_OPENAT2=1 run "$BUILD/test/kvm-ok" --sysroot "$HOST" --report
	refute_output --partial "SECRET-OUTSIDE-THE-IMAGE"
	assert_line "Board name: $(cat "$HOST/sys/class/dmi/id/board_name")"	# the rest is read as before
}
