#!/usr/bin/env bats
# runner --make-debian-root and --disk: Debian disks built with mmdebstrap,
# one as root, one as a normal user (--mode=unshare, in a user namespace of
# its subordinate IDs), at the same time; then each booted under TCG (the
# user's by the user), where its first-boot script reports the Debian
# version and powers the guest off.  Slow (two or three minutes); skipped
# where the Debian archive cannot be reached or without root; the user's
# build is skipped where the kernel gives that user no namespace (a chroot).

load helpers/common

MM_USER=kvmhost-mm	# the normal user of the unprivileged build, made (and removed) here

setup_file() {
	local top dir
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	dir=$BATS_FILE_TMPDIR
	# the guests run build/'s tools (not sanitized: the guest has no ASan
	# runtime); the sanitizer pass (BUILD=build-san) does not repeat them
	if [ "${BUILD:-$top/build}" != "$top/build" ]; then skip_later "the sanitizer pass does not repeat the VM guests"; return; fi
	if [ "$(id -u)" -ne 0 ]; then skip_later "needs root (debootstrap, and a user to add)"; return; fi
	for t in /usr/bin/mmdebstrap /usr/sbin/debootstrap /sbin/mkfs.ext4 /usr/bin/qemu-system-x86_64 /usr/bin/qemu-img /sbin/debugfs; do
		[ -x "$t" ] || { skip_later "$t is missing"; return; }
	done
	# one write, starting on a line of its own: systemd writes its status
	# lines to the same console meanwhile, and may be mid-line
	printf '#!/bin/sh\nprintf "\\n@@@ DEBIAN %%s %%s\\n" "$(cat /etc/debian_version)" "$(uname -r)" > /dev/console\nsystemctl poweroff\n' > "$dir/first-boot"
	chmod 644 "$dir/first-boot"
	user_ready > "$dir/user-ready.log" 2>&1 || skip_later "$(tail -n 1 "$dir/user-ready.log")" user-skip
	if ! skip_noted user-skip; then
		cp "$dir/first-boot" "$USER_DIR/first-boot"
		# a root password too: hashed in the user's namespace
		echo "kvmhost test password" > "$USER_DIR/root-password"
		chown "$MM_USER:" "$USER_DIR/root-password"
		chmod 600 "$USER_DIR/root-password"
		record_status "$dir/user-make.status" runuser -u "$MM_USER" -- "$top/build/runner" --make-debian-root \
			"$USER_DIR/debian.qcow2" --size 1500M --first-boot "$USER_DIR/first-boot" \
			--root-password-file "$USER_DIR/root-password" > "$dir/user-make.log" 2>&1 &
	fi
	record_status "$dir/make.status" "$top/build/runner" --make-debian-root "$dir/debian.img" --size 1500M \
		--first-boot "$dir/first-boot" > "$dir/make.log" 2>&1
	wait
	if [ "$(cat "$dir/make.status")" != 0 ] && grep -qE "Failed to fetch|Failed getting release file|Couldn't download|Could not resolve|unable to fetch" "$dir/make.log"; then
		skip_later "the Debian archive cannot be reached: $(grep -m1 -E 'Failed|download|resolve|fetch' "$dir/make.log")"
		return
	fi
	# the two boots side by side too (each QEMU is one TCG thread)
	skip_noted user-skip || boot "$USER_DIR/debian.qcow2" "$dir/user-boot" runuser -u "$MM_USER" -- &
	boot "$dir/debian.img" "$dir/boot"
	wait
}

# The normal user, its subordinate IDs and a directory of its own; says why
# not (and fails) where its build cannot run here.
user_ready() {
	if ! id "$MM_USER" >/dev/null 2>&1; then
		useradd -m -s /bin/sh "$MM_USER" || { echo "cannot add the user $MM_USER"; return 1; }
	fi
	if ! grep -q "^$MM_USER:" /etc/subuid; then
		usermod --add-subuids 300000-365535 --add-subgids 300000-365535 "$MM_USER" || { echo "cannot give $MM_USER subordinate IDs"; return 1; }
	fi
	[ -x /usr/bin/newuidmap ] || { echo "newuidmap is missing (uidmap)"; return 1; }
	runuser -u "$MM_USER" -- unshare --user true 2>/dev/null ||
		{ echo "the kernel gives $MM_USER no user namespace here (in a chroot it never does)"; return 1; }
	USER_DIR=$(mktemp -d /tmp/kvmhost-mm.XXXXXX)
	chmod 755 "$USER_DIR"
	chown "$MM_USER:" "$USER_DIR"
	echo "$USER_DIR" > "$BATS_FILE_TMPDIR/user-dir"
}

