#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "num.h"

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT "7007"
#define DEFAULT_WAIT 10.0
#define DEFAULT_WAIT_TEXT "10"	/* as the last line shows it */
#define DEFAULT_CONNECT_TIMEOUT 10.0
#define DEFAULT_BENCH_DURATION 5.0

enum {
	OPT_BENCH = 1,
	OPT_CLOSE,
	OPT_CONCURRENCY,
	OPT_CONNECT_TIMEOUT,
	OPT_COUNT,
	OPT_DURATION,
	OPT_HELP,
	OPT_INTERVAL,
	OPT_JSON,
	OPT_MESSAGE,
	OPT_QUIET,
	OPT_SIZE,
	OPT_VERSION,
	OPT_WAIT
};

const struct opt_spec client_options_table[] = {
	{ "bench", 0, "MODE", OPT_BENCH,
	    "measure the server: sessions, bulk or rtt (see forkecho(1))" },
	{ "close", 0, "MODE", OPT_CLOSE,
	    "once input is sent: shutdown (default), close, linger0, none; "
	    "--bench sessions: also mixed" },
	{ "concurrency", 'c', "N", OPT_CONCURRENCY,
	    "--bench: N connections at once (default 1)" },
	{ "connect-timeout", 0, "SECS", OPT_CONNECT_TIMEOUT,
	    "give up connecting after SECS (default 10, 0: no limit)" },
	{ "count", 'n', "COUNT", OPT_COUNT,
	    "--bench: at most COUNT sessions or round trips, or MiB per "
	    "bulk stream (default 0: no bound)" },
	{ "duration", 'd', "SECS", OPT_DURATION,
	    "--bench: start nothing new after SECS (default 5)" },
	{ "help", 'h', NULL, OPT_HELP, "print this help and exit" },
	{ "interval", 'i', "SECS", OPT_INTERVAL,
	    "pause SECS between messages or input lines" },
	{ "json", 0, NULL, OPT_JSON,
	    "--bench: print the result as one JSON object" },
	{ "message", 'm', "TEXT", OPT_MESSAGE,
	    "send TEXT and a newline instead of standard input (repeatable)" },
	{ "quiet", 'q', NULL, OPT_QUIET, "do not print the last line" },
	{ "size", 0, "BYTES", OPT_SIZE,
	    "--bench: message size (default 64), or bulk write size "
	    "(default 65536); sessions: also MIN-MAX" },
	{ "version", 'V', NULL, OPT_VERSION, "print the version and exit" },
	{ "wait", 'w', "SECS", OPT_WAIT,
	    "wait SECS for the server's FIN or progress (default 10, "
	    "0: no limit)" },
	{ NULL, 0, NULL, 0, NULL }
};

/* The same words as the SYNOPSIS of forkecho(1). */
const char client_options_usage[] =
    "usage: forkecho [-hqV] [-i secs] [-m text] [-w secs] [--close mode]\n"
    "\t[--connect-timeout secs] [--bench mode [-c n] [-d secs] [-n count]\n"
    "\t[--json] [--size bytes]] [host [port]]\n";

/* Why -i and -m make no sense with --bench. */
static const char own_data[] = "a run sends its own data, not messages or "
    "standard input";

static const char *const close_names[] = {
	[SESSION_CLOSE_SHUTDOWN] = "shutdown",
	[SESSION_CLOSE_CLOSE] = "close",
	[SESSION_CLOSE_LINGER0] = "linger0",
	[SESSION_CLOSE_NONE] = "none",
};

/* Reads SECS for the option shown; 0, or -1 with a message in err. */
static int
parse_seconds(const char *shown, const char *text, double *out, char *err,
    size_t errlen)
{
	if (num_parse_seconds(text, CLIENT_SECONDS_MAX, out) == 0)
		return 0;
	if (errno == ERANGE)
		snprintf(err, errlen, "%s: '%s' is more than %.0f seconds",
		    shown, text, CLIENT_SECONDS_MAX);
	else
		snprintf(err, errlen, "%s: '%s' is not a number of seconds",
		    shown, text);
	return -1;
}

/* Reads a number from min to max for the option shown; 0, or -1 with a
 * message in err. */
