/*
 * forkecho: a client for an RFC 862 echo server that reports how the
 * connection ended: FIN, RST, or no FIN at all; with --bench, one that
 * loads the server and measures it.  See forkecho(1).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "diag.h"
#include "io.h"
#include "monotime.h"
#include "net.h"
#include "num.h"
#include "opt.h"
#include "outcome.h"
#include "session.h"

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT "7007"
#define DEFAULT_WAIT 10.0
#define DEFAULT_WAIT_TEXT "10"	/* as the last line shows it */
#define DEFAULT_CONNECT_TIMEOUT 10.0
/* A day: longer is a typo, and keeps poll()'s milliseconds in an int. */
#define SECONDS_MAX 86400.0
#define DEFAULT_BENCH_DURATION 5.0
#define DEFAULT_BENCH_SIZE 64
#define DEFAULT_BULK_SIZE 65536

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

static const struct opt_spec options[] = {
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
static const char usage_text[] =
    "usage: forkecho [-hqV] [-i secs] [-m text] [-w secs] [--close mode]\n"
    "\t[--connect-timeout secs] [--bench mode [-c n] [-d secs] [-n count]\n"
    "\t[--json] [--size bytes]] [host [port]]\n";

static const char *const close_names[] = {
	[SESSION_CLOSE_SHUTDOWN] = "shutdown",
	[SESSION_CLOSE_CLOSE] = "close",
	[SESSION_CLOSE_LINGER0] = "linger0",
	[SESSION_CLOSE_NONE] = "none",
};

struct client_options {
	const char *host;
	const char *port;
	char **messages;	/* the -m texts, pointers into argv */
	size_t message_count;
	double interval;
	double wait;
	const char *wait_text;	/* as written, for the last line */
	int wait_given;
	double connect_timeout;
	enum session_close close_mode;
	const char *close_text;	/* --close as written: what it names
				 * depends on --bench, read at the end */
	char close_shown[64];
	int quiet;

	/* --bench and its options. */
	int bench;
	enum bench_mode bench_mode;
	unsigned long concurrency;
	double duration;
	unsigned long count;
	unsigned long size;	/* 0: the mode's default */
	unsigned long size_min;	/* 0, or the start of a MIN-MAX range */
	enum bench_close bench_close;
	int json;
	/* The first option given that needs --bench, and the first that
	 * makes no sense with it, as the user wrote them, for the
	 * refusal; the reason goes with the latter. */
	char bench_only[64];
	char not_bench[64];
	const char *not_bench_why;
};

/* Set by SIGINT or SIGTERM during a run: end it as at its deadline. */
static volatile sig_atomic_t bench_stop;

static void
usage(int fd)
{
	(void)io_write_all(fd, usage_text, sizeof usage_text - 1);
}

/* Reads SECS for the option shown; 0, or -1 with a message in err. */
static int
parse_seconds(const char *shown, const char *text, double *out, char *err,
    size_t errlen)
{
	if (num_parse_seconds(text, SECONDS_MAX, out) == 0)
		return 0;
	if (errno == ERANGE)
		snprintf(err, errlen, "%s: '%s' is more than %.0f seconds",
		    shown, text, SECONDS_MAX);
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

/*
 * Parses the command line into o.  Returns 0 to go on, 1 when -h or -V has
 * been answered (exit 0), or -1 with a message naming the bad input in
 * err.
 */
static int
parse_args(int argc, char *argv[], struct client_options *o, char *err,
    size_t errlen)
{
	struct opt_state st = { .index = 1 };
	unsigned long port;
	int id, rc = 0;

	while (rc == 0 && (id = opt_next(&st, argc, argv, options, err,
	    errlen)) != 0) {
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
			note_option(o->bench_only, sizeof o->bench_only,
			    st.shown);
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
			note_option(o->bench_only, sizeof o->bench_only,
			    st.shown);
			break;
		case OPT_DURATION:
			rc = parse_duration(st.shown, st.value, &o->duration,
			    err, errlen);
			note_option(o->bench_only, sizeof o->bench_only,
			    st.shown);
			break;
		case OPT_HELP:
			usage(STDOUT_FILENO);
			opt_print_help(options, STDOUT_FILENO);
			return 1;
		case OPT_INTERVAL:
			rc = parse_seconds(st.shown, st.value, &o->interval,
			    err, errlen);
			note_not_bench(o, st.shown, "a run sends its own data, "
			    "not messages or standard input");
			break;
		case OPT_JSON:
			o->json = 1;
			note_option(o->bench_only, sizeof o->bench_only,
			    st.shown);
			break;
		case OPT_MESSAGE:
			/* st.value points into argv, which outlives us. */
			o->messages[o->message_count++] = (char *)st.value;
			note_not_bench(o, st.shown, "a run sends its own data, "
			    "not messages or standard input");
			break;
		case OPT_QUIET:
			o->quiet = 1;
			note_not_bench(o, st.shown, "the result of a run is "
			    "its output");
			break;
		case OPT_SIZE:
			rc = parse_size(st.shown, st.value, &o->size_min,
			    &o->size, err, errlen);
			note_option(o->bench_only, sizeof o->bench_only,
			    st.shown);
			break;
		case OPT_VERSION:
			printf("forkecho %s\n", FORKECHO_VERSION);
			return fflush(stdout) == 0 ? 1 : -1;
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

	/* Options that make no sense together. */
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

static void
on_stop_signal(int sig)
{
	(void)sig;
	bench_stop = 1;
}

/* SIGINT and SIGTERM end a run early, with its result; SA_RESETHAND, so
 * that a second one ends the program without waiting for connections
 * still in flight. */
static int
catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGTERM, &sa, NULL) < 0)
		return -1;
	return 0;
}

/* forkecho --bench: runs the benchmark, prints its result on standard
 * output, and returns the exit status. */
static int
run_bench(const struct client_options *o)
{
	struct bench_config cfg;
	struct bench_result res;
	char err[512], line[1024];

	memset(&cfg, 0, sizeof cfg);
	cfg.mode = o->bench_mode;
	cfg.host = o->host;
	cfg.port = o->port;
	cfg.concurrency = (unsigned)o->concurrency;
	cfg.size = o->size > 0 ? o->size : o->bench_mode == BENCH_BULK ?
	    DEFAULT_BULK_SIZE : DEFAULT_BENCH_SIZE;
	cfg.size_min = o->size_min;
	cfg.close = o->bench_close;
	cfg.duration = o->duration;
	cfg.count = o->count;
	cfg.wait = o->wait;
	cfg.wait_text = o->wait_text;
	cfg.stop = &bench_stop;
	if (bench_resolve(o->host, o->port, &cfg.server, err,
	    sizeof err) < 0) {
		diag_msg("%s", err);
		return OUTCOME_CONNECT;
	}
	if (catch_stop_signals() < 0) {
		diag_err(errno, "sigaction SIGINT");
		return OUTCOME_LOCAL;
	}
	if (bench_run(&cfg, &res, err, sizeof err) < 0) {
		diag_msg("%s", err);
		return OUTCOME_LOCAL;
	}
	if (!o->json && res.errors > 0) {
		bench_format_errors(&cfg, &res, line, sizeof line);
		printf("%s\n", line);
	}
	bench_format(&cfg, &res, o->json, line, sizeof line);
	printf("%s\n", line);
	if (fflush(stdout) != 0) {
		diag_err(errno, "write standard output");
		return OUTCOME_LOCAL;
	}
	return bench_status(&res);
}

int
main(int argc, char *argv[])
{
	/* Static: the input's read-ahead buffer is large. */
	static struct input input;
	struct client_options o = {
		.host = DEFAULT_HOST,
		.port = DEFAULT_PORT,
		.wait = DEFAULT_WAIT,
		.wait_text = DEFAULT_WAIT_TEXT,
		.connect_timeout = DEFAULT_CONNECT_TIMEOUT,
		.close_mode = SESSION_CLOSE_SHUTDOWN,
		.concurrency = 1,
		.duration = DEFAULT_BENCH_DURATION,
	};
	struct session_config cfg;
	struct session_result res;
	char err[512], line[512];
	double started;
	int fd, rc;

	diag_set_progname("forkecho");

	/* Before any descriptor is opened: a closed 0, 1 or 2 would
	 * otherwise become the socket, and the echo would be written back
	 * into it.  A closed standard input reads as empty. */
	if (io_reserve_std_fds() < 0) {
		diag_err(errno, "io_reserve_std_fds: open /dev/null");
		return OUTCOME_LOCAL;
	}
	/* A server that goes away is an ending to report, not a reason to
	 * die of SIGPIPE, whether on the socket or on standard output. */
	if (io_ignore_sigpipe() < 0) {
		diag_err(errno, "sigaction SIGPIPE");
		return OUTCOME_LOCAL;
	}

	/* At most one message per argument. */
	o.messages = calloc((size_t)argc, sizeof *o.messages);
	if (o.messages == NULL) {
		diag_err(errno, "calloc");
		return OUTCOME_LOCAL;
	}
	rc = parse_args(argc, argv, &o, err, sizeof err);
	if (rc != 0) {
		if (rc < 0) {
			diag_msg("%s", err);
			usage(STDERR_FILENO);
		}
		free(o.messages);
		return rc < 0 ? OUTCOME_USAGE : 0;
	}
	if (o.bench) {
		free(o.messages);
		return run_bench(&o);
	}

	fd = net_connect(o.host, o.port, o.connect_timeout, err, sizeof err);
	if (fd < 0) {
		diag_msg("%s", err);
		free(o.messages);
		return OUTCOME_CONNECT;
	}
	started = monotime_now();

	if (o.message_count > 0)
		input_init_messages(&input, o.messages, o.message_count);
	else
		input_init_fd(&input, STDIN_FILENO, o.interval > 0);
	cfg.input = &input;
	cfg.out_fd = STDOUT_FILENO;
	cfg.interval = o.interval;
	cfg.close_mode = o.close_mode;
	cfg.wait = o.wait;
	rc = session_run(fd, &cfg, started, &res);
	free(o.messages);
	if (rc < 0) {
		diag_err(errno, "session");
		return OUTCOME_LOCAL;
	}

	if (res.end == SESSION_ERROR) {
		if (res.on_socket)
			diag_err(res.err, "%s %s %s", res.call, o.host, o.port);
		else
			diag_err(res.err, "%s", res.call);
	} else if (!o.quiet) {
		outcome_line(&res, o.close_mode, o.wait_text, line,
		    sizeof line);
		diag_msg("%s", line);
	}
	return outcome_status(&res);
}
