#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# forktrace: the real trace of two lessons, drawn as SVG (well-formed, a
# lane per process, a FIN arrow exactly where the trace has wire FIN, a
# "nothing sent" badge where a close sent nothing, rendered to PNG) and as
# the server's lane view; and bad input refused with FILE:LINE and a status.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr
# shellcheck disable=SC2030,SC2031 # bats runs a test and its teardown in one subshell

load helper

FORKTRACE=$BIN/forktrace

teardown() {
	stop_server
	stop_readers
}

trace_has() { grep -q "$1" "$TRACE"; }

# lesson NAME CLIENT-ARGS...: the lesson on port 0 with its JSON trace in
# $TRACE; the client as the lesson's Try line says, its status in
# CLIENT_STATUS; then, once the trace holds the child's exit (polled with
# a deadline), the server stopped by PID, so that what it does at the
# stop (the parent's close, the stop event) is in the trace too.
lesson() {
	local name=$1
	shift
	TRACE=$BATS_TEST_TMPDIR/$name.json
	SVG=$BATS_TEST_TMPDIR/$name.svg
	start_server --lesson "$name" -l 127.0.0.1:0 --trace-json "$TRACE"
	CLIENT_STATUS=0
	timeout 10 "$CLIENT" -q "$@" 127.0.0.1 "$PORT" >/dev/null ||
		CLIENT_STATUS=$?
	wait_until 5 trace_has '"role":"child","event":"exit"'
	stop_server >/dev/null
	trace_has '"event":"stop"'
}

proper_close() {
	lesson proper-close -m hello
	[ "$CLIENT_STATUS" -eq 0 ]
}

parent_forgets_close() {
	lesson parent-forgets-close -w 1 -m hello
	[ "$CLIENT_STATUS" -eq 4 ]
}

# The processes the trace names, by pid, one a line, sorted.
trace_pids() {
	grep -oE '"(pid|child_pid|worker_pid)":[0-9]+' "$TRACE" | cut -d: -f2 |
		sort -un
}

# trace_lines AWK-REGEX...: "LINE PID" of each line of the trace that
# matches every regex, one a line.
trace_lines() {
	awk -v res="$*" 'BEGIN { n = split(res, re, " ") }
	{
		for (i = 1; i <= n; i++) if ($0 !~ re[i]) next
		match($0, /"pid":[0-9]+/)
		print NR, substr($0, RSTART + 6, RLENGTH - 6)
	}' "$TRACE"
}

xpath() { xmllint --xpath "$1" "$SVG"; }

# svg_marks CLASS: "LINE PID" of each g.CLASS of the SVG, one a line.
svg_marks() {
	local n i g
	n=$(xpath "count(//*[local-name()='g'][@class='$1'])")
	for ((i = 1; i <= n; i++)); do
		g="(//*[local-name()='g'][@class='$1'])[$i]"
		echo "$(xpath "string($g/@data-line)") $(xpath "string($g/@data-pid)")"
	done
}

# The SVG's lanes, by pid, one a line, sorted (duplicates kept).
svg_lane_pids() {
	xpath "//*[local-name()='g'][@class='lane']/@data-pid" |
		grep -oE '[0-9]+' | sort -n
}

# fin_at LINE PID: the FIN arrow of trace line LINE leaves the mark of
# that line's event, which sits on the lifeline of process PID, and runs
# right, to the client.
fin_at() {
	local ev fin mark_x mark_y life_x
	ev="//*[local-name()='g'][@class='event'][@data-line='$1']"
	fin="//*[local-name()='g'][@class='fin'][@data-line='$1']/*[local-name()='line']"
	mark_x=$(xpath "string($ev/*[@class='mark']/@cx)")
	mark_y=$(xpath "string($ev/*[@class='mark']/@cy)")
	life_x=$(xpath "string(//*[local-name()='g'][@class='lane'][@data-pid='$2']/*[@class='lifeline']/@x1)")
	if [ -z "$mark_x" ] || [ "$mark_x" != "$life_x" ]; then
		echo "line $1: mark at x=$mark_x, lane $2's lifeline at x=$life_x"
		return 1
	fi
	[ "$(xpath "string($fin/@y1)")" = "$mark_y" ] || {
		echo "line $1: FIN arrow at y=$(xpath "string($fin/@y1)"), mark at y=$mark_y"
		return 1
	}
	awk -v a="$(xpath "string($fin/@x1)")" -v b="$(xpath "string($fin/@x2)")" \
		-v m="$mark_x" 'BEGIN { exit !(a > m && b > a) }'
}

