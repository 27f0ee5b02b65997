# guest.bash - reading a test guest's serial console (tests/vm/guest-init):
# "@@@ CMD <command>", its output, "@@@ EXIT <status>", for vm.bats and
# vm-arm64.bats.  A guest's log is $BATS_FILE_TMPDIR/NAME.log.

# The output of the Nth run (default 1st) of a command in a guest's log,
# then its exit status in $guest_status.
guest_run() {
	local log=$BATS_FILE_TMPDIR/$1.log cmd=$2 nth=${3:-1}
	grep -q "^@@@ END" "$log" || fail "the $1 guest did not finish: $(tail -n 20 "$log")"
	output=$(awk -v cmd="@@@ CMD $cmd" -v nth="$nth" '
		$0 == cmd { n++; if (n == nth) { on = 1; next } }
		on && /^@@@ EXIT / { print "@@@ status " $3; exit }
		on && !/^\[/ { print }' < <(tr -d '\r' < "$log"))
	guest_status=$(sed -n 's/^@@@ status //p' <<<"$output")
	output=$(sed '/^@@@ status /d' <<<"$output")
	mapfile -t lines <<<"$output"
	[ -n "$guest_status" ] || fail "no run $nth of \"$cmd\" in the $1 guest"
}

# The last guest_run's status is $1, or the test fails with its output.
assert_guest_status() {
	[ "$guest_status" = "$1" ] || fail "exit $guest_status, not $1: $output"
}
