#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# The programs in Chinese (lib/nls.h, po/zh_CN.po): the catalog is whole,
# the programs speak it under LANG=zh_CN.UTF-8, the English is there in
# the C locale, and what scripts read (the readiness line, the JSON trace,
# exit statuses, numbers) is the same bytes in every locale.
# shellcheck disable=SC2154 # run --separate-stderr sets stderr, stderr_lines
# shellcheck disable=SC2030,SC2031 # bats runs a test and its teardown in one subshell
# shellcheck disable=SC2034 # SERVER_WRAP: see helper.bash

load helper

FORKTRACE=$BIN/forktrace

# The locales the tests use, made with localedef (from the Debian package
# locales' definitions) when this machine does not have them: as root
# only, as it writes the system's locale archive.
setup_file() {
	local want
	for want in zh_CN de_DE; do
		locale -a 2>/dev/null | grep -qx "$want.utf8" && continue
		[ "$(id -u)" = 0 ] || continue
		localedef -i "$want" -f UTF-8 "$want.UTF-8" >/dev/null 2>&1 || true
	done
}

setup() {
	unset LC_ALL LANGUAGE
}

teardown() {
	stop_server
}

# need_locale NAME: the test needs locale NAME.UTF-8; setup_file made it
# as root, so only a user who is not root may lack it.
need_locale() {
	locale -a 2>/dev/null | grep -qx "$1.utf8" && return 0
	[ "$(id -u)" = 0 ] &&
		fail "no $1.UTF-8 locale, and localedef could not make it: install the Debian package locales (sh tests/deps.sh installs them all)"
	skip "not root: the $1.UTF-8 locale is not installed and only root can make it"
}

# has_han TEXT: TEXT holds Chinese characters (U+4E00..U+9FFF).
has_han() { LC_ALL=C.UTF-8 grep -qP '[\x{4e00}-\x{9fff}]' <<<"$1"; }

# server_in LOCALE ARGS...: start_server with LANG=LOCALE (and no LC_ALL).
server_in() {
	local lang=$1
	shift
	SERVER_WRAP=(env LANG="$lang")
	start_server "$@"
	SERVER_WRAP=()
}

# The catalog's messages, keyed, and the sources' messages, from xgettext.
fresh_pot() {
	need_tool xgettext gettext
	make -C "$TOP" --no-print-directory -s POT="$1" pot
}

@test "catalog: po/zh_CN.po passes msgfmt --check and translates every message, none fuzzy" {
	need_tool msgfmt gettext
	run msgfmt --check --statistics -o /dev/null "$TOP/po/zh_CN.po"
	assert_success
	assert_output --regexp '^[0-9]+ translated messages\.$'
	run msgattrib --untranslated --no-obsolete "$TOP/po/zh_CN.po"
	assert_output ''
	run msgattrib --only-fuzzy --no-obsolete "$TOP/po/zh_CN.po"
	assert_output ''
}

@test "catalog: every message the sources mark is in po/forkecho.pot and translated in po/zh_CN.po" {
	need_tool msgcmp gettext
	fresh_pot "$BATS_TEST_TMPDIR/fresh.pot"
	# msgcmp DEF REF: every message of REF has an entry in DEF.
	run msgcmp --use-untranslated "$TOP/po/forkecho.pot" "$BATS_TEST_TMPDIR/fresh.pot"
	assert_success
	run msgcmp --use-untranslated "$BATS_TEST_TMPDIR/fresh.pot" "$TOP/po/forkecho.pot"
	assert_success
	run msgcmp "$TOP/po/zh_CN.po" "$BATS_TEST_TMPDIR/fresh.pot"
	assert_success
	# And the catalog the programs read is the one built from it.
	run msgunfmt "$TOP/build/locale/zh_CN/LC_MESSAGES/forkecho.mo"
	assert_success
	[ "$(grep -c '^msgid ' <<<"$output")" -eq \
	    "$(msgattrib --translated --no-obsolete "$TOP/po/zh_CN.po" | grep -c '^msgid ')" ]
}

@test "zh_CN: forkechod --lesson parent-forgets-close explains itself and traces in Chinese" {
	need_locale zh_CN
	local english chinese
	# The same lesson in the C locale first: its English lines.
	server_in C --lesson parent-forgets-close -l 127.0.0.1:0
	run timeout 10 "$CLIENT" -q -w 1 -m hi 127.0.0.1 "$PORT"
	stop_server
	english=$(cat "$SERVER_LOG")
	server_in zh_CN.UTF-8 --lesson parent-forgets-close -l 127.0.0.1:0
	run --separate-stderr timeout 10 env LANG=zh_CN.UTF-8 "$CLIENT" -w 1 -m hi 127.0.0.1 "$PORT"
	assert_equal "$status" 4
	assert_output hi
	stop_server
	chinese=$(cat "$SERVER_LOG")
	has_han "$chinese"
	# The banner's first line and the trace's head are Chinese now.
	[[ $chinese != *"$(head -n 1 <<<"$english")"* ]]
	[[ $english == *"one row per event"* ]]
	[[ $chinese != *"one row per event"* ]]
	# And the client's last line, with its numbers.
	has_han "${stderr_lines[-1]}"
	[[ ${stderr_lines[-1]} == forkecho:* ]]
	[[ ${stderr_lines[-1]} != *"no FIN from server"* ]]
	[[ ${stderr_lines[-1]} == *3* ]]
}