static int
parse_number(const char *shown, const char *text, unsigned long min,
    unsigned long max, unsigned long *out, char *err, size_t errlen)
{
	if (num_parse_ulong(text, min, max, out) == 0)
		return 0;
	snprintf(err, errlen, "%s: '%s' is not a number from %lu to %lu",
	    shown, text, min, max);
	return -1;
}

static int
parse_duration(const char *shown, const char *text, double *out, char *err,
    size_t errlen)
{
	if (num_parse_seconds(text, BENCH_DURATION_MAX, out) == 0 && *out > 0)
		return 0;
	snprintf(err, errlen, "%s: '%s' is not a number of seconds more than "
	    "0 and at most %.0f", shown, text, BENCH_DURATION_MAX);
	return -1;
}

static int
parse_bench_mode(const char *shown, const char *text, enum bench_mode *out,
    char *err, size_t errlen)
{
	if (bench_parse_mode(text, out) == 0)
		return 0;
	snprintf(err, errlen, "%s: '%s' is not one of sessions, bulk, rtt",
	    shown, text);
	return -1;
}

/* Remembers the first option shown, into buf. */
static void
note_option(char *buf, size_t len, const char *shown)
{
	if (buf[0] == '\0')
		snprintf(buf, len, "%s", shown);
}

/* Remembers an option that needs --bench. */
static void
note_bench_only(struct client_options *o, const char *shown)
{
	note_option(o->bench_only, sizeof o->bench_only, shown);
}

/* Remembers an option that makes no sense with --bench, and why. */
static void
note_not_bench(struct client_options *o, const char *shown, const char *why)
{
	if (o->not_bench[0] != '\0')
		return;
	note_option(o->not_bench, sizeof o->not_bench, shown);
	o->not_bench_why = why;
}

static int
parse_close(const char *shown, const char *text, enum session_close *out,
    char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < sizeof close_names / sizeof close_names[0]; i++) {
		if (strcmp(text, close_names[i]) == 0) {
			*out = (enum session_close)i;
			return 0;
		}
	}
	snprintf(err, errlen, "%s: '%s' is not one of shutdown, close, "
	    "linger0, none", shown, text);
	return -1;
}

/* Reads --size: BYTES, or MIN-MAX (a range, for bench sessions); 0, or
 * -1 with a message in err. */
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
	snprintf(err, errlen, "%s: '%s' is not a number from 1 to %lu, nor "
	    "a range MIN-MAX of them with MIN below MAX", shown, text,
	    (unsigned long)BENCH_SIZE_MAX);
	return -1;
}

/* Reads --close once --bench is known: a run's sessions may end in any of
 * three ways, or a mix; a plain client's in four.  0, or -1 with a
 * message in err. */
static int
read_close(struct client_options *o, char *err, size_t errlen)
{
	if (!o->bench)
		return parse_close(o->close_shown, o->close_text,
		    &o->close_mode, err, errlen);
	if (bench_parse_close(o->close_text, &o->bench_close) < 0) {
		snprintf(err, errlen, "%s: '%s' is not one of shutdown, close, "
		    "linger0, mixed (with --bench)", o->close_shown,
		    o->close_text);
		return -1;
	}
	if (o->bench_close != BENCH_CLOSE_SHUTDOWN &&
	    o->bench_mode != BENCH_SESSIONS) {
		snprintf(err, errlen, "%s %s makes no sense with --bench %s: "
		    "its connections half-close to read the whole echo",
		    o->close_shown, o->close_text,
		    bench_mode_name(o->bench_mode));
		return -1;
	}
	return 0;
}

void
client_options_defaults(struct client_options *o)
{
	memset(o, 0, sizeof *o);
	o->host = DEFAULT_HOST;
	o->port = DEFAULT_PORT;
	o->wait = DEFAULT_WAIT;
	o->wait_text = DEFAULT_WAIT_TEXT;
	o->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
	o->close_mode = SESSION_CLOSE_SHUTDOWN;
	o->concurrency = 1;
	o->duration = DEFAULT_BENCH_DURATION;
}