# boot IMAGE PREFIX [COMMAND...]: runner --disk under TCG, its status and output
boot() {
	local image=$1 prefix=$2 top
	shift 2
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	[ -f "$image" ] || { echo "no image made" > "$prefix.log"; echo none > "$prefix.status"; return 0; }
	# systemd's status lines show where a boot that does not finish stopped
	record_status "$prefix.status" "$@" env XDG_CACHE_HOME="$(dirname "$image")/cache" timeout 400 "$top/build/runner" \
		--accel=tcg --disk "$image" --append systemd.show_status=1 > "$prefix.log" 2>&1 < /dev/null
}

teardown_file() {
	if [ -f "$BATS_FILE_TMPDIR/user-dir" ]; then rm -rf "$(cat "$BATS_FILE_TMPDIR/user-dir")"; fi
	if id "$MM_USER" >/dev/null 2>&1; then userdel -r "$MM_USER" 2>/dev/null || true; fi
	sed -i "/^$MM_USER:/d" /etc/subuid /etc/subgid 2>/dev/null || true
}

setup() {
	skip_if_noted
	if [ -f "$BATS_FILE_TMPDIR/user-dir" ]; then USER_DIR=$(cat "$BATS_FILE_TMPDIR/user-dir"); fi
}

user_build_ready() {
	skip_if_noted user-skip
}

# A boot's report: the running release's Debian and a kernel (Debian 12:
# 12.x with 6.1, 13: 13.x with 6.12)
assert_booted() {
	local prefix=$1 major
	[ "$(cat "$prefix.status")" = 0 ] || fail "runner --disk exit status $(cat "$prefix.status") (124: stopped after 400 s); its last lines: $(tr -d '\r' < "$prefix.log" | tail -n 30)"
	major=$(cut -d. -f1 /etc/debian_version)
	grep -qE "^@@@ DEBIAN $major\.[0-9]+ [0-9]+\.[0-9]+\." <(tr -d '\r' < "$prefix.log") || fail "no Debian $major report from the guest: $(tail -n 30 "$prefix.log")"
	grep -qE "^runner: first guest output [0-9]+ ms after QEMU started$" "$prefix.log"
}

# Nothing of a build left: no private directory beside IMAGE, no work
# directory or log in /var/tmp, no bootstrapper still running.
assert_nothing_left() {
	local image=$1
	[ -z "$(ls -a "$(dirname "$image")" | grep -F ".$(basename "$image").runner-")" ] || fail "private directory left: $(ls -a "$(dirname "$image")")"
	[ -z "$(ls /var/tmp | grep '^runner-debian-root\.')" ] ||
		fail "work directory left in /var/tmp: $(ls -l /var/tmp; find /var/tmp/runner-debian-root.* -maxdepth 2 | head -n 40)${STOP_LOG:+; the build said: $(cat "$STOP_LOG")}"
	! pgrep -f "(mmdebstrap|debootstrap).*runner-debian-root" >/dev/null || fail "the bootstrapper still runs: $(pgrep -af 'mmdebstrap|debootstrap')"
}

@test "make-debian-root as root: mmdebstrap --mode=root, the image, its kernel and initramfs, step by step, nothing partial left" {
	dir=$BATS_FILE_TMPDIR
	[ "$(cat "$dir/make.status")" = 0 ] || fail "make-debian-root exit status $(cat "$dir/make.status"): $(tail -n 30 "$dir/make.log")"
	grep -q "^runner: \[1/5\] mmdebstrap --mode=root: a minimal Debian with systemd, then its kernel apart (its initramfs made once) (0 s)$" "$dir/make.log" || fail "$(cat "$dir/make.log")"
	for step in 2 3 4 5; do
		grep -q "^runner: \[$step/5\] " "$dir/make.log" || fail "no step $step: $(cat "$dir/make.log")"
	done
	[ -f "$dir/debian.img" ] && [ -f "$dir/debian.img.vmlinuz" ] && [ -f "$dir/debian.img.initrd" ] || fail "files missing"
	grep -q "^runner: $dir/debian.img made in [0-9]* s; boot it with: runner --disk $dir/debian.img$" "$dir/make.log"
	assert_nothing_left "$dir/debian.img"
}

