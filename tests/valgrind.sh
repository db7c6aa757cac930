#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 the forkecho authors
# make valgrind: the test suite with forkechod, forkecho, forkecho-bench
# and forktrace under valgrind's memcheck, and forkechod's JSON trace on.
#
#   sh tests/valgrind.sh [BATS FILES]      the whole run, as below
#   sh tests/valgrind.sh exec TOP NAME ARGS...
#                                          TOP/bin/NAME under memcheck: what
#                                          the wrappers in build/valgrind/bin
#                                          do
#
# The run writes build/valgrind/bin/NAME, small scripts that the suite runs
# in place of bin/NAME (FORKECHO_BIN), runs the suite with every deadline
# stretched (FORKECHO_SLOW), then reads the logs, one per program run,
# build/valgrind/logs/NAME-PID.log: the children that forkechod forks
# without exec go on under memcheck and write to their parent's log, each
# line marked with its own PID.  Any error in a log fails the run, and the
# log is printed.  Tests that cannot mean anything under memcheck (speed,
# CPU, memory) skip themselves when FORKECHO_SUITE is valgrind.
set -u

# wants_trace ARGS...: forkechod's arguments call for our JSON trace: not
# when they choose a trace themselves (a --trace-json of theirs would win
# anyway, being later on the line, but one in their config file would
# lose), nor when they only print something and exit.  Options are read as
# the server reads them: "-vq" clusters, "-lADDR", "--name=VALUE".
wants_trace() {
	conf=
	while [ $# -gt 0 ]; do
		arg=$1
		shift
		case $arg in
		--) break ;;
		--trace | --trace-json | --trace-json=* | --lesson | --lesson=* | \
		    --lessons | --help | --version | --check-config) return 1 ;;
		--config=*) conf=${arg#--config=} ;;
		--*=* | --verbose | --quiet | --syslog) ;;
		--*)	# and the option's value
			[ "$arg" = --config ] && conf=${1-}
			[ $# -gt 0 ] && shift
			;;
		-?*)
			rest=${arg#-}
			while [ -n "$rest" ]; do
				letter=${rest%"${rest#?}"}
				rest=${rest#?}
				case $letter in
				[hVt]) return 1 ;;
				[qv]) continue ;;
				esac
				# An option with a value: the rest of the word,
				# or the next word.
				value=$rest
				if [ -z "$value" ] && [ $# -gt 0 ]; then
					value=$1
					shift
				fi
				[ "$letter" = c ] && conf=$value
				break
			done
			;;
		*) break ;;
		esac
	done
	# The config file's own trace, if it has one.
	[ -z "$conf" ] || [ ! -r "$conf" ] || ! grep -Eq \
	    '^[[:space:]]*(trace-json[[:space:]]*=|trace[[:space:]]*=[[:space:]]*yes)' \
	    "$conf"
}

# exec TOP NAME ARGS...: TOP/bin/NAME ARGS under memcheck, in place of
# this shell (same PID, so tests that signal or wait for it reach the
# program).  Memcheck gives the program's own exit status, or 99 if it
# found an error; a fatal signal stays a fatal signal.  Nothing here forks:
# a test may run the server with no process to spare (RLIMIT_NPROC).
run_one() {
	top=$1
	name=$2
	shift 2
	log=$top/build/valgrind/logs/$name-$$.log
	if [ "$name" = forkechod ] && wants_trace "$@"; then
		# First, so that any later choice on the line still wins.
		set -- --trace-json "$top/build/valgrind/traces/$name-$$.json" "$@"
	fi
	# Memcheck's log on descriptor 9, which the program inherits: with
	# --log-file, valgrind 3.19 leaves the file open in the program on the
	# lowest free descriptor, which is 0, 1 or 2 when a test closed one.
	# Its first lines say which test ran what.
	exec 9>>"$log" || exit 1
	file=${BATS_TEST_FILENAME:-?}
	printf '%s: %s\n%s\n' "${file##*/}" "${BATS_TEST_NAME:-?}" \
	    "$name $*" >&9
	# No vgcore files from a test that kills with SIGABRT or SIGQUIT.
	# shellcheck disable=SC3045 # dash and bash have ulimit -c
	ulimit -c 0
	# --vgdb=no: the server's children may run as nobody, who could not
	# remove root's vgdb FIFOs.
	exec valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite --track-fds=no --vgdb=no \
	    --child-silent-after-fork=no --trace-children=no -q \
	    --log-fd=9 "$top/bin/$name" "$@"
}

# Valgrind itself, installed as tests/deps.sh installs the suite's tools.
need_valgrind() {
	command -v valgrind >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "tests/valgrind.sh: installing valgrind" >&2
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
		    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    valgrind >/dev/null
		return $?
	fi
	echo "tests/valgrind.sh: missing valgrind; install with:" >&2
	echo "    sudo apt-get install valgrind" >&2
	return 1
}

if [ "${1-}" = exec ]; then
	shift
	run_one "$@"
	exit 127
fi

TOP=$(cd "$(dirname "$0")/.." && pwd)
VG=$TOP/build/valgrind
need_valgrind || exit 1
rm -rf "$VG"
mkdir -p "$VG/bin" "$VG/traces" "$VG/logs" || exit 1
# The server may run as another user (a test's setpriv), and write there.
chmod 1777 "$VG/logs" "$VG/traces" || exit 1
for name in forkechod forkecho forkecho-bench forktrace; do
	printf '#!/bin/sh\n# Written by tests/valgrind.sh.\nexec sh "%s" exec "%s" %s "$@"\n' \
	    "$TOP/tests/valgrind.sh" "$TOP" "$name" >"$VG/bin/$name" &&
	    chmod +x "$VG/bin/$name" || exit 1
done

status=0
FORKECHO_BIN=$VG/bin FORKECHO_SUITE=valgrind \
    FORKECHO_SLOW=${FORKECHO_SLOW:-10} sh "$TOP/tests/run" "$@" || status=1

# Every log that holds an error (memcheck's lines start "==PID=="), with
# the test and command on its first lines.
bad=0
for log in "$VG"/logs/*.log; do
	grep -q '^==[0-9]*==' "$log" 2>/dev/null || continue
	bad=$((bad + 1))
	echo "--- memcheck: ${log#"$TOP"/}"
	cat "$log"
done
runs=$(find "$VG/logs" -name '*.log' | wc -l | tr -d ' ')
traces=$(find "$VG/traces" -name '*.json' | wc -l | tr -d ' ')
echo "valgrind: $runs program runs under memcheck, $bad with errors;" \
    "$traces with the JSON trace added"
[ "$bad" -eq 0 ] || status=1
exit "$status"
