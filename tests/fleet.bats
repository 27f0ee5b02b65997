#!/usr/bin/env bats
# kvm-ok for fleets: Prometheus textfile metrics, node-feature-discovery
# labels, the Ansible fact script; colour only on a terminal; bash
# completion; make dist.

load helpers/common

teardown() {
	remove_host
	rm -rf "${WORK_TMP:-/nonexistent}"
}

@test "--format=prometheus: HELP and TYPE for every metric, the reason set, the speed ratio" {
	host_from_fixture amd-kvm-pvm-not-accelerated
	kvm_ok_on_host --format=prometheus
	assert_failure 1
	assert_line "# TYPE kvm_ok_usable gauge"
	assert_line "kvm_ok_usable 0"
	assert_line 'kvm_ok_reason{reason="not-accelerated"} 1'
	assert_line 'kvm_ok_reason{reason="usable"} 0'
	assert_line "kvm_ok_guest_speed_ratio 6054"
	# an AMD CPU without SVM: no extension published (a selector on it must not match)
	assert_line 'kvm_ok_info{version="'"$(cat "$TOP/VERSION")"'",cpu_vendor="AuthenticAMD",extension="none",cpuid_vt="false",cloud="none",instance_type=""} 1'
	# the exposition format: every sample's metric has HELP and TYPE lines before it
	awk '/^# HELP /{help[$3]=1} /^# TYPE /{type[$3]=1; if (!help[$3]) exit 1}
	     /^[a-z]/{m=$1; sub(/\{.*/, "", m); if (!type[m]) exit 1}' <<<"$output" || fail "a metric without HELP/TYPE"
	if command -v promtool >/dev/null; then
		promtool check metrics <<<"$output" || fail "promtool rejects the metrics"
	fi
	remove_host
	host_from_fixture intel-usable
	kvm_ok_on_host --format=prometheus
	assert_success
	assert_line "kvm_ok_usable 1"
}

@test "--format=nfd: node-feature-discovery labels, valid label values" {
	host_from_fixture intel-usable
	kvm_ok_on_host --format=nfd
	assert_success
	assert_line "feature.node.kubernetes.io/kvm-ok.usable=true"
	assert_line "feature.node.kubernetes.io/kvm-ok.accelerated=true"
	assert_line "feature.node.kubernetes.io/kvm-ok.reason=usable"
	assert_line "feature.node.kubernetes.io/kvm-ok.extension=vmx"
	assert_line "feature.node.kubernetes.io/kvm-ok.cpu-has-vt=true"
	remove_host
	host_from_fixture amd-kvm-pvm-not-accelerated
	kvm_ok_on_host --format=nfd
	assert_line "feature.node.kubernetes.io/kvm-ok.usable=false"
	assert_line "feature.node.kubernetes.io/kvm-ok.device=true"
	assert_line "feature.node.kubernetes.io/kvm-ok.accelerated=false"
	# the CPU has no SVM: no extension label at all
	assert_line "feature.node.kubernetes.io/kvm-ok.cpu-has-vt=false"
	refute_line --partial "kvm-ok.extension="
	while IFS='=' read -r name value; do
		[[ $name =~ ^feature\.node\.kubernetes\.io/[A-Za-z0-9._-]+$ ]] || fail "bad label name $name"
		[[ $value =~ ^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$ ]] || fail "bad label value $value"
	done <<<"$output"
}

@test "--format: an unknown format is a usage error" {
	run "$KVM_OK" --format=xml
	assert_failure 2
	assert_output --partial "kvm-ok: --format xml: give text, json, prometheus or nfd"
}

@test "the Ansible fact script prints kvm-ok's JSON and exits 0" {
	WORK_TMP=$(mktemp -d)
	sed "s|@BINDIR@|$BUILD|g" "$TOP/kvm-ok/kvm.fact.in" > "$WORK_TMP/kvm.fact"
	run sh "$WORK_TMP/kvm.fact"
	assert_success
	jq -e '.verdict and .reason' <<<"$output" >/dev/null || fail "not kvm-ok's JSON: $output"
}

@test "the Ansible fact script: kvm-ok missing, or failing without JSON, gives an object with the error, never {}" {
	WORK_TMP=$(mktemp -d)
	sed "s|@BINDIR@|$WORK_TMP/bin|g" "$TOP/kvm-ok/kvm.fact.in" > "$WORK_TMP/kvm.fact"
	run sh "$WORK_TMP/kvm.fact"
	assert_success
	[ "$(jq -r .error <<<"$output")" = "$WORK_TMP/bin/kvm-ok is missing or not executable: reinstall kvm-host-toolkit" ] ||
		fail "$output"
	[ "$(jq -c '[.verdict, .reason, .exit_status]' <<<"$output")" = '[null,null,null]' ]
	mkdir "$WORK_TMP/bin"
	printf '#!/bin/sh
echo "kvm-ok: crashed" >&2
exit 134
' > "$WORK_TMP/bin/kvm-ok"
	chmod 0755 "$WORK_TMP/bin/kvm-ok"
	run sh "$WORK_TMP/kvm.fact"
	assert_success
	[ "$(jq -r .exit_status <<<"$output")" = 134 ] || fail "$output"
	jq -e '.error | test("exit status 134")' <<<"$output" >/dev/null || fail "$output"
	rm -rf "$WORK_TMP"
}

@test "every documented JSON key is there whether or not the probe ran (null when unknown)" {
	host_from_fixture intel-usable
	kvm_ok_on_host --json
	full=$(jq -c '.probe | keys' <<<"$output")
	cpu=$(jq -c '.cpu | keys' <<<"$output")
	[ "$(jq -r .probe.slowdown <<<"$output")" != null ]
	for fixture in intel-module-not-loaded intel-device-permission intel-no-vt; do
		remove_host
		host_from_fixture "$fixture"
		kvm_ok_on_host --json
		[ "$(jq -c '.probe | keys' <<<"$output")" = "$full" ] || fail "$fixture: probe keys $(jq -c '.probe | keys' <<<"$output"), expected $full"
		[ "$(jq -c '.cpu | keys' <<<"$output")" = "$cpu" ] || fail "$fixture: cpu keys differ"
	done
	[ "$(jq -r .probe.slowdown <<<"$output")" = null ]
	[ "$(jq -r .probe.guest_finished <<<"$output")" = null ]
}

@test "colour only on a terminal, and never with NO_COLOR, TERM=dumb or no TERM" {
	command -v script >/dev/null || skip "no script(1)"
	host_from_fixture amd-kvm-pvm-not-accelerated
	kvm_ok_on_host
	[[ $output != *$'\e['* ]] || fail "colour on a pipe"
	TERM=xterm run script -qec "$KVM_OK --sysroot $HOST" /dev/null
	[[ $output == *$'\e[1;31mKVM acceleration can NOT be used\e[0m'* ]] || fail "no colour on a terminal: $output"
	[[ $output == *$'\e[1;33mHINT:\e[0m'* ]] || fail "hints not coloured"
	TERM=xterm NO_COLOR=1 run script -qec "$KVM_OK --sysroot $HOST" /dev/null
	[[ $output != *$'\e['* ]] || fail "colour despite NO_COLOR"
	TERM=dumb run script -qec "$KVM_OK --sysroot $HOST" /dev/null
	[[ $output != *$'\e['* ]] || fail "colour despite TERM=dumb"
	run env -u TERM script -qec "$KVM_OK --sysroot $HOST" /dev/null
	[[ $output != *$'\e['* ]] || fail "colour without TERM"
}

@test "bash completion offers each tool's options" {
	for tool in kvm-ok modload runner; do
		run bash -c 'source "$1"; COMP_WORDS=("$2" "--"); COMP_CWORD=1; f=$(complete -p "$2" | awk "{print \$3}"); $f; printf "%s\n" "${COMPREPLY[@]}"' _ "$TOP/completions/$tool" "$tool"
		assert_success
		case $tool in
		kvm-ok) assert_line --report; assert_line --collect; assert_line --format; assert_line --all ;;
		modload) assert_line --dry-run; assert_line --unload; assert_line --status ;;
		runner) assert_line --accel=kvm; assert_line --selftest; assert_line --explain
			assert_line --disk; assert_line --make-debian-root; assert_line --suite
			assert_line --root-password-file; assert_line --first-boot; assert_line --bootstrap ;;
		esac
	done
	run bash -c 'source "$1"; COMP_WORDS=(kvm-ok --format ""); COMP_CWORD=2; _kvm_ok; printf "%s\n" "${COMPREPLY[@]}"' _ "$TOP/completions/kvm-ok"
	assert_line prometheus
	assert_line nfd
}

