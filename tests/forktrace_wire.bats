#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# forktrace --wire: the TCP segments of a tcpdump -w capture drawn among
# the trace's events.  A real lesson captured on lo (root): the client's
# data, the echo, the server's RST, each at its time and never before the
# event that sent it.  A capture made here byte by byte (any user): the
# trace's wall clock and the accept's peer place it exactly.  Bad
# captures, and a trace without "wall", refused with 65 and the file.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr
# shellcheck disable=SC2030,SC2031 # bats runs a test and its teardown in one subshell

load helper

FORKTRACE=$BIN/forktrace

teardown() {
	stop_capture
	stop_server
}

trace_has() { grep -q "$1" "$TRACE"; }

# segs REGEX: the SVG's segment groups (g.seg) that match REGEX, one a
# line, in the order drawn (the capture's).
segs() { grep -E '^<g class="seg" ' "$SVG" | grep -E -- "$1" || true; }

# attr NAME: the value of attribute NAME of each line on standard input.
attr() { sed -nE "s/.* $1=\"([^\"]*)\".*/\\1/p"; }

# event_y LINE: the row of the trace's line LINE: its mark's centre.
event_y() {
	awk -v want="$1" '/^<g class="event" / {
		on = index($0, "data-line=\"" want "\"") > 0; next }
	on && /class="mark"/ {
		if (match($0, /cy="[0-9.]+"/)) {
			print substr($0, RSTART + 4, RLENGTH - 5); exit }
		match($0, /d="M[0-9.]+,[0-9.]+/)
		s = substr($0, RSTART + 4, RLENGTH - 4); sub(/^[0-9.]+,/, "", s)
		print s + 5; exit
	}' "$SVG"
}

# trace_line REGEX: the number of the first line of the trace matching.
trace_line() { grep -nE -- "$1" "$TRACE" | head -n 1 | cut -d: -f1; }

# trace_t REGEX: the t of the first line of the trace matching.
trace_t() {
	grep -E -- "$1" "$TRACE" | head -n 1 | sed -E 's/^\{"t":([0-9.]+),.*/\1/'
}

# below A B: row A is lower on the page than row B (a later time).
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }

@test "close-unread captured: the client's data, the echo and the RST, each after the event that caused it" {
	[ "$(id -u)" -eq 0 ] || skip "tcpdump needs root"
	need_tool xmllint libxml2-utils
	TRACE=$BATS_TEST_TMPDIR/t.json
	SVG=$BATS_TEST_TMPDIR/t.svg
	# Two listeners: the wall clock is said once all the same.
	start_server --lesson close-unread -l 127.0.0.1:0 -l 127.0.0.1:0 \
	    --trace-json "$TRACE"
	start_capture_pcap
	run timeout 10 "$CLIENT" -q -i 0.2 -m one -m two 127.0.0.1 "$PORT"
	wait_until 5 trace_has '"role":"child","event":"exit"'
	wait_until 5 captured "\\.$PORT > .*Flags \\[R"
	stop_capture
	stop_server >/dev/null
	# The trace links itself to the capture: the wall clock once, on
	# the listen event, and the client's address on the accept.
	[ "$(grep -c '"event":"listen"' "$TRACE")" -eq 2 ]
	[ "$(grep -c '"wall":' "$TRACE")" -eq 1 ]
	grep -qE '"event":"listen",.*"port":'"$PORT"',"wall":[0-9]+\.[0-9]{6}[,}]' "$TRACE"
	grep -qE '"event":"accept",.*"peer":"127\.0\.0\.1 [0-9]+"' "$TRACE"
	run --separate-stderr "$FORKTRACE" --wire "$CAPTURE" -o "$SVG" "$TRACE"
	assert_success
	[ -z "$stderr" ]
	xmllint --noout "$SVG"

	# The handshake, the client's two lines of 4 bytes ("one\n",
	# "two\n"), the one echo before the child closed, and one RST.
	[ "$(segs 'data-dir="to-server" data-flags="S"' | wc -l)" -eq 1 ]
	[ "$(segs 'data-dir="to-client" data-flags="S\."' | wc -l)" -eq 1 ]
	[ "$(segs 'data-dir="to-server" data-flags="P\." data-len="4"' |
	    wc -l)" -eq 2 ]
	[ "$(segs 'data-dir="to-client" data-flags="P\." data-len="4"' |
	    wc -l)" -eq 1 ]
	[ "$(segs 'data-dir="to-client" data-flags="R' | wc -l)" -eq 1 ]
	grep -q '>data 4</text>' "$SVG"
	grep -q '>SYN-ACK</text>' "$SVG"
	# Pure ACKs are left out.
	[ "$(segs 'data-flags="\."' | wc -l)" -eq 0 ]

	accept_y=$(event_y "$(trace_line '"event":"accept"')")
	fork_y=$(event_y "$(trace_line '"event":"fork"')")
	close_line=$(trace_line '"event":"close",.*"wire":"RST"')
	close_y=$(event_y "$close_line")
	syn_y=$(segs 'data-flags="S"' | attr data-y)
	echo_y=$(segs 'data-dir="to-client" data-flags="P' | attr data-y)
	rst_y=$(segs 'data-flags="R' | attr data-y)
	echo "accept $accept_y fork $fork_y close $close_y syn $syn_y echo $echo_y rst $rst_y"
	# The SYN comes before the accept that it led to; the echo after the
	# fork (the child echoes) and before the child's close; the RST is
	# not above the close that sent it.
	below "$accept_y" "$syn_y"
	below "$echo_y" "$fork_y"
	below "$close_y" "$echo_y"
	below "$rst_y" "$close_y"
	# Rows go down the page in the capture's order.
	segs . | attr data-y | sort -c -g

	# The clocks agree: the segment times, put on the trace's clock by
	# the listen event's wall, are where the trace's events say.
	syn_t=$(segs 'data-flags="S"' | attr data-t)
	rst_t=$(segs 'data-flags="R' | attr data-t)
	accept_t=$(trace_t '"event":"accept"')
	close_t=$(trace_t '"event":"close",.*"wire":"RST"')
	echo "syn $syn_t accept $accept_t rst $rst_t close $close_t"
	awk -v s="$syn_t" -v a="$accept_t" -v r="$rst_t" -v c="$close_t" \
	    'BEGIN { exit !(s > 0 && s <= a && a - s < 0.5 &&
	        r - c < 0.05 && c - r < 0.05) }'

	# Without the capture: no segment.
	run "$FORKTRACE" "$TRACE"
	assert_success
	refute_output --partial 'class="seg"'
}