# check_svg: the SVG of $TRACE is well-formed, has a lane per process and
# no other, a FIN arrow for every event with wire FIN and nothing else, a
# "nothing sent" badge for every close or shutdown with wire none.
check_svg() {
	run "$FORKTRACE" -t "$1" -o "$SVG" "$TRACE"
	assert_success
	xmllint --noout "$SVG"
	[ "$(xpath "string(//*[local-name()='title'])")" = "$1" ]
	diff <(trace_pids) <(svg_lane_pids)
	FINS=$(trace_lines '"wire":"FIN"')
	[ -n "$FINS" ]
	diff <(echo "$FINS") <(svg_marks fin)
	local line pid
	while read -r line pid; do
		fin_at "$line" "$pid"
	done <<<"$FINS"
	diff <(trace_lines '"wire":"RST"') <(svg_marks rst)
	NOTHING=$(trace_lines '"event":"(close|shutdown)"' '"wire":"none"')
	diff <(echo "$NOTHING") <(svg_marks nothing-sent)
}

@test "proper-close: forktrace draws well-formed SVG, a lane per process, FIN from the child's close, nothing sent at the parent's" {
	need_tool xmllint libxml2-utils
	proper_close
	check_svg proper-close
	# One FIN, the child's close; one "nothing sent", the parent's.
	[ "$(echo "$FINS" | wc -l)" -eq 1 ]
	[ "$(trace_lines '"role":"child"' '"event":"close"' '"wire":"FIN"')" = "$FINS" ]
	[ "$(echo "$NOTHING" | wc -l)" -eq 1 ]
	[ "$(trace_lines '"role":"parent"' '"event":"close"' '"refs_before":2,"refs":1')" = "$NOTHING" ]
}

@test "parent-forgets-close: forktrace draws nothing sent at the child's close and FIN from the parent's close at the stop" {
	need_tool xmllint libxml2-utils
	parent_forgets_close
	check_svg parent-forgets-close
	[ "$(echo "$FINS" | wc -l)" -eq 1 ]
	[ "$(trace_lines '"role":"parent"' '"event":"close"' '"wire":"FIN"')" = "$FINS" ]
	[ "$(echo "$NOTHING" | wc -l)" -eq 1 ]
	[ "$(trace_lines '"role":"child"' '"event":"close"' '"refs_before":2,"refs":1')" = "$NOTHING" ]
}

# render NAME: the lesson's SVG renders to a PNG.
render() {
	run "$FORKTRACE" -t "$1" -o "$SVG" "$TRACE"
	assert_success
	rsvg-convert -o "$BATS_TEST_TMPDIR/$1.png" "$SVG"
	[ "$(head -c 4 "$BATS_TEST_TMPDIR/$1.png" | od -An -c | tr -d ' ')" = '211PNG' ]
}

@test "proper-close: the SVG renders to PNG with rsvg-convert" {
	need_tool rsvg-convert librsvg2-bin
	proper_close
	render proper-close
}

@test "parent-forgets-close: the SVG renders to PNG with rsvg-convert" {
	need_tool rsvg-convert librsvg2-bin
	parent_forgets_close
	render parent-forgets-close
}

# lane_rows: the rows of a lane view, without the time (the JSON's six
# decimals, rounded again, may differ in the third); the reasons, which
# the JSON carries in "why", must be the server's word for word.
lane_rows() {
	grep -E '^ *[0-9]+\.[0-9]{3}  ' |
		LC_ALL=C.UTF-8 sed -E -e 's/^ *[0-9]+\.[0-9]{3}  //' |
		sort
}

# text_matches: forktrace --text has the rows of the server's --trace.
text_matches() {
	run --separate-stderr "$FORKTRACE" --text "$TRACE"
	assert_success
	[ "${lines[0]}" = "$(sed -n '/^forkechod trace:/{p;q}' "$SERVER_LOG")" ]
	[ "${lines[1]}" = "$(sed -n '/^forkechod trace:/{n;p;q}' "$SERVER_LOG")" ]
	diff <(lane_rows <"$SERVER_LOG") <(echo "$output" | lane_rows)
	[ "$(echo "$output" | lane_rows | wc -l)" -eq "$(wc -l <"$TRACE")" ]
}

@test "proper-close: forktrace --text prints the rows of the server's lane view" {
	proper_close
	text_matches
	assert_line --regexp '^ +[0-9.]+  #1 close fd [0-9]+ refs 2→1 +- +[A-Z_]+; the parent closes its copy at once; nothing sent: 1 other holder$'
	assert_line --regexp '^ +[0-9.]+ {33}\[1\] close fd [0-9]+ refs 1→0 +FIN +CLOSED; done with the connection; last reference: FIN$'
}

@test "helper-holds: forktrace reads the helper's events: its lane h1 in --text, a helper lane in the SVG" {
	lesson helper-holds -w 1 -m hello
	[ "$CLIENT_STATUS" -eq 4 ]
	text_matches
	assert_line --regexp '^ +[0-9.]+ {33}\[1\] fork fd [0-9]+ refs 1→2 +- +[A-Z_]+; the helper \(pid [0-9]+\) has a copy, as of every descriptor$'
	assert_line --regexp '^ +[0-9.]+ {33}h1 close fd [0-9]+ refs 1→0 +FIN +[A-Z_]+; the helper.s work is done: its copy goes as it exits; last reference: FIN$'
	run "$FORKTRACE" -o "$SVG" "$TRACE"
	assert_success
	grep -q 'data-role="helper" data-number="1"' "$SVG"
	grep -q '>reap helper 1' "$SVG"
}

@test "dup-counts: forktrace --text prints the dup row as the server does" {
	lesson dup-counts -m hello
	[ "$CLIENT_STATUS" -eq 0 ]
	text_matches
	assert_line --regexp '^ +[0-9.]+ {33}\[1\] dup fd [0-9]+ refs 1→2 +- +[A-Z_]+; the child dup\(\)s its copy; fd [0-9]+ is a second descriptor of fd [0-9]+.s socket: one more reference, nothing sent$'
}

@test "parent-forgets-close: forktrace --text prints the rows of the server's lane view" {
	parent_forgets_close
	text_matches
	assert_line --regexp '^ +[0-9.]+ {33}\[1\] close fd [0-9]+ refs 2→1 +- +[A-Z_]+; done with the connection; nothing sent: 1 other holder$'
	assert_line --regexp '^ +[0-9.]+  #1 close fd [0-9]+ refs 1→0 +FIN +CLOSED; the server stops; last reference: FIN$'
}

# --- bad input

# A valid trace of two lines; bad input is made from it.
good_trace() {
	printf '%s\n' \
		'{"t":0.000100,"pid":100,"role":"parent","event":"listen","fd":3,"addr":"127.0.0.1 7007"}' \
		'{"t":0.010000,"pid":100,"role":"parent","event":"accept","conn":1,"fd":5,"refs_before":0,"refs":1,"state":"ESTABLISHED","wire":"none"}'
}

# bad STATUS MESSAGE: forktrace on $BATS_TEST_TMPDIR/t.json exits with
# STATUS (not a crash), says MESSAGE, and writes no output file.
bad() {
	local out=$BATS_TEST_TMPDIR/out.svg
	run --separate-stderr "$FORKTRACE" -o "$out" "$BATS_TEST_TMPDIR/t.json"
	assert_failure "$1"
	[ "$stderr" = "$2" ]
	[ ! -e "$out" ]
}

@test "a valid trace of two lines draws" {
	good_trace >"$BATS_TEST_TMPDIR/t.json"
	run "$FORKTRACE" "$BATS_TEST_TMPDIR/t.json"
	assert_success
	assert_output --partial '<svg '
}

@test "a missing trace file: status 66 and the file's name" {
	run --separate-stderr "$FORKTRACE" "$BATS_TEST_TMPDIR/none.json"
	assert_failure 66
	[ "$stderr" = "forktrace: $BATS_TEST_TMPDIR/none.json: No such file or directory" ]
}

@test "a truncated last line: status 65 with its line number" {
	good_trace | head -c -20 >"$BATS_TEST_TMPDIR/t.json"
	bad 65 "forktrace: $BATS_TEST_TMPDIR/t.json:2: truncated: the last line has no newline"
}

@test "a line that is not JSON: status 65 with its line number" {
	{ good_trace; echo 'listening on 127.0.0.1 7007'; } >"$BATS_TEST_TMPDIR/t.json"
	bad 65 "forktrace: $BATS_TEST_TMPDIR/t.json:3: not JSON: '[' or '{' expected near 'listening' (column 9)"
}

@test "a line that is JSON but not an object: status 65 with its line number" {
	{ echo '[1, 2]'; good_trace; } >"$BATS_TEST_TMPDIR/t.json"
	bad 65 "forktrace: $BATS_TEST_TMPDIR/t.json:1: not a JSON object"
}

@test "an unknown event: status 65 with its line number and name" {
	{ good_trace; echo '{"t":1,"pid":100,"role":"parent","event":"dance"}'; } >"$BATS_TEST_TMPDIR/t.json"
	bad 65 "forktrace: $BATS_TEST_TMPDIR/t.json:3: field 'event' is 'dance', not a known event"
}

@test "a missing required field: status 65 with its line number and the field" {
	good_trace | sed '2s/,"refs":1//' >"$BATS_TEST_TMPDIR/t.json"
	bad 65 "forktrace: $BATS_TEST_TMPDIR/t.json:2: missing field 'refs'"
}

@test "a field of the wrong type: status 65 with its line number and the field" {
	good_trace | sed '2s/"fd":5/"fd":"5"/' >"$BATS_TEST_TMPDIR/t.json"
	bad 65 "forktrace: $BATS_TEST_TMPDIR/t.json:2: field 'fd' is not a whole number"
}

@test "an empty trace: status 65" {
	: >"$BATS_TEST_TMPDIR/t.json"
	bad 65 "forktrace: $BATS_TEST_TMPDIR/t.json: no events"
}

@test "--text on bad input: the same message and status" {
	{ good_trace; echo '{"t":1,"pid":100,"role":"parent","event":"dance"}'; } >"$BATS_TEST_TMPDIR/t.json"
	run --separate-stderr "$FORKTRACE" --text "$BATS_TEST_TMPDIR/t.json"
	assert_failure 65
	[ "$stderr" = "forktrace: $BATS_TEST_TMPDIR/t.json:3: field 'event' is 'dance', not a known event" ]
	assert_output ''
}

@test "usage errors: status 64 and the usage" {
	run --separate-stderr "$FORKTRACE"
	assert_failure 64
	[[ $stderr == "forktrace: no trace file given"*$'\n'"usage: forktrace "* ]]
	good_trace >"$BATS_TEST_TMPDIR/t.json"
	run --separate-stderr "$FORKTRACE" --text --scale 10 "$BATS_TEST_TMPDIR/t.json"
	assert_failure 64
	[[ $stderr == "forktrace: --scale shapes the SVG; --text has no use for it"* ]]
	run --separate-stderr "$FORKTRACE" --titel x "$BATS_TEST_TMPDIR/t.json"
	assert_failure 64
	[[ $stderr == "forktrace: unknown option --titel (did you mean --title?)"* ]]
}

@test "an output file that cannot be created: status 73" {
	good_trace >"$BATS_TEST_TMPDIR/t.json"
	run --separate-stderr "$FORKTRACE" -o "$BATS_TEST_TMPDIR/no/such/dir.svg" "$BATS_TEST_TMPDIR/t.json"
	assert_failure 73
	[ "$stderr" = "forktrace: $BATS_TEST_TMPDIR/no/such/dir.svg: No such file or directory" ]
}

@test "forktrace(1)'s SYNOPSIS is forktrace -h's usage" {
	need_mandoc
	[ "$(man_synopsis "$TOP/docs/forktrace.1")" = "$(usage_text "$FORKTRACE")" ]
}

# --- the server's "why", and only the server's

# A trace with two closes: one whose "why" the server wrote, one from a
# server too old to write it.
why_trace() {
	printf '%s\n' \
		'{"t":0.000100,"pid":100,"role":"parent","event":"listen","fd":3,"addr":"127.0.0.1 7007"}' \
		'{"t":0.010000,"pid":100,"role":"parent","event":"accept","conn":1,"fd":5,"refs_before":0,"refs":1,"state":"ESTABLISHED","wire":"none","why":"the handshake was done by the kernel"}' \
		'{"t":0.011000,"pid":100,"role":"parent","event":"fork","conn":1,"fd":5,"refs_before":1,"refs":2,"state":"ESTABLISHED","wire":"none","child_pid":101,"why":"child 1 (pid 101) has a copy"}' \
		'{"t":0.012000,"pid":100,"role":"parent","event":"close","conn":1,"fd":5,"refs_before":2,"refs":1,"state":"ESTABLISHED","wire":"none","why":"words only the server wrote; nothing sent: 1 other holder"}' \
		'{"t":0.020000,"pid":101,"role":"child","event":"close","conn":1,"child":1,"fd":5,"refs_before":1,"refs":0,"state":"CLOSED","wire":"FIN"}'
}

@test "forktrace --text shows the server's why word for word, and none where the trace carries none" {
	why_trace >"$BATS_TEST_TMPDIR/t.json"
	run --separate-stderr "$FORKTRACE" --text "$BATS_TEST_TMPDIR/t.json"
	assert_success
	assert_line --regexp '^ +0\.012  #1 close fd 5 refs 2→1 +- +ESTABLISHED; words only the server wrote; nothing sent: 1 other holder$'
	# No reason is made up from the fields ("last reference: FIN").
	assert_line --regexp '^ +0\.020 {33}\[1\] close fd 5 refs 1→0 +FIN +CLOSED$'
}

@test "the SVG shows the server's why from the trace, and none where the trace carries none" {
	need_tool xmllint libxml2-utils
	why_trace >"$BATS_TEST_TMPDIR/t.json"
	SVG=$BATS_TEST_TMPDIR/t.svg
	run "$FORKTRACE" -o "$SVG" "$BATS_TEST_TMPDIR/t.json"
	assert_success
	local ev="//*[local-name()='g'][@class='event']"
	[ "$(xpath "string(${ev}[@data-line='4']/*[local-name()='text'][last()])")" = "ESTABLISHED — words only the server wrote; nothing sent: 1 other holder" ]
	[ "$(xpath "string(${ev}[@data-line='5']/*[local-name()='text'][last()])")" = "CLOSED" ]
}

# --- the JSON reader (forktrace/json.c)

# jline JSON: a trace of good_trace's first line and then JSON, in t.json.
jline() {
	{ good_trace | head -1; printf '%s\n' "$1"; } >"$BATS_TEST_TMPDIR/t.json"
}

@test "forktrace needs no library but libc: it reads JSON itself" {
	skip_under_valgrind "forktrace is memcheck's wrapper script there; make check and make sanitize read the program itself"
	need_tool readelf binutils
	run readelf -d "$FORKTRACE"
	assert_success
	# The sanitizer build (make sanitize) adds its own runtimes.
	needed=$(echo "$output" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]$/\1/p' |
		grep -vE '^lib(asan|ubsan|m|dl|pthread|rt|gcc_s|stdc\+\+)\.so' || true)
	[ "$needed" = "libc.so.6" ]
}

@test "escapes and surrogate pairs in a string reach the lane view decoded" {
	jline '{"t":0.01,"pid":100,"role":"parent","event":"accept","conn":1,"fd":5,"refs_before":0,"refs":1,"state":"ESTABLISHED","wire":"none","why":"caf\u00e9 \ud83d\ude00 \"q\" a\/b"}'
	run "$FORKTRACE" --text "$BATS_TEST_TMPDIR/t.json"
	assert_success
	assert_line --regexp 'ESTABLISHED; café 😀 "q" a/b$'
}

@test "a key given twice: status 65, the key and its column" {
	jline '{"t":1,"pid":100,"pid":101,"role":"parent","event":"listen","fd":3}'
	bad 65 "forktrace: $BATS_TEST_TMPDIR/t.json:2: not JSON: duplicate object key near '\"pid\"' (column 22)"
}

@test "invalid UTF-8, a lone surrogate, a control character: status 65 and the column" {
	jline $'{"t":1,"pid":100,"role":"parent","event":"listen","fd":3,"addr":"\xc3\xa9\xff"}'
	bad 65 "forktrace: $BATS_TEST_TMPDIR/t.json:2: not JSON: unable to decode byte 0xff near '\"é' (column 66)"
	jline '{"t":1,"pid":100,"role":"parent","event":"listen","fd":3,"addr":"\ud800x"}'
	bad 65 "forktrace: $BATS_TEST_TMPDIR/t.json:2: not JSON: invalid Unicode '\\uD800' near '\"\\ud800x\"' (column 73)"
	jline $'{"t":1,"pid":100,"role":"parent","event":"listen","fd":3,"addr":"a\tb"}'
	bad 65 "forktrace: $BATS_TEST_TMPDIR/t.json:2: not JSON: control character 0x9 near '\"a' (column 66)"
	jline '{"t":1,"pid":100,"role":"parent","event":"listen","fd":3,"addr":"a\u0000b"}'
	bad 65 "forktrace: $BATS_TEST_TMPDIR/t.json:2: not JSON: \\u0000 is not allowed near '\"a\\u0000b\"' (column 74)"
}

@test "numbers: a whole number too big, a real where a whole number belongs, a bad exponent" {
	jline '{"t":1,"pid":99999999999999999999,"role":"parent","event":"listen","fd":3}'
	bad 65 "forktrace: $BATS_TEST_TMPDIR/t.json:2: not JSON: too big integer near '99999999999999999999' (column 33)"
	jline '{"t":1,"pid":100.0,"role":"parent","event":"listen","fd":3}'
	bad 65 "forktrace: $BATS_TEST_TMPDIR/t.json:2: field 'pid' is not a whole number"
	jline '{"t":1e,"pid":100,"role":"parent","event":"listen","fd":3}'
	bad 65 "forktrace: $BATS_TEST_TMPDIR/t.json:2: not JSON: invalid token near '1e' (column 7)"
	jline '{"t":1e400,"pid":100,"role":"parent","event":"listen","fd":3}'
	bad 65 "forktrace: $BATS_TEST_TMPDIR/t.json:2: not JSON: real number overflow near '1e400' (column 10)"
}

@test "nested values the model does not know are read and ignored, up to 64 levels" {
	local deep
	deep=$(printf '[%.0s' {1..62})$(printf ']%.0s' {1..62})
	jline '{"t":1,"pid":100,"role":"parent","event":"listen","fd":3,"extra":{"a":[1,{"b":null}],"d":'"$deep"'}}'
	run "$FORKTRACE" --text "$BATS_TEST_TMPDIR/t.json"
	assert_success
	deep=$(printf '[%.0s' {1..64})$(printf ']%.0s' {1..64})
	jline '{"t":1,"pid":100,"role":"parent","event":"listen","fd":3,"d":'"$deep"'}'
	bad 65 "forktrace: $BATS_TEST_TMPDIR/t.json:2: not JSON: maximum parsing depth reached near '[' (column 125)"
}

# --- pipelines: --trace-json - read by jq and forktrace

# The readers of a pipeline, stopped by PID at the end of the test (they
# end by themselves at the server's stop, when their input ends).
stop_readers() {
	local pid
	for pid in ${READER_PIDS[@]+"${READER_PIDS[@]}"}; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	READER_PIDS=()
}

@test "a lesson's --trace-json - piped through jq -c . and forktrace --text -: every line parses, the lane view comes out" {
	need_tool jq jq
	local d=$BATS_TEST_TMPDIR
	# forkechod --trace-json - | tee raw | jq --unbuffered -c ., through
	# FIFOs so that every process of the pipeline has a PID of its own.
	mkfifo "$d/trace" "$d/copy"
	jq --unbuffered -c . <"$d/copy" >"$d/jq" 2>"$d/jq.err" 3>&- &
	READER_PIDS=($!)
	tee "$d/raw" <"$d/trace" >"$d/copy" 3>&- &
	READER_PIDS+=($!)
	SERVER_LOG=$d/log
	"$SERVER" "${AS_ROOT[@]}" --lesson proper-close -l 127.0.0.1:0 \
	    --trace-json - >"$d/trace" 2>"$SERVER_LOG" 3>&- &
	# shellcheck disable=SC2034 # stop_server (helper.bash) stops it by PID
	SERVER_PID=$!
	# jq reads the events as the server writes them: the port is in the
	# listen event that comes out of jq.
	wait_until 10 grep -q '"event":"listen"' "$d/jq"
	PORT=$(sed -n 's/.*"event":"listen".*"addr":"127\.0\.0\.1 \([0-9]*\)".*/\1/p' "$d/jq")
	run timeout 10 "$CLIENT" -q -m hello 127.0.0.1 "$PORT"
	assert_success
	wait_until 5 grep -q '"role":"child","event":"exit"' "$d/jq"
	stop_server >/dev/null
	# The server's end is the readers' end of input.
	wait_exit "${READER_PIDS[0]}" 10
	cat "$d/jq.err"
	[ "$EXIT_STATUS" -eq 0 ]
	# One JSON value out of jq for every line the server wrote.
	[ "$(wc -l <"$d/jq")" -eq "$(wc -l <"$d/raw")" ]
	grep -q '"event":"stop"' "$d/jq"
	stop_readers
	# forktrace reads the server's own lines from a pipe.
	# shellcheck disable=SC2016 # the inner shell expands $1 and $2
	run --separate-stderr bash -c 'cat "$1" | "$2" --text -' _ "$d/raw" "$FORKTRACE"
	assert_success
	[ -z "$stderr" ]
	[ "$(echo "$output" | lane_rows | wc -l)" -eq "$(wc -l <"$d/raw")" ]
	assert_line --regexp '^ +[0-9.]+  listen fd [0-9]+ 127\.0\.0\.1 '"$PORT"'$'
	assert_line --regexp '^ +[0-9.]+ {33}\[1\] close fd [0-9]+ refs 1→0 +FIN +CLOSED; done with the connection; last reference: FIN$'
}

# --- exports: Perfetto's Trace Event Format, Mermaid

# check_perfetto FILE: FILE is Trace Event Format JSON as the format's
# rules say: an object with a traceEvents array, each event with ph, a
# numeric ts in microseconds (but metadata), pid and tid numbers; an
# instant per trace line, on its writer's pid, at t in microseconds;
# counters with numeric args; process_name metadata for every process of
# the trace.
check_perfetto() {
	local f=$1
	jq -e '.traceEvents | type == "array" and length > 0' "$f"
	jq -e '[.traceEvents[] | select((.ph | type) != "string" or (.pid | type) != "number" or (.tid | type) != "number")] | length == 0' "$f"
	jq -e '[.traceEvents[] | select(.ph != "M" and (.ts | type) != "number")] | length == 0' "$f"
	jq -e '[.traceEvents[] | select(.ph == "i" and (.s != "t" and .s != "p" and .s != "g"))] | length == 0' "$f"
	jq -e '[.traceEvents[] | select(.ph == "C" and ((.args | length) == 0 or ([.args[] | type] | any(. != "number"))))] | length == 0' "$f"
	# One instant per line of the trace, at its time in microseconds, on
	# the pid that wrote it.
	diff <(jq -r '"\(.t * 1000000 | round) \(.pid)"' "$TRACE") \
		<(jq -r '.traceEvents[] | select(.ph == "i") | "\(.ts) \(.pid)"' "$f")
	# Metadata names every lane.
	diff <(trace_pids) \
		<(jq -r '.traceEvents[] | select(.ph == "M" and .name == "process_name" and (.args.name | type) == "string") | .pid' "$f" | sort -un)
	diff <(trace_pids) \
		<(jq -r '.traceEvents[] | select(.ph == "M" and .name == "thread_name") | .tid' "$f" | sort -un)
}

@test "proper-close: forktrace --perfetto writes Trace Event Format JSON: a track per process, an instant per event, a refs counter per connection" {
	need_tool jq jq
	proper_close
	local f=$BATS_TEST_TMPDIR/proper-close.perfetto.json
	run --separate-stderr "$FORKTRACE" --perfetto -o "$f" "$TRACE"
	assert_success
	check_perfetto "$f"
	# The counter of connection 1 follows the trace's refs: 1, 2, 1, 0.
	diff <(jq -r 'select(.conn == 1 and .refs != null) | .refs' "$TRACE") \
		<(jq -r '.traceEvents[] | select(.ph == "C" and .name == "conn 1 refs") | .args.refs' "$f")
	# The FIN is found by its name, with the fields in args.
	[ "$(jq -r '.traceEvents[] | select(.name == "close FIN") | "\(.args.wire) \(.args.refs_before)→\(.args.refs) \(.args.state)"' "$f")" = "FIN 1→0 CLOSED" ]
	[ "$(jq -r '.traceEvents[] | select(.name == "close FIN") | .args.why' "$f")" = "done with the connection; last reference: FIN" ]
}

@test "parent-forgets-close: forktrace --perfetto keeps every event and count of the lesson" {
	need_tool jq jq
	parent_forgets_close
	local f=$BATS_TEST_TMPDIR/pfc.perfetto.json
	"$FORKTRACE" --perfetto "$TRACE" >"$f"
	check_perfetto "$f"
	diff <(jq -r 'select(.conn == 1 and .refs != null) | .refs' "$TRACE") \
		<(jq -r '.traceEvents[] | select(.ph == "C" and .name == "conn 1 refs") | .args.refs' "$f")
}

# check_mermaid FILE: FILE is a Mermaid sequenceDiagram by the syntax's
# rules: the first line is sequenceDiagram; every participant is declared
# before any message or note, once; every message and note names declared
# participants only; no label holds a bare ';', '#' that is not an entity
# code, '%%', or the word "end"; no block is opened, so none is left open.
check_mermaid() {
	awk '
	NR == 1 { if ($0 != "sequenceDiagram") { print "line 1: " $0; bad = 1 }; next }
	/^    title / { checklabel(substr($0, 11)); next }
	/^    participant [A-Za-z0-9_]+ as / {
		if (msgs) { print NR ": participant after a message"; bad = 1 }
		if ($2 in decl) { print NR ": " $2 " declared twice"; bad = 1 }
		decl[$2] = 1; label = substr($0, index($0, " as ") + 4); checklabel(label); next
	}
	/^    Note over [A-Za-z0-9_]+: / {
		msgs++; p = $3; sub(/:$/, "", p)
		if (!(p in decl)) { print NR ": note over undeclared " p; bad = 1 }
		checklabel(substr($0, index($0, ": ") + 2)); next
	}
	/^    [A-Za-z0-9_]+(->>|-->>|-x)[A-Za-z0-9_]+: / {
		msgs++; match($0, /[A-Za-z0-9_]+(->>|-->>|-x)/); from = substr($0, RSTART, RLENGTH)
		sub(/(->>|-->>|-x)$/, "", from)
		rest = substr($0, RSTART + RLENGTH); to = substr(rest, 1, index(rest, ":") - 1)
		if (!(from in decl) || !(to in decl)) { print NR ": undeclared in " $0; bad = 1 }
		checklabel(substr(rest, index(rest, ": ") + 2)); next
	}
	{ print NR ": not a statement: " $0; bad = 1 }
	function checklabel(s,   t) {
		t = s; gsub(/#[0-9]+;/, "", t)
		if (t ~ /[;#"]|%%/) { print NR ": unescaped in label: " s; bad = 1 }
		if (tolower(t) ~ /(^|[^a-z0-9_])end([^a-z0-9_]|$)/) { print NR ": bare end in label: " s; bad = 1 }
	}
	END { if (!msgs) { print "no messages"; bad = 1 }; exit bad }
	' "$1"
}

@test "proper-close: forktrace --mermaid writes a sequenceDiagram, a note or message per event, FIN to the client" {
	proper_close
	local f=$BATS_TEST_TMPDIR/proper-close.mmd
	run --separate-stderr "$FORKTRACE" --mermaid -t proper-close -o "$f" "$TRACE"
	assert_success
	check_mermaid "$f"
	[ "$(sed -n 2p "$f")" = "    title proper-close" ]
	# One statement per trace line, and one FIN arrow per wire FIN.
	[ "$(grep -cE '^    (Note over |L[0-9]+-)' "$f" | tr -d ' ')" -eq \
		"$(($(wc -l <"$TRACE") + $(grep -c '"wire":"FIN"' "$TRACE")))" ]
	[ "$(grep -c -- '->>client: FIN$' "$f")" -eq "$(grep -c '"wire":"FIN"' "$TRACE")" ]
	# A participant per process of the trace, and the client.
	[ "$(grep -c '^    participant L' "$f")" -eq "$(trace_pids | wc -l)" ]
	grep -q '^    participant client as ' "$f"
	grep -q '^    L0->>L1: [0-9.]* #35;1 fork fd [0-9]* refs 1→2 to child 1' "$f"
}

@test "forktrace --mermaid escapes end, ';', '#', ':', quotes and arrows in the server's words" {
	printf '%s\n' \
		'{"t":0.000100,"pid":100,"role":"parent","event":"listen","fd":3,"addr":"127.0.0.1 7007"}' \
		'{"t":0.010000,"pid":100,"role":"parent","event":"accept","conn":1,"fd":5,"refs_before":0,"refs":1,"state":"ESTABLISHED","wire":"none","why":"end; #1 %% \"q\" a->>b: End end"}' \
		>"$BATS_TEST_TMPDIR/t.json"
	run --separate-stderr "$FORKTRACE" --mermaid -t 'the end; #2' -o "$BATS_TEST_TMPDIR/t.mmd" "$BATS_TEST_TMPDIR/t.json"
	assert_success
	check_mermaid "$BATS_TEST_TMPDIR/t.mmd"
	grep -qF 'ESTABLISHED#58; #101;nd#59; #35;1 #37;#37; #34;q#34; a-#62;#62;b#58; #69;nd #101;nd' "$BATS_TEST_TMPDIR/t.mmd"
	[ "$(sed -n 2p "$BATS_TEST_TMPDIR/t.mmd")" = "    title the #101;nd#59; #35;2" ]
}

@test "one output format at a time, and --scale and --gap are named when another format has no use for them" {
	good_trace >"$BATS_TEST_TMPDIR/t.json"
	run --separate-stderr "$FORKTRACE" --perfetto --mermaid "$BATS_TEST_TMPDIR/t.json"
	assert_failure 64
	[[ $stderr == "forktrace: --perfetto and --mermaid: one output format at a time"* ]]
	run --separate-stderr "$FORKTRACE" --mermaid -g 1 "$BATS_TEST_TMPDIR/t.json"
	assert_failure 64
	[[ $stderr == "forktrace: -g shapes the SVG; --mermaid has no use for it"* ]]
	# The option named is the one that shapes the SVG, whatever follows.
	run --separate-stderr "$FORKTRACE" --scale 10 --text "$BATS_TEST_TMPDIR/t.json"
	assert_failure 64
	[[ $stderr == "forktrace: --scale shapes the SVG; --text has no use for it"* ]]
}

# section_fds NAME: the descriptors named in the trace rows of the section
# of docs/LESSONS.md for lesson NAME, one a line, sorted.
section_fds() {
	awk -v name="$1" '
		/^##+ / { in_it = ($0 == "## " name || $0 == "### " name) }
		in_it && /^ +[0-9]+\.[0-9][0-9][0-9]  / { print }
	' "$TOP/docs/LESSONS.md" | grep -o 'fd [0-9]*' | sort -u
}

@test "each picture in docs/lessons names the same descriptors as its lesson's trace in docs/LESSONS.md" {
	local svg name
	for svg in "$TOP"/docs/lessons/*.svg; do
		name=$(basename "$svg" .svg)
		[ -n "$(section_fds "$name")" ] || {
			echo "$name: no trace rows in docs/LESSONS.md"
			return 1
		}
		# A trace file given to --trace-json takes a descriptor, and
		# every socket after it one number more, so a picture drawn
		# from such a run says fd 6 where the text says fd 5.
		diff <(section_fds "$name") <(grep -o 'fd [0-9]*' "$svg" | sort -u) || {
			echo "$name: the picture's descriptors (>) are not the text's (<)"
			return 1
		}
	done
}

@test "every eof row pasted in README.md and docs/LESSONS.md has its TCP state, as the server writes it" {
	# The lane view gives an eof row the state the kernel reports
	# (CLOSE_WAIT once the client's FIN has come); a sample without it
	# was not pasted from a real run of this server.
	run grep -hE '^ +[0-9]+\.[0-9]+ .* eof fd [0-9]+' "$TOP/README.md" "$TOP/docs/LESSONS.md"
	assert_success
	run grep -hvE ' eof fd [0-9]+ +[A-Z][A-Z0-9_]*; ' <<<"$output"
	assert_output ''
}