@test "zh_CN: the client's help, and a usage error keeps status 64" {
	need_locale zh_CN
	run env LANG=zh_CN.UTF-8 "$CLIENT" --help
	assert_success
	has_han "$output"
	# Option names are what users type: never translated.
	assert_output --partial --close
	run --separate-stderr env LANG=zh_CN.UTF-8 "$CLIENT" --no-such-option
	assert_equal "$status" 64
	[[ $stderr == forkecho:* ]]
	has_han "$stderr"
}

@test "zh_CN: forkechod's usage error is 64 and a config error 78, each starting 'forkechod: ', in Chinese" {
	need_locale zh_CN
	run --separate-stderr env LANG=zh_CN.UTF-8 "$SERVER" --model forky
	assert_equal "$status" 64
	[[ $stderr == forkechod:* ]]
	has_han "$stderr"
	printf 'listen = 127.0.0.1:0\nmodle = fork\n' >"$BATS_TEST_TMPDIR/bad.conf"
	run --separate-stderr env LANG=zh_CN.UTF-8 "$SERVER" -c "$BATS_TEST_TMPDIR/bad.conf" -t
	assert_equal "$status" 78
	# FILE:LINE: stays where scripts find it.
	[[ $stderr == "forkechod: $BATS_TEST_TMPDIR/bad.conf:2: "* ]]
	has_han "$stderr"
}

@test "C locale: English, as before (LC_ALL=C over LANG=zh_CN.UTF-8)" {
	need_locale zh_CN
	run env LANG=zh_CN.UTF-8 LC_ALL=C "$CLIENT" --help
	assert_success
	if has_han "$output"; then fail "Chinese in the C locale"; fi
	assert_line --index 0 --regexp '^usage: forkecho '
	run env LANG=zh_CN.UTF-8 LC_ALL=C "$SERVER" --lessons
	assert_success
	if has_han "$output"; then fail "Chinese in the C locale"; fi
	# And the other way round: the same under zh_CN is Chinese.
	run env LANG=zh_CN.UTF-8 "$SERVER" --lessons
	has_han "$output"
}

# lesson_run LOCALE NAME: runs lesson NAME in LOCALE with the JSON trace
# in $BATS_TEST_TMPDIR/LOCALE.json, one client session; the readiness
# line in $BATS_TEST_TMPDIR/LOCALE.ready and the client's status in
# $BATS_TEST_TMPDIR/LOCALE.status.
lesson_run() {
	local dir=$BATS_TEST_TMPDIR
	server_in "$1" --lesson "$2" -l 127.0.0.1:0 --trace-json "$dir/$1.json"
	sed "s/ $PORT\$/ PORT/" "$SERVER_OUT" >"$dir/$1.ready"
	run timeout 10 env LANG="$1" "$CLIENT" -w 2 -m hello 127.0.0.1 "$PORT"
	echo "$status" >"$dir/$1.status"
	stop_server
}