@test "make-debian-root: root is locked, the hostname and fstab are set, etc/shadow stays root:shadow (read without mounting)" {
	img=$BATS_FILE_TMPDIR/debian.img
	run /sbin/debugfs -R "cat /etc/shadow" "$img"
	assert_line --regexp '^root:!:'
	run /sbin/debugfs -R "stat /etc/shadow" "$img"
	assert_line --regexp '^User: +0 +Group: +42 '
	run /sbin/debugfs -R "cat /etc/hostname" "$img"
	assert_line debian
	run /sbin/debugfs -R "cat /etc/fstab" "$img"
	assert_line --regexp '^/dev/vda[[:space:]]+/[[:space:]]+ext4'
}

@test "make-debian-root: the kernel, installed apart, is the one package asked for; what it needs is marked installed for it, as one apt run marks it" {
	img=$BATS_FILE_TMPDIR/debian.img
	kernel=linux-image-amd64
	run /sbin/debugfs -R "cat /var/lib/dpkg/status" "$img"
	assert_line "Package: $kernel"
	# apt's marks: what was installed only for another package is "auto"
	auto=$(/sbin/debugfs -R "cat /var/lib/apt/extended_states" "$img" 2>/dev/null |
		awk '/^Package:/ { p = $2 } /^Auto-Installed: 1/ { print p }' | sort | tr '\n' ' ')
	# initramfs-tools was asked for before the kernel, linux-base (Debian
	# 12) came with it: each is marked installed for another package
	for pkg in initramfs-tools kmod $(/sbin/debugfs -R "ls /usr/share/doc/linux-base" "$img" 2>/dev/null | grep -q copyright && echo linux-base); do
		[[ " $auto" == *" $pkg "* ]] || fail "$pkg is not marked automatically installed: $auto"
	done
	[[ " $auto" != *" $kernel "* ]] || fail "$kernel is marked automatically installed: $auto"
}

@test "make-debian-root: the initramfs is compressed as initramfs.conf says (COMPRESS=zstd), zstd installed for it, no fallback to gzip" {
	img=$BATS_FILE_TMPDIR/debian.img
	run /sbin/debugfs -R "cat /etc/initramfs-tools/initramfs.conf" "$img"
	assert_line COMPRESS=zstd
	run /sbin/debugfs -R "cat /var/lib/dpkg/status" "$img"
	assert_line "Package: zstd"
	# the main archive starts with a zstd frame's magic number, 28 b5 2f fd
	# (gzip's is 1f 8b), in the copy beside the image and in its /boot
	assert_equal "$(main_archive_magic "$img.initrd")" 28b52ffd
	run /sbin/debugfs -R "ls -p /boot" "$img"
	initrd=$(printf '%s\n' "${lines[@]}" | awk -F/ '$6 ~ /^initrd\.img-/ { print $6 }')
	[ -n "$initrd" ] || fail "no initrd.img in the image's /boot: $output"
	/sbin/debugfs -R "dump /boot/$initrd $BATS_TEST_TMPDIR/initrd" "$img" 2>/dev/null
	assert_equal "$(main_archive_magic "$BATS_TEST_TMPDIR/initrd")" 28b52ffd
}

# The first four bytes (hex) of an initramfs's main archive: past the
# uncompressed archives mkinitramfs may put first (newc cpio: "070701",
# then its entries, its TRAILER!!! entry and NULs; Debian 13's has one).
main_archive_magic() {
	local f=$1 off=0 trailer
	while [ "$(tail -c +$((off + 1)) "$f" | head -c 6 | od -An -tx1 | tr -d ' \n')" = 303730373031 ]; do
		trailer=$(tail -c +$((off + 1)) "$f" | LC_ALL=C grep -obUa -m1 'TRAILER!!!' | head -n 1 | cut -d: -f1)
		[ -n "$trailer" ] || { echo "an early archive with no end"; return; }
		off=$((off + trailer + 10))
		off=$((off + $(tail -c +$((off + 1)) "$f" | head -c 4096 | od -An -v -tx1 | tr -s ' \n' '\n\n' |
			awk 'NF { if ($1 != "00") { print n; found = 1; exit } n++ } END { if (!found) print n }')))
	done
	tail -c +$((off + 1)) "$f" | head -c 4 | od -An -tx1 | tr -d ' \n'
}

@test "runner --disk: the image boots under TCG, reports its Debian version, and powers off cleanly" {
	assert_booted "$BATS_FILE_TMPDIR/boot"
}

