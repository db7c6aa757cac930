#!/usr/bin/env bats
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

@test "a line longer than 1024 characters is refused at its line" {
	local f=$BATS_TEST_TMPDIR/long.conf
	{
		echo "# fine"
		printf 'trace-json = /tmp/%02000d\n' 0
	} >"$f"
	refused "$f" "$f:2: line longer than 1024 characters"
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

@test "a line of exactly 1024 characters is read; 1025 are refused" {
	local f=$BATS_TEST_TMPDIR/edge.conf pad
	# "trace-json = " is 13 characters; the name fills the rest.
	pad=$(printf '%01011d' 0)
	printf 'trace-json = %s\n' "$pad" >"$f"
	run --separate-stderr "$SERVER" -t -c "$f"
	assert_success
	printf 'trace-json = %s1\n' "$pad" >"$f"
	refused "$f" "$f:1: line longer than 1024 characters"
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
