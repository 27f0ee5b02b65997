#!/usr/bin/env bats
# runner --make-debian-root and --disk: a Debian disk built with debootstrap,
# then booted under TCG; its first-boot script reports the Debian version
# and powers the guest off.  Slow (a few minutes); skipped where the Debian
# archive cannot be reached or without root.

load helpers/common

setup_file() {
	local top dir
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	dir=$BATS_FILE_TMPDIR
	# the guests run build/'s tools (not sanitized: the guest has no ASan
	# runtime); the sanitizer pass (BUILD=build-san) does not repeat them
	if [ "${BUILD:-$top/build}" != "$top/build" ]; then echo "the sanitizer pass does not repeat the VM guests" > "$BATS_FILE_TMPDIR/skip"; return; fi
	if [ "$(id -u)" -ne 0 ]; then echo "needs root (debootstrap)" > "$dir/skip"; return; fi
	for t in /usr/sbin/debootstrap /sbin/mkfs.ext4 /usr/bin/qemu-system-x86_64 /sbin/debugfs; do
		[ -x "$t" ] || { echo "$t is missing" > "$dir/skip"; return; }
	done
	# one write, starting on a line of its own: systemd writes its status
	# lines to the same console meanwhile, and may be mid-line
	printf '#!/bin/sh\nprintf "\\n@@@ DEBIAN %%s %%s\\n" "$(cat /etc/debian_version)" "$(uname -r)" > /dev/console\nsystemctl poweroff\n' > "$dir/first-boot"
	record_status "$dir/make.status" "$top/build/runner" --make-debian-root "$dir/debian.img" --size 1500M \
		--first-boot "$dir/first-boot" > "$dir/make.log" 2>&1
	if [ "$(cat "$dir/make.status")" != 0 ] && grep -qE "Failed getting release file|Couldn't download|Could not resolve|unable to fetch" "$dir/make.log"; then
		echo "the Debian archive cannot be reached: $(grep -m1 -E 'Failed|download|resolve|fetch' "$dir/make.log")" > "$dir/skip"
		return
	fi
	[ -f "$dir/debian.img" ] || { echo "no image made" > "$dir/boot.log"; echo none > "$dir/boot.status"; return 0; }
	# systemd's status lines show where a boot that does not finish stopped
	record_status "$dir/boot.status" env XDG_CACHE_HOME="$dir/cache" timeout 400 "$top/build/runner" --accel=tcg \
		--disk "$dir/debian.img" --append systemd.show_status=1 > "$dir/boot.log" 2>&1 < /dev/null
}

setup() {
	if [ -f "$BATS_FILE_TMPDIR/skip" ]; then skip "$(cat "$BATS_FILE_TMPDIR/skip")"; fi
}

@test "make-debian-root: the image, its kernel and initramfs, step by step, nothing partial left" {
	dir=$BATS_FILE_TMPDIR
	[ "$(cat "$dir/make.status")" = 0 ] || fail "make-debian-root exit status $(cat "$dir/make.status"): $(tail -n 30 "$dir/make.log")"
	for step in 1 2 3 4 5; do
		grep -q "^runner: \[$step/5\] " "$dir/make.log" || fail "no step $step: $(cat "$dir/make.log")"
	done
	[ -f "$dir/debian.img" ] && [ -f "$dir/debian.img.vmlinuz" ] && [ -f "$dir/debian.img.initrd" ] || fail "files missing"
	[ ! -e "$dir/debian.img.partial" ] || fail "a partial image was left"
	grep -q "^runner: $dir/debian.img made in [0-9]* s; boot it with: runner --disk $dir/debian.img$" "$dir/make.log"
}

@test "make-debian-root: root is locked, the hostname and fstab are set (read without mounting)" {
	img=$BATS_FILE_TMPDIR/debian.img
	run /sbin/debugfs -R "cat /etc/shadow" "$img"
	assert_line --regexp '^root:!:'
	run /sbin/debugfs -R "cat /etc/hostname" "$img"
	assert_line debian
	run /sbin/debugfs -R "cat /etc/fstab" "$img"
	assert_line --regexp '^/dev/vda[[:space:]]+/[[:space:]]+ext4'
}

@test "runner --disk: the image boots under TCG, reports its Debian version, and powers off cleanly" {
	dir=$BATS_FILE_TMPDIR
	[ "$(cat "$dir/boot.status")" = 0 ] || fail "runner --disk exit status $(cat "$dir/boot.status") (124: stopped after 400 s); its last lines: $(tr -d '\r' < "$dir/boot.log" | tail -n 30)"
	# the running release by default (Debian 12: 12.x with 6.1, 13: 13.x with 6.12)
	major=$(cut -d. -f1 /etc/debian_version)
	grep -qE "^@@@ DEBIAN $major\.[0-9]+ [0-9]+\.[0-9]+\." <(tr -d '\r' < "$dir/boot.log") || fail "no Debian $major report from the guest: $(tail -n 30 "$dir/boot.log")"
	grep -qE "^runner: first guest output [0-9]+ ms after QEMU started$" "$dir/boot.log"
}