@test "make-debian-root as a normal user: mmdebstrap --mode=unshare, the files the user's, the tree owned by root inside, its root password hashed, nothing left" {
	user_build_ready
	dir=$BATS_FILE_TMPDIR
	[ "$(cat "$dir/user-make.status")" = 0 ] || fail "exit status $(cat "$dir/user-make.status"): $(tail -n 30 "$dir/user-make.log")"
	range=$(grep "^$MM_USER:" /etc/subuid | head -n 1 | awk -F: '{ print $2 "-" $2 + $3 - 1 }')
	grep -q "^runner: \[1/6\] mmdebstrap --mode=unshare, as $MM_USER in a user namespace of IDs $range: a minimal Debian with systemd, then its kernel apart (its initramfs made once) (0 s)$" "$dir/user-make.log" || fail "$(cat "$dir/user-make.log")"
	grep -q "^runner: \[5/6\] qemu-img convert: to qcow2" "$dir/user-make.log"
	grep -q "^runner: $USER_DIR/debian.qcow2 made in [0-9]* s; boot it with: runner --disk $USER_DIR/debian.qcow2$" "$dir/user-make.log"
	for f in debian.qcow2 debian.qcow2.vmlinuz debian.qcow2.initrd; do
		assert_equal "$(stat -c %U "$USER_DIR/$f")" "$MM_USER"
	done
	assert_nothing_left "$USER_DIR/debian.qcow2"
	qemu-img convert -O raw "$USER_DIR/debian.qcow2" "$dir/user.raw"
	run /sbin/debugfs -R "stat /etc/shadow" "$dir/user.raw"
	assert_line --regexp '^User: +0 +Group: +42 '
	# --root-password-file: a yescrypt hash, not the password
	run /sbin/debugfs -R "cat /etc/shadow" "$dir/user.raw"
	assert_line --regexp '^root:\$y\$[^:]+:[0-9]+:'
	refute_output --partial "kvmhost test password"
	hash=$(printf '%s\n' "$output" | sed -n 's/^root:\([^:]*\):.*/\1/p')
	assert_equal "$(perl -e 'print crypt($ARGV[0], $ARGV[1]) eq $ARGV[1] ? "matches" : "differs"' "kvmhost test password" "$hash")" matches
	run /sbin/debugfs -R "stat /usr/local/sbin/first-boot" "$dir/user.raw"
	assert_line --regexp '^User: +0 +Group: +0 '
	rm -f "$dir/user.raw"
}

@test "runner --disk as that user: its image boots under TCG and reports its Debian version" {
	user_build_ready
	assert_booted "$BATS_FILE_TMPDIR/user-boot"
}

@test "make-debian-root as a normal user: no subordinate IDs, debootstrap, a refused user namespace, a range newuidmap refuses: each says what to do, nothing made" {
	user_build_ready
	run runuser -u nobody -- "$BUILD/runner" --make-debian-root "$USER_DIR/n.img"
	assert_failure 1
	assert_output "runner: as a normal user, the Debian tree is made in a user namespace mapped to subordinate IDs, but /etc/subuid has no line for nobody: as root, usermod --add-subuids 100000-165535 --add-subgids 100000-165535 nobody (a range no other user has); or run --make-debian-root as root"
	run runuser -u "$MM_USER" -- "$BUILD/runner" --make-debian-root "$USER_DIR/n.img" --bootstrap debootstrap
	assert_failure 1
	assert_output "runner: --make-debian-root $USER_DIR/n.img: debootstrap needs root: sudo runner --make-debian-root ...; or, as a normal user, mmdebstrap --mode=unshare: apt-get install mmdebstrap uidmap"
	# as Docker's default seccomp profile does
	run runuser -u "$MM_USER" -- "$BUILD/test/deny-ioctl" unshare "$BUILD/runner" --make-debian-root "$USER_DIR/n.img"
	assert_failure 1
	assert_output --regexp "^runner: the kernel refused an unprivileged user namespace \(unshare: Operation not permitted\); .*; or run --make-debian-root as root$"
	# a range newuidmap refuses (it holds the user's own ID): its words, and
	# no child left waiting for maps that never come
	cp /etc/subuid "$BATS_FILE_TMPDIR/subuid"
	uid=$(id -u "$MM_USER")
	sed -i "s/^$MM_USER:.*/$MM_USER:$((uid - 1)):65536/" /etc/subuid
	run timeout 60 runuser -u "$MM_USER" -- "$BUILD/runner" --make-debian-root "$USER_DIR/n.img"
	cp "$BATS_FILE_TMPDIR/subuid" /etc/subuid
	assert_failure 1
	assert_output --regexp "^runner: /usr/bin/newuidmap [0-9]+ 0 $((uid - 1)) 65536 65536 $uid 1 failed \(exit status 1\): newuidmap: .+; it checks /etc/subuid$"
	[ -z "$(ls -a "$USER_DIR" | grep 'n\.img')" ] || fail "left: $(ls -a "$USER_DIR")"
}