# A capture made byte by byte: le32 N, be16 N, be32 N as escaped bytes
# for printf %b.
le32() {
	printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) \
	    $((($1 >> 16) & 255)) $((($1 >> 24) & 255))
}
be16() { printf '\\x%02x\\x%02x' $((($1 >> 8) & 255)) $(($1 & 255)); }
be32() { printf '%s%s' "$(be16 $(($1 >> 16)))" "$(be16 $(($1 & 65535)))"; }

# pcap_header [LINKTYPE]: little-endian, microseconds, Ethernet.
pcap_header() {
	printf '%b' '\xd4\xc3\xb2\xa1\x02\x00\x04\x00' "$(le32 0)" "$(le32 0)" \
	    "$(le32 65535)" "$(le32 "${1:-1}")"
}

# segment SEC USEC SPORT DPORT FLAGS PAYLOAD-BYTES: a record of an
# Ethernet frame with a TCP segment between 127.0.0.1 ports.
segment() {
	local total=$((40 + $6)) payload=''
	((${6} == 0)) || payload=$(head -c "$6" /dev/zero | tr '\0' 'x')
	printf '%b' "$(le32 "$1")" "$(le32 "$2")" "$(le32 $((14 + total)))" \
	    "$(le32 $((14 + total)))" \
	    '\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08\x00' \
	    '\x45\x00' "$(be16 "$total")" '\x00\x00\x40\x00\x40\x06\x00\x00' \
	    '\x7f\x00\x00\x01\x7f\x00\x00\x01' \
	    "$(be16 "$3")" "$(be16 "$4")" "$(be32 1000)" "$(be32 2000)" \
	    '\x50' "$(printf '\\x%02x' "$5")" '\x01\x00\x00\x00\x00\x00'
	printf '%s' "$payload"
}

# A trace whose server listened on 7007 from wall clock 1000.5 and
# accepted a client from port 40000, which its close then reset.
wire_trace() {
	printf '%s\n' \
		'{"t":0.000100,"pid":100,"role":"parent","event":"listen","fd":3,"addr":"127.0.0.1 7007","port":7007,"wall":1000.500000}' \
		'{"t":0.010000,"pid":100,"role":"parent","event":"accept","conn":1,"fd":5,"refs_before":0,"refs":1,"state":"ESTABLISHED","wire":"none","peer":"127.0.0.1 40000"}' \
		'{"t":0.020000,"pid":100,"role":"parent","event":"close","conn":1,"fd":5,"refs_before":1,"refs":0,"state":"CLOSED","wire":"RST"}' \
		'{"t":0.030000,"pid":100,"role":"parent","event":"stop"}'
}

