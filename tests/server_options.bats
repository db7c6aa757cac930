#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# Command-line errors: one line naming the input, status 64.  Help and
# version.

# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines
load helper

# bad_option EXPECTED-TEXT ARGS...: forkechod ARGS exits 64 and its first
# line of stderr names EXPECTED-TEXT.
bad_option() {
	local want=$1
	shift
	run --separate-stderr timeout 10 "$SERVER" "$@"
	assert_failure 64
	[[ ${stderr_lines[0]} == forkechod:\ *"$want"* ]] || {
		echo "stderr was: $stderr"
		return 1
	}
	# The usage synopsis follows the one line.
	[[ ${stderr_lines[1]} == usage:\ forkechod* ]]
}

@test "an unknown flag is refused with status 64, naming it" {
	bad_option "unknown option --bogus" --bogus
}

@test "a near-miss long option suggests the real one" {
	bad_option "did you mean --max-children?" --max-childern 3
}

@test "port 70000 is refused with status 64, naming it" {
	bad_option "127.0.0.1:70000: port '70000' is not a number from 0 to 65535" \
	    -l 127.0.0.1:70000
}

@test "--max-children 0 is refused with status 64, naming it" {
	bad_option "--max-children: '0' is not a whole number" --max-children 0
}

@test "absurd --workers and --max-children values are refused with status 64, naming them" {
	local v
	for v in 100000 99999999999999999999 -1 1e3 0x10 ' 4' ''; do
		bad_option "--max-children: '$v' is not a whole number from 1 to 65536" \
		    -l 127.0.0.1:0 --max-children "$v"
		bad_option "--workers: '$v' is not a whole number from 1 to 1024" \
		    -l 127.0.0.1:0 -m prefork --workers "$v"
	done
}

@test "an address that does not parse is refused with status 64" {
	bad_option "::1:7007: write IPv6 addresses as [ADDR]:PORT" -l ::1:7007
	bad_option "[::1: expected [IPV6]:PORT" -l '[::1'
	bad_option "999.1.1.1:7: " -l 999.1.1.1:7
}

@test "a missing argument is refused with status 64" {
	bad_option "--listen needs an argument (ADDR:PORT)" --listen
	bad_option "-l needs an argument" -l
}

@test "an operand is refused with status 64" {
	bad_option "unexpected argument 'extra'" extra
}

@test "a bad number of seconds is refused with status 64" {
	bad_option "--drain-timeout: 'soon' is not a number of seconds" \
	    --drain-timeout soon
	bad_option "--drain-timeout: '-1' is not a number of seconds" \
	    --drain-timeout=-1
}

@test "-h prints the synopsis and every option, and exits 0" {
	run --separate-stderr "$SERVER" -h
	assert_success
	[[ ${lines[0]} == "usage: forkechod "* ]]
	assert_output --partial "--max-children N"
	assert_output --partial "--drain-timeout SECS"
}

@test "-V prints the version and exits 0" {
	run "$SERVER" -V
	assert_success
	assert_output --regexp '^forkechod [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "usage() repeats the man page's SYNOPSIS" {
	need_mandoc
	assert_equal "$(usage_text "$SERVER")" "$(man_synopsis "$TOP/docs/forkechod.8")"
}
