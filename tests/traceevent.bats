#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# The trace's JSON line (lib/traceevent.c) stays one whole object with its
# newline however long its "why": a cut line is one that jq and forktrace
# refuse, and one that the next event's line would run into.
# shellcheck disable=SC2154 # run sets output, lines

load helper

PROBE=$TOP/build/tests/traceevent_probe
FORKTRACE=$BIN/forktrace

setup() {
	[ -x "$PROBE" ] || fail "$PROBE is not built"
	need_tool jq jq
}

# why_of N TEXT: TEXT repeated N times, on standard output.
why_of() {
	local i
	for ((i = 0; i < $1; i++)); do printf '%s' "$2"; done
}

# one_line FILE: FILE is a single line, ends in a newline, fits the row.
one_line() {
	[ "$(wc -l <"$1")" -eq 1 ] || fail "$(wc -l <"$1") lines"
	[ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] ||
		fail "no newline at the end"
	[ "$(wc -c <"$1")" -le 1023 ] || fail "$(wc -c <"$1") bytes"
}

@test "a short why is written whole" {
	printf 'no FIN: 1 other holder' | "$PROBE" >"$BATS_TEST_TMPDIR/line"
	one_line "$BATS_TEST_TMPDIR/line"
	run jq -r .why "$BATS_TEST_TMPDIR/line"
	assert_success
	assert_output 'no FIN: 1 other holder'
}

@test "a why of 3000 ASCII bytes is cut to fit and ends in ..., the line whole" {
	why_of 3000 a | "$PROBE" >"$BATS_TEST_TMPDIR/line"
	one_line "$BATS_TEST_TMPDIR/line"
	run jq -r .why "$BATS_TEST_TMPDIR/line"
	assert_success
	# forktrace takes a why of 383 bytes at most: so long, "..." included.
	assert_regex "$output" '^a{380}\.\.\.$'
	run jq -r .event "$BATS_TEST_TMPDIR/line"
	assert_output close
}

@test "a long why of quotes, control and multibyte characters is cut between characters: valid UTF-8 that forktrace reads" {
	why_of 700 $'\xc3\xa9"\x01\xe2\x86\x92\xf0\x9f\x94\x8c\\' |
	    "$PROBE" >"$BATS_TEST_TMPDIR/line"
	one_line "$BATS_TEST_TMPDIR/line"
	iconv -f UTF-8 -t UTF-8 "$BATS_TEST_TMPDIR/line" >/dev/null ||
		fail "not UTF-8"
	run jq -j .why "$BATS_TEST_TMPDIR/line"
	assert_success
	# Control characters became '?'; the rest came through whole.
	assert_regex "$output" $'^(\xc3\xa9"\\?\xe2\x86\x92\xf0\x9f\x94\x8c\\\\)+'
	assert_regex "$output" '\.\.\.$'
	[ "$(printf '%s' "$output" | wc -c)" -le 383 ]
	# And forktrace, with its own strict reader, takes it too.
	run "$FORKTRACE" --text "$BATS_TEST_TMPDIR/line"
	assert_success
}