@test "make-debian-root as a normal user, by the arm64 runner under qemu-user (as binfmt_misc runs it): the emulator's threads get no user namespace (EINVAL), and it says so" {
	user_build_ready
	[ -x "$TOP/build-arm64/runner" ] || skip "no cross build (make cross-arm64)"
	command -v qemu-aarch64 >/dev/null || skip "no qemu-aarch64 (package qemu-user)"
	run runuser -u "$MM_USER" -- qemu-aarch64 "$TOP/build-arm64/runner" --make-debian-root "$USER_DIR/e.img"
	assert_failure 1
	assert_output "runner: the kernel refused an unprivileged user namespace (unshare: Invalid argument); the kernel gives one only to a process of one thread, and this runner has more: an emulator's threads (qemu-user, as when binfmt_misc runs a runner of another architecture); or run --make-debian-root as root"
	[ -z "$(ls -a "$USER_DIR" | grep 'e\.img')" ] || fail "left: $(ls -a "$USER_DIR")"
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
	assert_output --partial "runner: [1/5] mmdebstrap --mode=root"
	[ -z "$(ls "$BATS_FILE_TMPDIR" | grep '^pipe\.img')" ] || fail "left behind: $(ls "$BATS_FILE_TMPDIR")"
	assert_nothing_left "$BATS_FILE_TMPDIR/pipe.img"
}

@test "make-debian-root: an existing image is refused" {
	run "$BUILD/runner" --make-debian-root "$BATS_FILE_TMPDIR/debian.img"
	assert_failure 1
	assert_output "runner: $BATS_FILE_TMPDIR/debian.img exists already: give a new image name"
}

@test "make-debian-root: a failing step says which, shows the bootstrapper's lines, and leaves nothing behind (mmdebstrap, debootstrap, a normal user's)" {
	suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
	for tool in mmdebstrap debootstrap; do
		run "$BUILD/runner" --make-debian-root "$BATS_FILE_TMPDIR/bad.img" --mirror http://127.0.0.1:9/debian --bootstrap $tool
		assert_failure 1
		assert_line --index 0 --partial "runner: [1/5] $tool"
		assert_line "runner: step 1 failed: $tool of $suite did not succeed; its last lines:"
		assert_line --regexp "^  \| "
		[ -z "$(ls -a "$BATS_FILE_TMPDIR" | grep 'bad\.img')" ] || fail "left behind: $(ls -a "$BATS_FILE_TMPDIR")"
		assert_nothing_left "$BATS_FILE_TMPDIR/bad.img"
	done
	! skip_noted user-skip || return 0
	# the user's tree is owned by its subordinate IDs: removed from the namespace
	run runuser -u "$MM_USER" -- "$BUILD/runner" --make-debian-root "$USER_DIR/bad.img" --mirror http://127.0.0.1:9/debian
	assert_failure 1
	assert_line "runner: step 1 failed: mmdebstrap of $suite did not succeed; its last lines:"
	[ -z "$(ls -a "$USER_DIR" | grep 'bad\.img')" ] || fail "left behind: $(ls -a "$USER_DIR")"
	assert_nothing_left "$USER_DIR/bad.img"
	# run from a directory closed to others, the runner cannot be the hook
	# of mmdebstrap's namespace (its root is not the user): one pass, said
	mkdir -m 700 "$USER_DIR/closed"
	cp "$BUILD/runner" "$USER_DIR/closed/runner"
	chown -R "$MM_USER:" "$USER_DIR/closed"
	run runuser -u "$MM_USER" -- "$USER_DIR/closed/runner" --make-debian-root "$USER_DIR/bad.img" --mirror http://127.0.0.1:9/debian
	rm -rf "$USER_DIR/closed"
	assert_failure 1
	assert_line --index 0 --regexp "^runner: \[1/5\] mmdebstrap --mode=unshare, as $MM_USER in a user namespace of IDs [0-9]+-[0-9]+: a minimal Debian with systemd and its kernel in one pass \(its initramfs made twice: $USER_DIR/closed is mode 700, closed to others\) \(0 s\)$"
	assert_line "runner: step 1 failed: mmdebstrap of $suite did not succeed; its last lines:"
	assert_nothing_left "$USER_DIR/bad.img"
}

