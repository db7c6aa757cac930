/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * A libFuzzer target for forkecho-bench's command line, the way main()
 * takes it: bench_options_defaults(), then bench_options_parse() and
 * bench_options_check().
 *
 * Each line of the input is one argument after argv[0], at most MAX_ARGS
 * of them (see args.h).  -h and -V need no special care: the parser only
 * records them and main() answers them, so the fuzzer never writes to
 * standard output.
 *
 * Besides crashes, leaks and hangs, a refusal without a message fails,
 * and so do options accepted outside the bounds that forkecho-bench(1)
 * gives, or accepted with a mode the page says they make no sense with.
 */
#include <stddef.h>
#include <stdint.h>

#include "args.h"
#include "check.h"
/* By its path: the fuzz build puts server/ on the include path, and
 * server/options.h has the same name. */
#include "../bench/options.h"

#define MAX_ARGS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What an accepted command line must hold, whatever it was. */
static void
check_accepted(const struct bench_options *o)
{
	size_t size = bench_options_size(o);

	if (o->to.host == NULL || o->to.port == NULL || o->wait_text == NULL)
		fuzz_fail("accepted without a host, port or wait text");
	if (!fuzz_port_ok(o->to.port))
		fuzz_fail("accepted port '%s'", o->to.port);
	if ((unsigned)o->mode > BENCH_RTT)
		fuzz_fail("accepted mode %d", (int)o->mode);
	if (o->concurrency < 1 || o->concurrency > BENCH_CONCURRENCY_MAX)
		fuzz_fail("accepted -c %lu", o->concurrency);
	if (!(o->duration > 0 && o->duration <= BENCH_DURATION_MAX))
		fuzz_fail("accepted -d %g", o->duration);
	if (!(o->wait > 0 && o->wait <= BENCH_WAIT_MAX))
		fuzz_fail("accepted -w %g", o->wait);
	if (o->count > BENCH_COUNT_MAX)
		fuzz_fail("accepted -n %lu", o->count);
	if (size < 1 || size > BENCH_SIZE_MAX)
		fuzz_fail("accepted --size %zu", size);
	if (o->size_min > 0 && (o->size_min >= o->size ||
	    o->mode != BENCH_SESSIONS))
		fuzz_fail("accepted --size %lu-%lu with mode %d", o->size_min,
		    o->size, (int)o->mode);
	if ((unsigned)o->close > BENCH_CLOSE_MIXED ||
	    (o->close != BENCH_CLOSE_SHUTDOWN && o->mode != BENCH_SESSIONS))
		fuzz_fail("accepted --close %d with mode %d", (int)o->close,
		    (int)o->mode);
}

/* Runs main()'s parse and check over argv. */
static void
parse_as_main(int argc, char *argv[])
{
	struct bench_options o;
	char err[512] = "";
	int rc;

	bench_options_defaults(&o);
	rc = bench_options_parse(argc, argv, &o, err, sizeof err);
	if (!fuzz_parse_goes_on("bench_options_parse", rc, o.want_help,
	    o.want_version, err))
		return;
	if (bench_options_check(&o, err, sizeof err) < 0)
		fuzz_expect_message("bench_options_check", err);
	else
		check_accepted(&o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char progname[] = "forkecho-bench";
	char *argv[MAX_ARGS + 2];
	int argc = fuzz_args_split(data, size, progname, argv, MAX_ARGS);

	parse_as_main(argc, argv);
	fuzz_args_free(argc, argv);
	return 0;
}
