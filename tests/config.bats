#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines
# The config file: every bad file is refused with status 78 and one line
# "forkechod: FILE:LINE: reason", good files start the server, and the
# command line wins over the file.  tests/conf-bad/ is the corpus of bad
# files; the first line of each says what it must be refused with.

load helper

teardown() {
	stop_server
}

# refused FILE MESSAGE: forkechod -t -c FILE exits 78 with exactly
# "forkechod: MESSAGE" on stderr and nothing on stdout.
refused() {
	run --separate-stderr "$SERVER" -t -c "$1"
	assert_failure 78
	assert_output ''
	[ "$stderr" = "forkechod: $2" ] || {
		echo "want: forkechod: $2" >&2
		echo "got:  $stderr" >&2
		return 1
	}
}

@test "every file of the bad-config corpus is refused at its line with its reason" {
	local f expect n=0
	for f in "$TOP"/tests/conf-bad/*.conf; do
		expect=$(sed -n '1s/^# expect: //p' "$f")
		[ -n "$expect" ] || fail "$f has no '# expect:' first line"
		refused "$f" "$f:$expect"
		n=$((n + 1))
	done
	# The corpus itself must not shrink unnoticed.
	[ "$n" -ge 10 ]
}

@test "a line longer than 8192 characters is refused at its line" {
	local f=$BATS_TEST_TMPDIR/long.conf
	{
		echo "# fine"
		printf 'trace-json = /tmp/%09000d\n' 0
	} >"$f"
	refused "$f" "$f:2: line longer than 8192 characters"
}

@test "a 2000-character file name is read whole and judged by its setting" {
	# The line limit leaves room for long paths: what refuses this one
	# is trace-json's own limit, at its line, not a cut-off line.
	local f=$BATS_TEST_TMPDIR/path.conf name
	name=/tmp/$(printf '%02000d' 0)
	printf '# fine\ntrace-json = %s\n' "$name" >"$f"
	refused "$f" "$f:2: trace-json: '${name:0:60}' is not a file name (1 to 1023 characters)"
}

@test "-c /dev/zero ends at once with an error at line 1" {
	# It was once read as one endless line, into ever more memory.
	run --separate-stderr timeout $((5 * SLOW)) "$SERVER" -t -c /dev/zero
	assert_failure 78
	assert_output ''
	[ "$stderr" = "forkechod: /dev/zero:1: not text (NUL byte)" ]
}

@test "an endless line is refused at its line without being read whole" {
	# An endless stream of x: no newline and no NUL ever comes.  The
	# reading stops at the limit; the writer then gets SIGPIPE.
	# shellcheck disable=SC2016 # expanded by the inner bash
	run --separate-stderr timeout $((5 * SLOW)) bash -c \
	    'tr "\0" x </dev/zero | "$1" -t -c /dev/stdin' - "$SERVER"
	assert_failure 78
	[ "$stderr" = "forkechod: /dev/stdin:1: line longer than 8192 characters" ]
}

@test "a line too long for memory, then bad lines, is refused at that line" {
	# Under a low memory limit, the line that did not fit was once
	# taken for the end of the file, and the file was OK.  Now nothing
	# depends on the limit: the line is refused at its limit either way.
	[ "${FORKECHO_SUITE:-}" != sanitize ] ||
		skip "ASan maps more than the memory limit allows"
	skip_under_valgrind "memcheck maps more than the memory limit allows"
	# shellcheck disable=SC2016 # expanded by the inner bash
	run --separate-stderr timeout $((10 * SLOW)) bash -c '
		ulimit -v 200000 || exit 99
		{ tr "\0" x </dev/zero | head -c 300000000
		  printf "\nno equals sign here\nworkers = many\n"; } |
		    "$1" -t -c /dev/stdin' - "$SERVER"
	assert_failure 78
	[ "$stderr" = "forkechod: /dev/stdin:1: line longer than 8192 characters" ]
}

@test "a failed read is a config error, never the end of the file" {
	# /proc/self/mem opens, and reading at offset 0 fails with EIO.
	refused /proc/self/mem "read /proc/self/mem: Input/output error"
}

@test "binary garbage is refused as not text" {
	local f=$BATS_TEST_TMPDIR/garbage.conf
	printf 'workers = 3\nmo\000del = fork\n' >"$f"
	refused "$f" "$f:2: not text (NUL byte)"
}

@test "a missing file is refused with the open error" {
	refused "$BATS_TEST_TMPDIR/none.conf" \
	    "open $BATS_TEST_TMPDIR/none.conf: No such file or directory"
}

@test "a directory is refused with the read error" {
	refused "$BATS_TEST_TMPDIR" "read $BATS_TEST_TMPDIR: Is a directory"
}

@test "an unreadable file is refused with the open error" {
	local f=$BATS_TEST_TMPDIR/secret.conf
	echo "workers = 3" >"$f"
	chmod 000 "$f"
	if [ "$(id -u)" -ne 0 ]; then
		refused "$f" "open $f: Permission denied"
		return
	fi
	# Root reads anything: ask as nobody, with the path reachable.
	need_tool setpriv util-linux
	local copy
	copy=$(reachable "$SERVER")
	run --separate-stderr setpriv --reuid=65534 --regid=65534 \
	    --clear-groups "$copy" -t -c "$f"
	assert_failure 78
	[ "$stderr" = "forkechod: open $f: Permission denied" ]
}

@test "an empty file is valid: the defaults" {
	local f=$BATS_TEST_TMPDIR/empty.conf
	: >"$f"
	run --separate-stderr "$SERVER" -t -c "$f"
	assert_success
	assert_output "forkechod: configuration OK: $f"
}

@test "the sample config passes -t" {
	run --separate-stderr "$SERVER" -t -c "$TOP/conf/forkechod.conf"
	assert_success
	assert_output "forkechod: configuration OK: $TOP/conf/forkechod.conf"
}

@test "comments, blank lines and spaces around = are allowed" {
	local f=$BATS_TEST_TMPDIR/spaced.conf
	printf '\n# a comment\n  model=prefork   # trailing\n\tworkers =\t2\n\n' >"$f"
	echo "listen = 127.0.0.1:0" >>"$f"
	start_server -c "$f"
	wait_until 5 workers_are 2
}

@test "the command line overrides the file" {
	local f=$BATS_TEST_TMPDIR/pool.conf
	printf 'model = prefork\nworkers = 2\nlisten = 127.0.0.1:0\n' >"$f"
	start_server -c "$f" -w 3
	wait_until 5 workers_are 3
	# ... and a --listen on the command line replaces the file's.
	stop_server
	printf 'listen = 127.0.0.1:1\n' >"$f"
	start_server -c "$f" -l 127.0.0.1:0
	[ "$PORT" -ne 1 ]
}

# workers_are N: the server has exactly N children.
workers_are() {
	[ "$(children_of "$SERVER_PID" | wc -l)" -eq "$1" ]
}

@test "a trace-json file named in the config file is written" {
	# The value outlives the line it was read from (it was once a
	# pointer into the freed line buffer).
	local f=$BATS_TEST_TMPDIR/traced.conf
	printf 'listen = 127.0.0.1:0\ntrace-json = %s\n' \
	    "$BATS_TEST_TMPDIR/trace.json" >"$f"
	start_server -c "$f"
	run --separate-stderr timeout 10 "$CLIENT" -m hi 127.0.0.1 "$PORT"
	assert_success
	wait_until 5 grep -q '"event":"close"' "$BATS_TEST_TMPDIR/trace.json"
	grep -q "\"event\":\"listen\",\"fd\":[0-9]*,\"addr\":\"127.0.0.1 $PORT\"" \
	    "$BATS_TEST_TMPDIR/trace.json"
}

@test "a line of exactly 8192 characters is read; 8193 are refused" {
	local f=$BATS_TEST_TMPDIR/edge.conf pad
	# "model = fork #" is 14 characters; the comment fills the rest.
	pad=$(printf '%08178d' 0)
	printf 'model = fork #%s\n' "$pad" >"$f"
	run --separate-stderr "$SERVER" -t -c "$f"
	assert_success
	printf 'model = fork #%s1\n' "$pad" >"$f"
	refused "$f" "$f:1: line longer than 8192 characters"
}

@test "settings in one file that contradict each other are a config error (78)" {
	local f=$BATS_TEST_TMPDIR/contra.conf
	printf 'model = prefork\nparent-shutdown = rdwr@1\n' >"$f"
	refused "$f" "$f: --parent-shutdown and --accept-in workers: the parent never holds a connection's socket (try --accept-in parent)"
}

@test "a key the file may not hold is never suggested" {
	local f=$BATS_TEST_TMPDIR/near.conf
	echo "confg = /etc/x.conf" >"$f"
	refused "$f" "$f:1: unknown key 'confg'"
}

@test "-t checks that the --user exists" {
	local f=$BATS_TEST_TMPDIR/user.conf
	echo "user = no-such-user-here" >"$f"
	refused "$f" "--user no-such-user-here: no such user"
}

@test "the sample config shows every key a file may hold" {
	local key missing=()
	while read -r key; do
		case $key in config | check-config | help | version | lessons) continue ;; esac
		grep -Eq "^#?$key = " "$TOP/conf/forkechod.conf" || missing+=("$key")
	done < <("$SERVER" -h | grep -Eo -- '--[a-z-]+' | sed 's/^--//' | sort -u)
	[ "${#missing[@]}" -eq 0 ] || fail "not in conf/forkechod.conf: ${missing[*]}"
}