# bash splits "--format=pr" into "--format" "=" "pr" (COMP_WORDBREAKS has "=")
complete_words() {
	run bash -c 'source "$1"; shift; f=$1; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); $f; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$@"
}

@test "bash completion: values after --format= and --accel=, the runner's disk options" {
	complete_words "$TOP/completions/kvm-ok" _kvm_ok kvm-ok --format = pr
	assert_output prometheus
	complete_words "$TOP/completions/kvm-ok" _kvm_ok kvm-ok --format =
	assert_line json
	assert_line nfd
	complete_words "$TOP/completions/runner" _runner runner --accel = t
	assert_output tcg
	complete_words "$TOP/completions/runner" _runner runner --accel =
	assert_line auto
	assert_line kvm
	complete_words "$TOP/completions/runner" _runner runner --make-debian-root img --suite b
	assert_line bookworm
	complete_words "$TOP/completions/runner" _runner runner --make-debian-root "$TOP/READ"
	assert_output "$TOP/README.md"
	complete_words "$TOP/completions/runner" _runner runner --disk "$TOP/VERS"
	assert_output "$TOP/VERSION"
}

@test "make dist: a tarball that builds" {
	git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1 || skip "not a git checkout"
	WORK_TMP=$(mktemp -d)
	run make -C "$TOP" --no-print-directory dist DISTDIR="$WORK_TMP"
	assert_success
	version=$(cat "$TOP/VERSION")
	tar -xzf "$WORK_TMP/kvm-host-toolkit-$version.tar.gz" -C "$WORK_TMP"
	[ -f "$WORK_TMP/kvm-host-toolkit-$version/Makefile" ] || fail "no Makefile in the tarball"
	run make -C "$WORK_TMP/kvm-host-toolkit-$version" --no-print-directory all
	assert_success
	run "$WORK_TMP/kvm-host-toolkit-$version/build/kvm-ok" --version
	assert_output "kvm-ok $version"
}

