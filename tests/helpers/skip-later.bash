# skip-later.bash - skipping a suite, or a part of it, decided in setup_file
#
# bats before 1.9 (Debian 12's is 1.8.2) cannot skip from setup_file: it
# reports "setup_file failed".  setup_file notes the reason with
# skip_later; setup, or the tests it concerns, skip with skip_if_noted.
# NAME (default: skip) tells apart reasons that cover part of a suite.

# skip_later REASON [NAME]
skip_later() {
	echo "$1" > "$BATS_FILE_TMPDIR/${2:-skip}"
}

# skip_if_noted [NAME]: skips the test with the noted reason, if any
skip_if_noted() {
	if skip_noted "${1:-skip}"; then skip "$(cat "$BATS_FILE_TMPDIR/${1:-skip}")"; fi
}

# skip_noted [NAME]: true when a reason is noted
skip_noted() {
	[ -f "$BATS_FILE_TMPDIR/${1:-skip}" ]
}
