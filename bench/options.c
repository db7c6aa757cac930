/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nls.h"
#include "num.h"

#define DEFAULT_DURATION 5.0
#define DEFAULT_WAIT 10.0
#define DEFAULT_WAIT_TEXT "10"	/* as the error details show it */
#define DEFAULT_SIZE 64
#define DEFAULT_BULK_SIZE 65536

enum {
	OPT_CLOSE = 1,
	OPT_CONCURRENCY,
	OPT_COUNT,
	OPT_DURATION,
	OPT_HELP,
	OPT_JSON,
	OPT_MODE,
	OPT_SIZE,
	OPT_VERSION,
	OPT_WAIT
};

const struct opt_spec bench_options_table[] = {
	{ "close", 0, "HOW", OPT_CLOSE,
	    N_("sessions: end each by shutdown (default), close, linger0, or "
	    "a mixed third each") },
	{ "concurrency", 'c', "N", OPT_CONCURRENCY,
	    N_("N connections at once (default 1)") },
	{ "count", 'n', "COUNT", OPT_COUNT,
	    N_("at most COUNT sessions or round trips, or MiB per bulk stream "
	    "(default 0: no bound)") },
	{ "duration", 'd', "SECS", OPT_DURATION,
	    N_("start nothing new after SECS (default 5)") },
	{ "help", 'h', NULL, OPT_HELP, N_("print this help and exit") },
	{ "json", 0, NULL, OPT_JSON,
	    N_("print the result as one JSON object") },
	{ "mode", 'm', "MODE", OPT_MODE,
	    N_("what to measure: sessions (default), bulk or rtt") },
	{ "size", 0, "BYTES", OPT_SIZE,
	    N_("message size (default 64), or bulk write size (default "
	    "65536); sessions: also MIN-MAX") },
	{ "version", 'V', NULL, OPT_VERSION, N_("print the version and exit") },
	{ "wait", 'w', "SECS", OPT_WAIT,
	    N_("drop a connection with no progress for SECS (default 10)") },
	{ NULL, 0, NULL, 0, NULL }
};

/* The same words as the SYNOPSIS of forkecho-bench(1); translated where
 * it is written (a pointer: N_() is parenthesized, which an array's
 * initializer may not be). */
const char *const bench_options_usage =
    /* TRANSLATORS: the option letters and names are typed as they are:
     * keep them; the lowercase words are placeholders. */
    N_("usage: forkecho-bench [-hV] [-c n] [-d secs] [-m mode] "
    "[-n count]\n"
    "\t[-w secs] [--close how] [--json] [--size bytes]\n"
    "\t[host [port] | host:port]\n");

/* Reads a number from min to max for the option shown; 0, or -1 with a
 * message in err. */
static int
parse_number(const char *shown, const char *text, unsigned long min,
    unsigned long max, unsigned long *out, char *err, size_t errlen)
{
	if (num_parse_ulong(text, min, max, out) == 0)
		return 0;
	snprintf(err, errlen, _("%s: '%s' is not a number from %lu to %lu"),
	    shown, text, min, max);
	return -1;
}

/* Reads SECS, more than 0 and at most max, for the option shown: every
 * wait in a run has a deadline.  0, or -1 with a message in err. */
static int
parse_seconds(const char *shown, const char *text, double max, double *out,
    char *err, size_t errlen)
{
	if (num_parse_seconds(text, max, out) == 0 && *out > 0)
		return 0;
	snprintf(err, errlen, _("%s: '%s' is not a number of seconds more "
	    "than 0 and at most %.0f"), shown, text, max);
	return -1;
}

static int
parse_mode(const char *shown, const char *text, struct bench_options *o,
    char *err, size_t errlen)
{
	if (bench_parse_mode(text, &o->mode) < 0) {
		/* TRANSLATORS: sessions, bulk and rtt are typed: keep them. */
		snprintf(err, errlen, _("%s: '%s' is not one of sessions, "
		    "bulk, rtt"), shown, text);
		return -1;
	}
	snprintf(o->mode_shown, sizeof o->mode_shown, "%s %s", shown, text);
	return 0;
}

static int
parse_close(const char *shown, const char *text, struct bench_options *o,
    char *err, size_t errlen)
{
	if (bench_parse_close(text, &o->close) < 0) {
		/* TRANSLATORS: shutdown, close, linger0 and mixed are typed:
		 * keep them. */
		snprintf(err, errlen, _("%s: '%s' is not one of shutdown, "
		    "close, linger0, mixed"), shown, text);
		return -1;
	}
	snprintf(o->close_shown, sizeof o->close_shown, "%s %s", shown, text);
	return 0;
}