@test "--output FILE: written whole, 0644 whatever the umask, a link there replaced and never followed; the verdict's exit status" {
	WORK_TMP=$(mktemp -d)
	host_from_fixture intel-module-not-loaded
	echo "outside" > "$WORK_TMP/outside"
	ln -s "$WORK_TMP/outside" "$WORK_TMP/kvm-ok.prom"
	(umask 077 && "$KVM_OK" --sysroot "$HOST" --format=prometheus --output "$WORK_TMP/kvm-ok.prom") && status=0 || status=$?
	[ "$status" -eq 1 ] || fail "exit $status: the verdict (cannot be used) is 1"
	[ ! -L "$WORK_TMP/kvm-ok.prom" ] || fail "the link is still there"
	[ "$(cat "$WORK_TMP/outside")" = outside ] || fail "the link was followed"
	[ "$(stat -c %a "$WORK_TMP/kvm-ok.prom")" = 644 ] || fail "mode $(stat -c %a "$WORK_TMP/kvm-ok.prom")"
	grep -qx "kvm_ok_usable 0" "$WORK_TMP/kvm-ok.prom"
	run "$KVM_OK" --sysroot "$HOST" --format=prometheus
	assert_equal "$(cat "$WORK_TMP/kvm-ok.prom")" "$output"
	[ -z "$(find "$WORK_TMP" -name '.kvm-ok.prom.*')" ] || fail "a temporary file was left"
	rm -rf "$WORK_TMP"
}

@test "--output FILE that cannot be written: exit 3, the old file intact, no temporary left" {
	[ "$(id -u)" -eq 0 ] || skip "needs root for a tiny tmpfs"
	WORK_TMP=$(mktemp -d)
	run "$KVM_OK" --no-probe --format=prometheus --output "$WORK_TMP/missing/kvm-ok.prom"
	assert_failure 3
	assert_output "kvm-ok: --output $WORK_TMP/missing/kvm-ok.prom: its directory $WORK_TMP/missing: No such file or directory"
	# a full file system: the old file stays as it was
	mkdir "$WORK_TMP/full"
	unshare --mount --propagation private true 2>/dev/null || skip "unshare --mount is not permitted here"
	run unshare --mount --propagation private -- sh -c '
		mount -t tmpfs -o size=4k tmpfs "$1" && echo old > "$1/kvm-ok.prom" &&
		head -c 3000 /dev/zero > "$1/filler" 2>/dev/null
		"$2" --no-probe --all --json --output "$1/kvm-ok.prom"; echo "status $?"
		cat "$1/kvm-ok.prom"; ls -A "$1"' sh "$WORK_TMP/full" "$KVM_OK"
	assert_line "status 3"
	assert_line --regexp "^kvm-ok: --output $WORK_TMP/full/kvm-ok.prom: No space left on device: nothing replaced$"
	assert_line "old"
	refute_line --regexp '^\.kvm-ok\.prom\.'
	rm -rf "$WORK_TMP"
}

@test "the textfile collector's units: systemd-analyze verify passes, and their command's exit statuses are the ones the service accepts" {
	unit=$TOP/kvm-ok/kvm-ok-textfile.service.in
	assert_equal "$(sed -n 's/^SuccessExitStatus=//p' "$unit")" "1 2"
	grep -qx "ExecStart=@BINDIR@/kvm-ok --format=prometheus --output /var/lib/prometheus/node-exporter/kvm-ok.prom" "$unit" ||
		fail "the unit's command changed"
	grep -q '^WantedBy=timers.target' "$TOP/kvm-ok/kvm-ok-textfile.timer"
	WORK_TMP=$(mktemp -d)
	sed "s|@BINDIR@|$BUILD|g" "$unit" > "$WORK_TMP/kvm-ok-textfile.service"
	cp "$TOP/kvm-ok/kvm-ok-textfile.timer" "$WORK_TMP/"
	if command -v systemd-analyze >/dev/null; then
		run systemd-analyze verify --man=no "$WORK_TMP/kvm-ok-textfile.service" "$WORK_TMP/kvm-ok-textfile.timer"
		assert_success
	fi
	# the command, as the unit runs it, into a directory of the test's own
	command=$(sed -n "s|^ExecStart=||p" "$WORK_TMP/kvm-ok-textfile.service" | sed "s|/var/lib/prometheus/node-exporter|$WORK_TMP|")
	# shellcheck disable=SC2086
	run $command
	[[ " 0 1 2 " == *" $status "* ]] || fail "exit $status fails the unit: $output"
	grep -q "^kvm_ok_usable " "$WORK_TMP/kvm-ok.prom"
	rm -rf "$WORK_TMP"
}