int
client_options_parse(int argc, char *argv[], struct client_options *o,
    char *err, size_t errlen)
{
	struct opt_state st = { .index = 1 };
	unsigned long port;
	int id, rc = 0;

	while (rc == 0 && (id = opt_next(&st, argc, argv,
	    client_options_table, err, errlen)) != 0) {
		switch (id) {
		case OPT_BENCH:
			rc = parse_bench_mode(st.shown, st.value,
			    &o->bench_mode, err, errlen);
			o->bench = 1;
			break;
		case OPT_CLOSE:
			o->close_text = st.value;
			snprintf(o->close_shown, sizeof o->close_shown,
			    "%s", st.shown);
			break;
		case OPT_CONCURRENCY:
			rc = parse_number(st.shown, st.value, 1,
			    BENCH_CONCURRENCY_MAX, &o->concurrency, err,
			    errlen);
			note_bench_only(o, st.shown);
			break;
		case OPT_CONNECT_TIMEOUT:
			rc = parse_seconds(st.shown, st.value,
			    &o->connect_timeout, err, errlen);
			note_not_bench(o, st.shown, "a run bounds every wait, "
			    "connecting included, with --wait");
			break;
		case OPT_COUNT:
			rc = parse_number(st.shown, st.value, 0,
			    BENCH_COUNT_MAX, &o->count, err, errlen);
			note_bench_only(o, st.shown);
			break;
		case OPT_DURATION:
			rc = parse_duration(st.shown, st.value, &o->duration,
			    err, errlen);
			note_bench_only(o, st.shown);
			break;
		case OPT_HELP:
			o->want_help = 1;
			return 1;
		case OPT_INTERVAL:
			rc = parse_seconds(st.shown, st.value, &o->interval,
			    err, errlen);
			note_not_bench(o, st.shown, own_data);
			break;
		case OPT_JSON:
			o->json = 1;
			note_bench_only(o, st.shown);
			break;
		case OPT_MESSAGE:
			/* st.value points into argv, which outlives us. */
			o->messages[o->message_count++] = (char *)st.value;
			note_not_bench(o, st.shown, own_data);
			break;
		case OPT_QUIET:
			o->quiet = 1;
			note_not_bench(o, st.shown, "the result of a run is "
			    "its output");
			break;
		case OPT_SIZE:
			rc = parse_size(st.shown, st.value, &o->size_min,
			    &o->size, err, errlen);
			note_bench_only(o, st.shown);
			break;
		case OPT_VERSION:
			o->want_version = 1;
			return 1;
		case OPT_WAIT:
			rc = parse_seconds(st.shown, st.value, &o->wait, err,
			    errlen);
			o->wait_text = st.value;
			o->wait_given = 1;
			break;
		default:
			return -1;	/* opt_next's message is in err */
		}
	}
	if (rc != 0)
		return -1;

	if (st.index < argc)
		o->host = argv[st.index++];
	if (st.index < argc)
		o->port = argv[st.index++];
	if (st.index < argc) {
		snprintf(err, errlen, "too many operands: '%s'",
		    argv[st.index]);
		return -1;
	}
	if (num_parse_ulong(o->port, 1, 65535, &port) < 0) {
		snprintf(err, errlen, "port '%s' is not a number from 1 to "
		    "65535", o->port);
		return -1;
	}
	return 0;
}

int
client_options_check(struct client_options *o, char *err, size_t errlen)
{
	if (!o->bench && o->bench_only[0] != '\0') {
		snprintf(err, errlen, "%s makes no sense without --bench",
		    o->bench_only);
		return -1;
	}
	if (o->bench && o->not_bench[0] != '\0') {
		snprintf(err, errlen, "%s makes no sense with --bench: %s",
		    o->not_bench, o->not_bench_why);
		return -1;
	}
	if (o->close_text != NULL && read_close(o, err, errlen) < 0)
		return -1;
	if (o->size_min > 0 && o->bench_mode != BENCH_SESSIONS) {
		snprintf(err, errlen, "--size %lu-%lu makes no sense with "
		    "--bench %s: only sessions have sizes of their own",
		    o->size_min, o->size, bench_mode_name(o->bench_mode));
		return -1;
	}
	if (o->bench && o->wait == 0) {
		snprintf(err, errlen, "--wait 0 makes no sense with --bench: "
		    "every wait in a run has a deadline");
		return -1;
	}
	if (o->wait_given && (o->close_mode == SESSION_CLOSE_CLOSE ||
	    o->close_mode == SESSION_CLOSE_LINGER0)) {
		snprintf(err, errlen, "--wait makes no sense with --close %s: "
		    "the client does not wait for the server",
		    close_names[o->close_mode]);
		return -1;
	}
	return 0;
}