/* Reads --size: BYTES, or MIN-MAX (a range, for sessions); 0, or -1 with
 * a message in err. */
static int
parse_size(const char *shown, const char *text, unsigned long *min,
    unsigned long *max, char *err, size_t errlen)
{
	const char *dash = strchr(text, '-');
	char first[32];
	size_t n;

	*min = 0;
	if (dash == NULL)
		return parse_number(shown, text, 1, BENCH_SIZE_MAX, max, err,
		    errlen);
	n = (size_t)(dash - text);
	if (n < sizeof first) {
		memcpy(first, text, n);
		first[n] = '\0';
		if (num_parse_ulong(first, 1, BENCH_SIZE_MAX, min) == 0 &&
		    num_parse_ulong(dash + 1, 1, BENCH_SIZE_MAX, max) == 0 &&
		    *min < *max)
			return 0;
	}
	snprintf(err, errlen, _("%s: '%s' is not a number from 1 to %lu, nor "
	    "a range MIN-MAX of them with MIN below MAX"), shown, text,
	    (unsigned long)BENCH_SIZE_MAX);
	return -1;
}

void
bench_options_defaults(struct bench_options *o)
{
	memset(o, 0, sizeof *o);
	o->mode = BENCH_SESSIONS;
	o->concurrency = 1;
	o->duration = DEFAULT_DURATION;
	o->close = BENCH_CLOSE_SHUTDOWN;
	o->wait = DEFAULT_WAIT;
	o->wait_text = DEFAULT_WAIT_TEXT;
}

int
bench_options_parse(int argc, char *argv[], struct bench_options *o,
    char *err, size_t errlen)
{
	struct opt_state st = { .index = 1 };
	int id, rc = 0;

	while (rc == 0 && (id = opt_next(&st, argc, argv,
	    bench_options_table, err, errlen)) != 0) {
		switch (id) {
		case OPT_CLOSE:
			rc = parse_close(st.shown, st.value, o, err, errlen);
			break;
		case OPT_CONCURRENCY:
			rc = parse_number(st.shown, st.value, 1,
			    BENCH_CONCURRENCY_MAX, &o->concurrency, err,
			    errlen);
			break;
		case OPT_COUNT:
			rc = parse_number(st.shown, st.value, 0,
			    BENCH_COUNT_MAX, &o->count, err, errlen);
			break;
		case OPT_DURATION:
			rc = parse_seconds(st.shown, st.value,
			    BENCH_DURATION_MAX, &o->duration, err, errlen);
			break;
		case OPT_HELP:
			o->want_help = 1;
			return 1;
		case OPT_JSON:
			o->json = 1;
			break;
		case OPT_MODE:
			rc = parse_mode(st.shown, st.value, o, err, errlen);
			break;
		case OPT_SIZE:
			rc = parse_size(st.shown, st.value, &o->size_min,
			    &o->size, err, errlen);
			break;
		case OPT_VERSION:
			o->want_version = 1;
			return 1;
		case OPT_WAIT:
			rc = parse_seconds(st.shown, st.value, BENCH_WAIT_MAX,
			    &o->wait, err, errlen);
			o->wait_text = st.value;
			break;
		default:
			return -1;	/* opt_next's message is in err */
		}
	}
	if (rc != 0)
		return -1;

	return opt_host_port(&o->to, argv + st.index, argc - st.index, err,
	    errlen);
}

int
bench_options_check(const struct bench_options *o, char *err,
    size_t errlen)
{
	/* Both refusals name a mode the user gave: sessions, the default,
	 * allows either. */
	if (o->close != BENCH_CLOSE_SHUTDOWN && o->mode != BENCH_SESSIONS) {
		/* TRANSLATORS: both %s are options as written, "--close
		 * close" and "-m bulk". */
		snprintf(err, errlen, _("%s makes no sense with %s: its "
		    "connections half-close to read the whole echo"),
		    o->close_shown, o->mode_shown);
		return -1;
	}
	if (o->size_min > 0 && o->mode != BENCH_SESSIONS) {
		snprintf(err, errlen, _("--size %lu-%lu makes no sense with "
		    "%s: only sessions have sizes of their own"), o->size_min,
		    o->size, o->mode_shown);
		return -1;
	}
	return 0;
}

size_t
bench_options_size(const struct bench_options *o)
{
	if (o->size > 0)
		return o->size;
	return o->mode == BENCH_BULK ? DEFAULT_BULK_SIZE : DEFAULT_SIZE;
}