# stop NAME SIGNAL [COMMAND...]: starts a build in $STOP_DIR, sends SIGNAL
# while the bootstrapper is at work, and checks the run ended as the signal
# would have, with nothing of it left
stop_build() {
	local name=$1 sig=$2 pid status private
	shift 2
	"$@" env --default-signal=INT "$BUILD/runner" --make-debian-root "$STOP_DIR/$name" --size 1500M > "$BATS_FILE_TMPDIR/log-$name" 2>&1 &
	pid=$!
	for _ in $(seq 100); do grep -q '^runner: \[1/5\]' "$BATS_FILE_TMPDIR/log-$name" && break; sleep 0.1; done
	sleep 3	# the bootstrapper is at work
	# meanwhile the partial files are in a directory no one else can enter
	private=$(ls -d "$STOP_DIR/.$name.runner-"*)
	assert_equal "$(stat -c %a "$private")" 700
	assert_equal "$(ls "$private" | tr '\n' ' ')" "image initrd vmlinuz "
	kill -s "$sig" "$(pgrep -f -n "^$BUILD/runner --make-debian-root $STOP_DIR/$name")"
	status=0
	wait "$pid" || status=$?
	[ "$status" = "$((128 + $(kill -l "$sig")))" ] || fail "status $status: $(cat "$BATS_FILE_TMPDIR/log-$name")"
	grep -q "^runner: stopped by signal $(kill -l "$sig") at step 1; its work directory and partial files are removed" \
		"$BATS_FILE_TMPDIR/log-$name" || fail "$(cat "$BATS_FILE_TMPDIR/log-$name")"
	[ -z "$(ls -a "$STOP_DIR" | grep -F "$name")" ] || fail "left: $(ls -a "$STOP_DIR")"
	STOP_LOG=$BATS_FILE_TMPDIR/log-$name assert_nothing_left "$STOP_DIR/$name"
}

@test "make-debian-root stopped by SIGTERM or SIGINT (as root and as a normal user): the bootstrapper stopped, the work directory and partial files removed, the signal's status" {
	STOP_DIR=$BATS_FILE_TMPDIR/stopped
	mkdir -p "$STOP_DIR"
	stop_build img-TERM TERM
	stop_build img-INT INT
	! skip_noted user-skip || return 0
	STOP_DIR=$USER_DIR
	stop_build img-user TERM runuser -u "$MM_USER" --
}

@test "make-debian-root killed outright (SIGKILL, no clean-up possible) while mmdebstrap has its mounts in the tree: they were never the host's, and the work directory left is plain files (rm -r, no umount)" {
	local pid child work="" seen after
	"$BUILD/runner" --make-debian-root "$BATS_FILE_TMPDIR/killed.img" --size 1500M > "$BATS_FILE_TMPDIR/log-killed" 2>&1 &
	pid=$!
	# mmdebstrap as root mounts /proc, /sys, /dev/pts ... in the tree
	for _ in $(seq 600); do
		child=$(pgrep -P "$pid" | head -n 1)
		work=$(grep -o ' /var/tmp/runner-debian-root\.[^/ ]*/proc ' "/proc/$child/mountinfo" 2>/dev/null | head -n 1 | sed 's,^ \(.*\)/proc $,\1,')
		[ -z "$work" ] || break
		sleep 0.1
	done
	# what this (the host's) namespace sees of them meanwhile, then the kill
	seen=$(grep -c " ${work:-none}/" /proc/self/mountinfo || true)
	kill -KILL "$pid" "-$child" 2>/dev/null || true
	wait "$pid" || true
	for _ in $(seq 50); do pgrep -g "$child" >/dev/null || break; sleep 0.1; done
	after=$(grep -c " ${work:-none}/" /proc/self/mountinfo || true)
	# (a failure leaves this machine without those mounts either)
	[ "$after" = 0 ] || grep -o " $work/[^ ]*" /proc/self/mountinfo | sort -r | xargs -r umount -l
	[ -n "$work" ] || fail "mmdebstrap never mounted /proc in the tree: $(cat "$BATS_FILE_TMPDIR/log-killed")"
	assert_equal "$seen" 0
	assert_equal "$after" 0
	[ -d "$work" ] || fail "no work directory $work (killed, the runner could not remove it)"
	rm -r "$work" "$work.log" "$BATS_FILE_TMPDIR"/.killed.img.runner-*
	assert_nothing_left "$BATS_FILE_TMPDIR/killed.img"
}