# shape FILE: each event of the trace as its names and the values that do
# not change from run to run: times, pids, ports and descriptor numbers
# do, and so does the state at the accept (the client may have closed by
# then); the reason's words must not.
shape() {
	jq -c '{names: keys, role, event, conn, how, refs_before, refs, wire,
	    errno, why: (.why // "" | gsub("[0-9]+"; "N"))}' "$1"
}

@test "machine-read lines: readiness, JSON trace and exit status are the same in C, zh_CN and de_DE" {
	need_locale zh_CN
	need_locale de_DE
	need_tool jq jq
	local dir=$BATS_TEST_TMPDIR l
	for l in C zh_CN.UTF-8 de_DE.UTF-8; do
		lesson_run "$l" proper-close
	done
	for l in zh_CN.UTF-8 de_DE.UTF-8; do
		diff "$dir/C.ready" "$dir/$l.ready"
		diff "$dir/C.status" "$dir/$l.status"
		diff <(shape "$dir/C.json") <(shape "$dir/$l.json")
		# Times are JSON numbers with a '.', not de_DE's ','.
		run jq -r '.t | type' "$dir/$l.json"
		assert_success
		[ "$(sort -u <<<"$output")" = number ]
	done
	grep -qx 'listening on 127.0.0.1 PORT' "$dir/zh_CN.UTF-8.ready"
	[ "$(cat "$dir/C.status")" = 0 ]
}

@test "de_DE: an option's fraction is read with a '.', whatever the locale's decimal sign" {
	need_locale de_DE
	run --separate-stderr env LANG=de_DE.UTF-8 "$SERVER" --idle-timeout 0.5 -l 127.0.0.1:0 -t
	assert_success
	run --separate-stderr env LANG=de_DE.UTF-8 "$SERVER" --idle-timeout 0,5 -l 127.0.0.1:0 -t
	assert_equal "$status" 64
}

# Every reason the trace gives in a lesson has its Chinese words: the
# JSON keeps the English (scripts read it), the views translate it
# (nls_why), and a reason the catalog lacks would stay English.  Only
# the C library's own error texts ("failed: Bad file descriptor") are
# not the catalog's.
# untranslated_reasons NAME...: runs each lesson and says which reasons
# of its trace forktrace's Chinese text view still shows in English.
untranslated_reasons() {
	local dir=$BATS_TEST_TMPDIR name why untranslated=0
	for name in "$@"; do
		lesson_run C "$name"
		LANG=zh_CN.UTF-8 "$FORKTRACE" --text "$dir/C.json" >"$dir/$name.txt"
		while IFS= read -r why; do
			if grep -qF -- "$why" "$dir/$name.txt"; then
				echo "$name: untranslated: $why"
				untranslated=$((untranslated + 1))
			fi
		done < <(jq -r 'select(.why != null and .event != "error") | .why' "$dir/C.json" | sort -u)
	done
	[ "$untranslated" -eq 0 ]
}

FORK_LESSONS=(proper-close close-flushes parent-forgets-close closed-fd-read
    child-shutdown-wr half-close parent-shutdown shut-rd close-unread
    linger-abort)
OTHER_LESSONS=(prefork-listener fd-passing helper-holds helper-shutdown-first
    cloexec-no-help exec-holds child-shutdown-kills-parent dup-counts
    close-does-not-wake shutdown-wakes zombies lost-sigchld eintr-accept)

@test "zh_CN: the two tests below run every lesson of --lessons" {
	diff <("$SERVER" --lessons | awk '{ print $1 }' | sort) \
	    <(printf '%s\n' "${FORK_LESSONS[@]}" "${OTHER_LESSONS[@]}" | sort)
}

@test "zh_CN: the reasons of the fork lessons are all translated in forktrace's text view" {
	need_locale zh_CN
	need_tool jq jq
	untranslated_reasons "${FORK_LESSONS[@]}"
}

@test "zh_CN: the reasons of the prefork, helper, thread and classic lessons are all translated" {
	need_locale zh_CN
	need_tool jq jq
	untranslated_reasons "${OTHER_LESSONS[@]}"
}

@test "zh_CN: the diagram's labels are Chinese, its font has them, and it renders" {
	need_locale zh_CN
	need_tool rsvg-convert librsvg2-bin
	need_tool fc-match fontconfig
	lesson_run C parent-forgets-close
	local svg=$BATS_TEST_TMPDIR/zh.svg
	LANG=zh_CN.UTF-8 "$FORKTRACE" -o "$svg" "$BATS_TEST_TMPDIR/C.json"
	has_han "$(cat "$svg")"
	# The SVG asks for the CJK font first, and fontconfig has it.
	grep -q 'font-family="[^"]*WenQuanYi Micro Hei' "$svg"
	run fc-match -f '%{family}\n' 'WenQuanYi Micro Hei:lang=zh-cn'
	assert_output --partial 'WenQuanYi Micro Hei'
	rsvg-convert -o "$BATS_TEST_TMPDIR/zh.png" "$svg"
	[ -s "$BATS_TEST_TMPDIR/zh.png" ]
}

@test "NLS=no: every source compiles with -Werror without gettext" {
	local f
	for f in "$TOP"/lib/*.c "$TOP"/server/*.c "$TOP"/client/*.c \
	    "$TOP"/forktrace/*.c "$TOP"/bench/*.c; do
		cc -std=c11 -D_POSIX_C_SOURCE=200809L -pthread -I"$TOP/lib" \
		    -DFORKECHO_VERSION='"t"' -DFE_NLS=0 -Wall -Wextra -Wformat=2 \
		    -Werror -fsyntax-only "$f" || fail "$f"
	done
	# Only lib/nls.c calls gettext itself; the rest say _().
	run grep -l 'gettext' "$TOP"/server/*.c "$TOP"/client/*.c \
	    "$TOP"/forktrace/*.c "$TOP"/bench/*.c
	assert_output ''
}

@test "docs/LESSONS.zh_CN.md shows each lesson's Chinese diagram, and each is a Chinese SVG" {
	local name svg
	while read -r name _; do
		svg=docs/lessons/zh_CN/$name.svg
		grep -qF "]($svg)" <(sed 's|](lessons/|](docs/lessons/|' "$TOP/docs/LESSONS.zh_CN.md") ||
			fail "docs/LESSONS.zh_CN.md does not show $svg"
		[ -s "$TOP/$svg" ] || fail "no $svg (make diagrams)"
		has_han "$(cat "$TOP/$svg")"
	done < <("$SERVER" --lessons)
}