@test "a capture made by hand: segments placed by the trace's wall and peer, another connection's left out" {
	TRACE=$BATS_TEST_TMPDIR/t.json
	SVG=$BATS_TEST_TMPDIR/t.svg
	cap=$BATS_TEST_TMPDIR/c.pcap
	wire_trace >"$TRACE"
	{
		pcap_header
		segment 1000 505000 40000 7007 2 0	# SYN, t 0.005
		segment 1000 506000 40001 7007 2 0	# another client's
		segment 1000 512000 40000 7007 24 6	# data 6 (PSH ACK)
		segment 1000 513000 7007 40000 16 0	# a pure ACK
		# The RST, captured at 0.015, before the close (0.020) that
		# sent it: the trace dates an event after its call.
		segment 1000 515000 7007 40000 20 0
	} >"$cap"
	run --separate-stderr "$FORKTRACE" --wire "$cap" -o "$SVG" "$TRACE"
	assert_success
	[ -z "$stderr" ]
	[ "$(segs . | wc -l)" -eq 3 ]
	[ "$(segs 'data-record="1" data-conn="1" data-dir="to-server" data-flags="S" data-len="0" data-t="0\.005000"' | wc -l)" -eq 1 ]
	[ "$(segs 'data-record="3" data-conn="1" data-dir="to-server" data-flags="P\." data-len="6" data-t="0\.012000"' | wc -l)" -eq 1 ]
	[ "$(segs 'data-record="5" data-conn="1" data-dir="to-client" data-flags="R\." data-len="0" data-t="0\.015000"' | wc -l)" -eq 1 ]
	grep -q '>data 6</text>' "$SVG"
	grep -q '>SYN</text>' "$SVG"
	below "$(event_y 2)" "$(segs 'data-flags="S"' | attr data-y)"
	below "$(segs 'data-len="6"' | attr data-y)" "$(event_y 2)"
	below "$(event_y 3)" "$(segs 'data-len="6"' | attr data-y)"
	below "$(segs 'data-flags="R' | attr data-y)" "$(event_y 3)"
	below "$(event_y 4)" "$(segs 'data-flags="R' | attr data-y)"
}

# refused FILE MESSAGE-REGEX: forktrace --wire FILE on the hand-made
# trace fails with 65 and "forktrace: FILE: ..." matching.
refused() {
	run --separate-stderr "$FORKTRACE" --wire "$1" "$TRACE"
	assert_failure 65
	[ -z "$output" ]
	echo "$stderr"
	[[ $stderr =~ ^forktrace:\ $1:\ $2 ]]
}

@test "a truncated capture: status 65, the file and the record" {
	TRACE=$BATS_TEST_TMPDIR/t.json
	cap=$BATS_TEST_TMPDIR/cut.pcap
	wire_trace >"$TRACE"
	{
		pcap_header
		segment 1000 505000 40000 7007 2 0
		segment 1000 512000 40000 7007 24 6
	} >"$BATS_TEST_TMPDIR/whole.pcap"
	head -c $(($(wc -c <"$BATS_TEST_TMPDIR/whole.pcap") - 10)) \
	    "$BATS_TEST_TMPDIR/whole.pcap" >"$cap"
	refused "$cap" 'record 2: truncated: 50 bytes of the 60 captured$'
	# And a record header cut short.
	head -c 30 "$BATS_TEST_TMPDIR/whole.pcap" >"$cap"
	refused "$cap" 'record 1: truncated: 6 bytes of its 16-byte header$'
}

@test "a file that is not a pcap capture: status 65 and the file" {
	TRACE=$BATS_TEST_TMPDIR/t.json
	wire_trace >"$TRACE"
	cp "$TRACE" "$BATS_TEST_TMPDIR/not.pcap"
	refused "$BATS_TEST_TMPDIR/not.pcap" 'not a pcap file: magic 0x2274227b'
	printf 'short' >"$BATS_TEST_TMPDIR/short.pcap"
	refused "$BATS_TEST_TMPDIR/short.pcap" 'not a pcap file: 5 bytes'
}

@test "a capture of a link type it does not read: status 65 and the type" {
	TRACE=$BATS_TEST_TMPDIR/t.json
	wire_trace >"$TRACE"
	{ pcap_header 105; segment 1000 505000 40000 7007 2 0; } \
	    >"$BATS_TEST_TMPDIR/wifi.pcap"
	refused "$BATS_TEST_TMPDIR/wifi.pcap" 'link type 105 is not read'
}

@test "a trace without wall: --wire fails with 65 and names the trace" {
	TRACE=$BATS_TEST_TMPDIR/t.json
	wire_trace | sed 's/,"wall":[0-9.]*//' >"$TRACE"
	{ pcap_header; segment 1000 505000 40000 7007 2 0; } \
	    >"$BATS_TEST_TMPDIR/c.pcap"
	run --separate-stderr "$FORKTRACE" --wire "$BATS_TEST_TMPDIR/c.pcap" \
	    "$TRACE"
	assert_failure 65
	[ -z "$output" ]
	[[ $stderr == "forktrace: $TRACE: no 'wall' field in the trace, "* ]]
	# Without --wire the same trace draws as before.
	run "$FORKTRACE" "$TRACE"
	assert_success
}

@test "--wire is for the SVG: --text, --perfetto and --mermaid refuse it (64)" {
	TRACE=$BATS_TEST_TMPDIR/t.json
	wire_trace >"$TRACE"
	for f in --text --perfetto --mermaid; do
		run --separate-stderr "$FORKTRACE" "$f" --wire x.pcap "$TRACE"
		assert_failure 64
		[[ ${stderr_lines[0]} == "forktrace: --wire draws on the SVG; $f has no use for it" ]]
	done
}
