#!/usr/bin/env bats
# kvm-ok's options, exit statuses and output forms.

load helpers/common

teardown() {
	remove_host
}

@test "--help lists every option and the exit statuses, exit 0" {
	run "$KVM_OK" --help
	assert_success
	for opt in --quiet --verbose --json --no-probe --sysroot --help --version; do
		assert_output --partial -- "$opt"
	done
	assert_output --partial "Exit status: 0 KVM acceleration can be used, 1 it can NOT be used"
}

@test "--version prints the version from VERSION" {
	run "$KVM_OK" --version
	assert_success
	assert_output "kvm-ok $(cat "$TOP/VERSION")"
}

@test "an unknown option is a usage error: exit 2, usage on stderr" {
	run "$KVM_OK" --frobnicate
	assert_failure 2
	assert_output --partial "Usage: kvm-ok"
}

@test "a stray argument is a usage error: exit 2" {
	run "$KVM_OK" extra
	assert_failure 2
	assert_output --partial 'kvm-ok: unexpected argument "extra"'
}

@test "--sysroot to a missing directory: exit 2 with the path and the error" {
	run "$KVM_OK" --sysroot /nonexistent/host
	assert_failure 2
	assert_output "kvm-ok: --sysroot /nonexistent/host: No such file or directory; give the directory of a host image"
}

@test "--sysroot to a file: exit 2, not a directory" {
	run "$KVM_OK" --sysroot "$TOP/VERSION"
	assert_failure 2
	assert_output --partial "not a directory"
}

@test "-q prints nothing and keeps the exit status" {
	host_from_fixture amd-kvm-pvm-not-accelerated
	kvm_ok_on_host -q
	assert_failure 1
	assert_output ""
	remove_host
	host_from_fixture intel-usable
	kvm_ok_on_host --quiet
	assert_success
	assert_output ""
}

@test "-v shows every check with its state; the default shows only the decisive ones" {
	host_from_fixture amd-kvm-pvm-not-accelerated
	kvm_ok_on_host
	refute_line --partial "kernel 6.18.44-fc-v669"
	kvm_ok_on_host -v
	assert_line "INFO: [info] kernel: kernel 6.18.44-fc-v669 removes the svm flag from /proc/cpuinfo when firmware disables SVM"
	assert_line "INFO: [skip] firmware: firmware lock bits not read: the CPU reports no VMX/SVM"
	assert_line "INFO: [pass] api-version: KVM_GET_API_VERSION: 12"
}

@test "--no-probe: the device is not tested, so the verdict is unknown (exit 2), never usable" {
	host_from_fixture intel-usable
	kvm_ok_on_host --no-probe
	assert_failure 2
	assert_line "INFO: reason not-probed: /dev/kvm exists but was not probed, so acceleration is not proven"
	assert_equal "${lines[-1]}" "KVM acceleration can NOT be used"
}

@test "--json: one object with verdict, reason, hints, checks, cpu and probe" {
	host_from_fixture amd-kvm-pvm-not-accelerated
	kvm_ok_on_host --json
	assert_failure 1
	assert_equal "$(jq -r .verdict <<<"$output")" unusable
	assert_equal "$(jq -r .reason <<<"$output")" not-accelerated
	assert_equal "$(jq -r .cpu.vendor <<<"$output")" AuthenticAMD
	assert_equal "$(jq -r .cpu.hypervisor_signature <<<"$output")" KVMKVMKVM
	assert_equal "$(jq -r .probe.recorded <<<"$output")" true
	assert_equal "$(jq -r .probe.guest_ns_per_iteration <<<"$output")" 1513.5
	assert_equal "$(jq -r '.checks[] | select(.name=="acceleration") | .state' <<<"$output")" fail
	assert_equal "$(jq -r '.sysroot' <<<"$output")" "$HOST"
}

@test "a malformed probe record is named, with its line, and the verdict is unknown" {
	host_from_fixture intel-usable
	echo "guest_ns_per_iteration=fast" >> "$HOST/kvm-probe"
	kvm_ok_on_host
	assert_failure 2
	assert_line --partial "no probe outcome: $HOST/kvm-probe: guest_ns_per_iteration: \"fast\" is not a positive number"
}

@test "a broken cpuid.raw is reported, and the device probe still decides" {
	host_from_fixture intel-usable
	printf 'version=0.6.2\nthis is not cpuid\n' > "$HOST/cpuid.raw"
	kvm_ok_on_host -v
	assert_success
	assert_line --partial "INFO: [unknown] cpu: CPUID could not be read: $HOST/cpuid.raw: "
	assert_line --partial "not understood"
}