@test "make-debian-root: --size is checked before anything starts (1G to 16T, K/M/G/T)" {
	for size in 99999999999999999999G 512M 0G 17T 2 G 2X; do
		run "$BUILD/runner" --make-debian-root "$BATS_FILE_TMPDIR/size.img" --size "$size"
		assert_failure 2
		assert_output "runner: --size $size: give a size from 1G to 16T, a number with K, M, G or T (2G, 1500M)"
	done
	[ -z "$(ls "$BATS_FILE_TMPDIR" | grep '^size\.img')" ] || fail "left behind: $(ls "$BATS_FILE_TMPDIR")"
}

@test "make-debian-root: the default suite is the running release's; where os-release names none (sid) or another OS, --suite is asked for" {
	printf 'PRETTY_NAME="Debian GNU/Linux trixie/sid"\nNAME="Debian GNU/Linux"\nID=debian\n' > "$BATS_FILE_TMPDIR/sid"
	run unshare -m sh -c 'mount --bind "$1" /etc/os-release && exec "$2" --make-debian-root "$3"' sh \
		"$BATS_FILE_TMPDIR/sid" "$BUILD/runner" "$BATS_FILE_TMPDIR/sid.img"
	assert_failure 2
	assert_output "runner: --make-debian-root: the running release is the default suite, but /etc/os-release names no release (VERSION_CODENAME=): give one with --suite (bookworm, trixie)"
	printf 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=noble\n' > "$BATS_FILE_TMPDIR/ubuntu"
	run unshare -m sh -c 'mount --bind "$1" /etc/os-release && exec "$2" --make-debian-root "$3"' sh \
		"$BATS_FILE_TMPDIR/ubuntu" "$BUILD/runner" "$BATS_FILE_TMPDIR/sid.img"
	assert_failure 2
	assert_output --partial "/etc/os-release says this is not Debian (ID=ubuntu)"
	[ ! -e "$BATS_FILE_TMPDIR/sid.img" ] && [ ! -e "$BATS_FILE_TMPDIR/sid.img.partial" ]
}

@test "make-debian-root with its messages into a closed pipe (| head -n 1): stopped, nothing left behind" {
	# SIGPIPE ended the run where it stood: IMAGE.partial and the work
	# directory in /var/tmp stayed
	run bash -c '"$1" --make-debian-root "$2" --size 1G 2>&1 | head -n 1' _ "$BUILD/runner" "$BATS_FILE_TMPDIR/pipe.img"
	assert_output --partial "runner: [1/5] debootstrap"
	[ -z "$(ls "$BATS_FILE_TMPDIR" | grep '^pipe\.img')" ] || fail "left behind: $(ls "$BATS_FILE_TMPDIR")"
	[ -z "$(ls /var/tmp | grep '^runner-debian-root\.')" ] || fail "work directory left in /var/tmp"
	[ -z "$(pgrep -f "debootstrap.*$BATS_FILE_TMPDIR")" ] || fail "debootstrap still runs"
}

@test "make-debian-root: an existing image is refused" {
	run "$BUILD/runner" --make-debian-root "$BATS_FILE_TMPDIR/debian.img"
	assert_failure 1
	assert_output "runner: $BATS_FILE_TMPDIR/debian.img exists already: give a new image name"
}

@test "make-debian-root: a failing step says which, shows debootstrap's lines, and leaves nothing behind" {
	run "$BUILD/runner" --make-debian-root "$BATS_FILE_TMPDIR/bad.img" --mirror http://127.0.0.1:9/debian
	assert_failure 1
	assert_line --partial "runner: step 1 failed: debootstrap of $(. /etc/os-release && echo "$VERSION_CODENAME") did not succeed; its last lines:"
	assert_line --regexp "^  \| "
	[ -z "$(ls "$BATS_FILE_TMPDIR" | grep '^bad\.img')" ] || fail "left behind: $(ls "$BATS_FILE_TMPDIR")"
	[ -z "$(ls /var/tmp | grep '^runner-debian-root\.')" ] || fail "work directory left in /var/tmp"
}

@test "make-debian-root stopped by SIGTERM or SIGINT: debootstrap stopped, the work directory and partial files removed, the signal's status" {
	dir=$BATS_FILE_TMPDIR/stopped
	mkdir -p "$dir"
	for sig in TERM INT; do
		before=$(ls -d /var/tmp/runner-debian-root.* 2>/dev/null | wc -l)
		env --default-signal=INT "$BUILD/runner" --make-debian-root "$dir/img-$sig" --size 1500M > "$dir/log-$sig" 2>&1 &
		pid=$!
		for _ in $(seq 100); do grep -q '^runner: \[1/5\]' "$dir/log-$sig" && break; sleep 0.1; done
		sleep 2	# debootstrap is at work
		kill -s "$sig" "$pid"
		status=0
		wait "$pid" || status=$?
		assert_equal "$status" "$((128 + $(kill -l "$sig")))"
		grep -q "^runner: stopped by signal $(kill -l "$sig") at step 1; its work directory and partial files are removed" \
			"$dir/log-$sig" || fail "$(cat "$dir/log-$sig")"
		assert_equal "$(ls -d /var/tmp/runner-debian-root.* 2>/dev/null | wc -l)" "$before"
		[ -z "$(ls "$dir" | grep "img-$sig")" ] || fail "left: $(ls "$dir")"
		! pgrep -f "debootstrap.*runner-debian-root" >/dev/null || fail "debootstrap still runs"
	done
}
