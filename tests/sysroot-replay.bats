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

@test "--sysroot ARCHIVE: a name with a colon is a local file, never a remote archive (no rsh)" {
	host_from_fixture intel-report-full
	run "$KVM_OK" -q --sysroot "$HOST" --collect "$WORK/snap-2026-12-02T14:05.tar.gz"
	run "$KVM_OK" --sysroot "$WORK/snap-2026-12-02T14:05.tar.gz" --json
	assert_equal "$(jq -r .reason <<<"$output")" usable
	# "host:snap.tar.gz" relative to the current directory: that file, no remote host
	cp "$WORK/snap-2026-12-02T14:05.tar.gz" "$WORK/host:snap.tar.gz"
	cd "$WORK"
	run "$KVM_OK" --sysroot "host:snap.tar.gz" --json
	assert_equal "$(jq -r .reason <<<"$output")" usable
	run "$KVM_OK" --sysroot "nohost:snap.tar.gz"
	assert_failure 2
	assert_output "kvm-ok: --sysroot nohost:snap.tar.gz: No such file or directory; give a snapshot written by kvm-ok --collect"
	assert_no_replay_left
}

@test "--sysroot ARCHIVE: a FIFO, a symlink or a file too large for a snapshot is refused at once, before tar reads it" {
	# a FIFO passed the listing and then unpacked what another process fed it
	mkfifo "$WORK/fifo.tar.gz"
	run timeout 10 "$KVM_OK" --sysroot "$WORK/fifo.tar.gz"
	assert_failure 2
	assert_output --partial "--sysroot $WORK/fifo.tar.gz: not a regular file;"
	host_from_fixture intel-report-full
	run "$KVM_OK" -q --sysroot "$HOST" --collect "$WORK/real.tar.gz"
	ln -s "$WORK/real.tar.gz" "$WORK/link.tar.gz"
	run "$KVM_OK" --sysroot "$WORK/link.tar.gz"
	assert_failure 2
	assert_output --partial "it is a symbolic link: give the archive itself"
	truncate -s 65M "$WORK/huge.tar.gz"
	run "$KVM_OK" --sysroot "$WORK/huge.tar.gz"
	assert_failure 2
	assert_output --partial "larger than a snapshot can be (64 MiB)"
	assert_no_replay_left
}

@test "--sysroot ARCHIVE: a gzip bomb and a sparse member claiming 20 GiB are refused from the listing, in bounded time, nothing unpacked" {
	mkdir -p "$WORK/bomb/proc" "$WORK/sparse/proc"
	head -c 80M /dev/zero > "$WORK/bomb/proc/cpuinfo"
	tar -czf "$WORK/bomb.tar.gz" -C "$WORK" bomb
	rm -rf "$WORK/bomb"
	[ "$(stat -c %s "$WORK/bomb.tar.gz")" -lt 1000000 ] || fail "the bomb is not small"
	run timeout 60 "$KVM_OK" --sysroot "$WORK/bomb.tar.gz"
	assert_failure 2
	assert_output --partial "the archive holds a member too large to be one (more than 64 MiB)"
	# many members within the bound, too much together
	mkdir -p "$WORK/many/proc"
	for i in 1 2 3; do head -c 50M /dev/zero > "$WORK/many/proc/f$i"; done
	tar -czf "$WORK/many.tar.gz" -C "$WORK" many
	rm -rf "$WORK/many"
	run timeout 60 "$KVM_OK" --sysroot "$WORK/many.tar.gz"
	assert_failure 2
	assert_output --partial "the archive holds more data than a snapshot (more than 128 MiB)"
	truncate -s 20G "$WORK/sparse/proc/cpuinfo"
	tar --sparse -czf "$WORK/sparse.tar.gz" -C "$WORK" sparse
	rm -rf "$WORK/sparse"
	SECONDS=0
	run timeout 60 "$KVM_OK" --sysroot "$WORK/sparse.tar.gz"
	assert_failure 2
	assert_output --partial "the archive holds a member too large to be one (more than 64 MiB)"
	[ "$SECONDS" -lt 20 ] || fail "took $SECONDS s"
	assert_no_replay_left
}