@test "make install: the udev rule only where udev has no rule for kvm (UDEV_RULE=auto), else no rules directory at all" {
	dest=$(mktemp -d)
	printf 'KERNEL=="kvm", GROUP="kvm", MODE="0660"\n' > "$dest/50-udev-default.rules"
	run make -C "$TOP" --no-print-directory install DESTDIR="$dest/root" PREFIX=/usr UDEV_DEFAULT_RULES="$dest/50-udev-default.rules"
	assert_success
	assert_line "(65-kvm.rules not installed: UDEV_RULE=auto; udev's own 50-udev-default.rules gives /dev/kvm to group kvm)"
	[ ! -e "$dest/root/usr/lib/udev" ] || fail "an empty udev directory was made: $(find "$dest/root/usr/lib/udev")"
	rm -rf "$dest/root"
	run make -C "$TOP" --no-print-directory install DESTDIR="$dest/root" PREFIX=/usr UDEV_DEFAULT_RULES="$dest/none.rules"
	assert_success
	[ -f "$dest/root/usr/lib/udev/rules.d/65-kvm.rules" ] || fail "no rule where udev has none: $output"
	rm -rf "$dest"
}

@test "make install honours DESTDIR and PREFIX; make uninstall removes what it installed" {
	dest=$(mktemp -d)
	run make -C "$TOP" --no-print-directory install DESTDIR="$dest" PREFIX=/opt/kvmtk UDEV_RULE=yes
	assert_success
	for f in bin/kvm-ok sbin/modload bin/runner lib/kvm-host-toolkit/microguest.elf share/man/man1/runner.1 \
		share/man/man1/kvm-ok.1 share/man/man8/modload.8 share/bash-completion/completions/kvm-ok \
		share/bash-completion/completions/modload share/bash-completion/completions/runner \
		lib/systemd/system/kvm-modload.service lib/udev/rules.d/65-kvm.rules \
		lib/systemd/system/kvm-ok-textfile.service lib/systemd/system/kvm-ok-textfile.timer; do
		[ -f "$dest/opt/kvmtk/$f" ] || fail "not installed: $f"
	done
	[ -x "$dest/etc/init.d/kvm-modload" ] || fail "no init script"
	[ -x "$dest/etc/ansible/facts.d/kvm.fact" ] || fail "no Ansible fact script"
	[ -x "$dest/usr/share/bug/kvm-host-toolkit/script" ] || fail "no reportbug hook"
	grep -qx "ExecStart=/opt/kvmtk/sbin/modload --quiet" "$dest/opt/kvmtk/lib/systemd/system/kvm-modload.service" ||
		fail "the unit does not run the installed modload"
	grep -qx "MODLOAD=/opt/kvmtk/sbin/modload" "$dest/etc/init.d/kvm-modload" || fail "the init script does not run the installed modload"
	grep -qx "ExecStart=/opt/kvmtk/bin/kvm-ok --format=prometheus --output /var/lib/prometheus/node-exporter/kvm-ok.prom" \
		"$dest/opt/kvmtk/lib/systemd/system/kvm-ok-textfile.service" || fail "the textfile unit does not run the installed kvm-ok"
	run "$dest/opt/kvmtk/bin/kvm-ok" --version
	assert_output "kvm-ok $(cat "$TOP/VERSION")"
	run make -C "$TOP" --no-print-directory uninstall DESTDIR="$dest" PREFIX=/opt/kvmtk UDEV_RULE=yes
	assert_success
	[ -z "$(find "$dest" -type f)" ] || fail "left behind: $(find "$dest" -type f)"
	rm -rf "$dest"
}

@test "--probe-timeout: out of range is a usage error" {
	run "$KVM_OK" --probe-timeout 5
	assert_failure 2
	assert_output "kvm-ok: --probe-timeout 5: give milliseconds from 10 to 60000"
}

@test "--probe-timeout sets the bound reported and used" {
	host_from_fixture intel-device-not-kvm
	KVMHOST_TEST_HANG=open run "$BUILD/test/kvm-ok" --sysroot "$HOST" --probe-timeout 120
	assert_failure 1
	assert_line "INFO: /dev/kvm hangs: no answer within 120 ms, nor within 1200 ms on a second try, during open (the probe process was not short of CPU)"
}
