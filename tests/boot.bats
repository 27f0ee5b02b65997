#!/usr/bin/env bats
# The boot path: the systemd unit and the LSB init script around
# modload --quiet.  A host that cannot run KVM (modload exit 4) is not a
# failed boot; any other failure is.

load helpers/common

setup() {
	STUB=$(mktemp -d /tmp/kvm-boot-test.XXXXXX)
	sed "s|@SBINDIR@|$STUB|g" "$TOP/modload/kvm-modload.init.in" > "$STUB/kvm-modload"
	chmod 0755 "$STUB/kvm-modload"
}

teardown() {
	rm -rf "$STUB"
}

# a stand-in modload that says one line and exits with STATUS
stub_modload() {
	printf '#!/bin/sh\necho "modload: stand-in $*" >&2\nexit %s\n' "$1" > "$STUB/modload"
	chmod 0755 "$STUB/modload"
}

@test "init script: modload exit 4 (this host cannot run KVM) is a successful start, said so" {
	[ -r /lib/lsb/init-functions ] || skip "/lib/lsb/init-functions is missing (sysvinit-utils)"
	stub_modload 4
	run "$STUB/kvm-modload" start
	assert_success
	assert_output --partial "not possible on this host, nothing loaded"
	assert_output --partial "modload: stand-in --quiet"
}

@test "init script: modload exit 1 fails the start; exit 0 succeeds" {
	[ -r /lib/lsb/init-functions ] || skip "/lib/lsb/init-functions is missing (sysvinit-utils)"
	stub_modload 1
	run "$STUB/kvm-modload" start
	assert_failure 1
	assert_output --partial "see: modload; kvm-ok"
	stub_modload 0
	run "$STUB/kvm-modload" start
	assert_success
	refute_output --partial "not possible"
}

@test "systemd unit: SuccessExitStatus=4, and the real modload here exits with a status the unit accepts" {
	unit=$TOP/modload/kvm-modload.service.in
	accepted="0 $(sed -n 's/^SuccessExitStatus=//p' "$unit")"
	assert_equal "$accepted" "0 4"
	grep -qx 'ExecStart=@SBINDIR@/modload --quiet' "$unit" || fail "the unit no longer runs modload --quiet"
	# this machine: no VMX in CPUID (kvm_pvm), no module tree: nothing to load
	run "$BUILD/modload" --quiet
	case " $accepted " in *" $status "*) ;; *) fail "modload --quiet exited $status, which fails the unit: $output" ;; esac
	[ "${#lines[@]}" -le 1 ] || fail "more than one journal line: $output"
}