@test "--collect keeps an AMD host's VM_CR (MSR 0xc0010114) as text, not a 3 GiB sparse file: a small archive, the same firmware verdict" {
	host_from_fixture amd-svm-disabled
	run "$KVM_OK" -v --sysroot "$HOST"
	original=$(grep "firmware:" <<<"$output")
	[ -n "$original" ] || fail "no firmware line: $output"
	run "$KVM_OK" -q --sysroot "$HOST" --collect "$WORK/amd.tar.gz"
	[ "$(stat -c %s "$WORK/amd.tar.gz")" -lt 100000 ] || fail "archive of $(stat -c %s "$WORK/amd.tar.gz") bytes"
	run tar -tvzf "$WORK/amd.tar.gz"
	assert_line --regexp " snapshot/dev/cpu/0/msr\.value$"
	refute_line --regexp " snapshot/dev/cpu/0/msr$"
	tar -xzf "$WORK/amd.tar.gz" -C "$WORK" snapshot/dev/cpu/0/msr.value
	assert_equal "$(cat "$WORK/snapshot/dev/cpu/0/msr.value")" "0xc0010114 0x0000000000000018"
	run "$KVM_OK" -v --sysroot "$WORK/amd.tar.gz"
	assert_equal "$(grep "firmware:" <<<"$output")" "$original"
	# a malformed or foreign record is not read as a value
	printf '0x3a 0x5\n' > "$WORK/snapshot/dev/cpu/0/msr.value"
	cp -r "$HOST/." "$WORK/image"
	rm -rf "$WORK/image/dev/cpu"
	mkdir -p "$WORK/image/dev/cpu/0"
	cp "$WORK/snapshot/dev/cpu/0/msr.value" "$WORK/image/dev/cpu/0/"
	run "$KVM_OK" -v --sysroot "$WORK/image"
	assert_line --regexp "^INFO: \[unknown\] firmware: VM_CR \(MSR 0xc0010114\) not read: /dev/cpu/0/msr: "
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

@test "without openat2, nothing outside the image is even opened: a file or a device node is looked at through O_PATH only" {
	# the fallback opened the file (O_RDONLY|O_NONBLOCK, a device's open
	# included) and refused it only afterwards
	command -v strace >/dev/null || skip "no strace"
	host_from_fixture intel-report-full
	echo "SECRET-OUTSIDE-THE-IMAGE" > "$WORK/secret"
	mkfifo "$WORK/fifo"
	ln -sfn "$WORK/secret" "$HOST/sys/class/dmi/id/product_name"
	ln -sfn "$WORK/fifo" "$HOST/sys/class/dmi/id/sys_vendor"
	ln -sfn /dev/zero "$HOST/sys/class/dmi/id/board_vendor"
	rm -f "$HOST/proc/cpuinfo"
	ln -sfn "$WORK/secret" "$HOST/proc/cpuinfo"
	# (LeakSanitizer cannot work under ptrace: the sanitizer pass checks the rest)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" KVMHOST_TEST_NO_OPENAT2=1 \
		run timeout 60 strace -f -y -e trace=open,openat -o "$WORK/trace" \
		"$BUILD/test/kvm-ok" --sysroot "$HOST" --report
	refute_output --partial "SECRET-OUTSIDE-THE-IMAGE"
	# every descriptor on a file outside the image is an O_PATH one
	opened=$(grep -E "= [0-9]+<($WORK/(secret|fifo)|/dev/zero)>" "$WORK/trace" | grep -v O_PATH || true)
	[ -z "$opened" ] || fail "opened outside the image: $opened"
	grep -qE "O_PATH.* = [0-9]+<$WORK/secret>" "$WORK/trace" || fail "the link was not even looked at: $(grep -c . "$WORK/trace") lines traced"
}

@test "a snapshot of the first format (dev/kvm.node without uid, gid, euid) replays as its collector saw it, whoever replays" {
	host_from_fixture snapshot-v1-node-without-ids
	run "$KVM_OK" --sysroot "$HOST"
	assert_failure 1
	assert_line "INFO: reason device-permission: /dev/kvm: permission denied (group kvm; runner is not a member)"
	assert_line "HINT: Add the user to group kvm: adduser runner kvm, then log out and in again."
	refute_output --partial "lets runner open it"
	as_root=$output
	if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
		kvm_ok_on_host_as_nobody
		assert_equal "$output" "$as_root"
	fi
}
