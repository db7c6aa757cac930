/*
 * forkecho: a client for an RFC 862 echo server that reports how the
 * connection ended: FIN, RST, or no FIN at all.  See forkecho(1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

enum {
	OPT_CLOSE = 1,
	OPT_CONNECT_TIMEOUT,
	OPT_HELP,
	OPT_INTERVAL,
	OPT_MESSAGE,
	OPT_QUIET,
	OPT_VERSION,
	OPT_WAIT
};

static const struct opt_spec options[] = {
	{ "close", 0, "MODE", OPT_CLOSE,
	    "once input is sent: shutdown (default), close, linger0, none" },
	{ "connect-timeout", 0, "SECS", OPT_CONNECT_TIMEOUT,
	    "give up connecting after SECS (default 10, 0: no limit)" },
	{ "help", 'h', NULL, OPT_HELP, "print this help and exit" },
	{ "interval", 'i', "SECS", OPT_INTERVAL,
	    "pause SECS between messages or input lines" },
	{ "message", 'm', "TEXT", OPT_MESSAGE,
	    "send TEXT and a newline instead of standard input (repeatable)" },
	{ "quiet", 'q', NULL, OPT_QUIET, "do not print the last line" },
	{ "version", 'V', NULL, OPT_VERSION, "print the version and exit" },
	{ "wait", 'w', "SECS", OPT_WAIT,
	    "wait SECS for the server's FIN or progress (default 10, "
	    "0: no limit)" },
	{ NULL, 0, NULL, 0, NULL }
};

/* The same words as the SYNOPSIS of forkecho(1). */
static const char usage_text[] =
    "usage: forkecho [-hqV] [-i secs] [-m text] [-w secs] [--close mode]\n"
    "\t[--connect-timeout secs] [host [port]]\n";

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
	int quiet;
};

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
		case OPT_CLOSE:
			rc = parse_close(st.shown, st.value, &o->close_mode,
			    err, errlen);
			break;
		case OPT_CONNECT_TIMEOUT:
			rc = parse_seconds(st.shown, st.value,
			    &o->connect_timeout, err, errlen);
			break;
		case OPT_HELP:
			usage(STDOUT_FILENO);
			opt_print_help(options, STDOUT_FILENO);
			return 1;
		case OPT_INTERVAL:
			rc = parse_seconds(st.shown, st.value, &o->interval,
			    err, errlen);
			break;
		case OPT_MESSAGE:
			/* st.value points into argv, which outlives us. */
			o->messages[o->message_count++] = (char *)st.value;
			break;
		case OPT_QUIET:
			o->quiet = 1;
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
	if (o->wait_given && (o->close_mode == SESSION_CLOSE_CLOSE ||
	    o->close_mode == SESSION_CLOSE_LINGER0)) {
		snprintf(err, errlen, "--wait makes no sense with --close %s: "
		    "the client does not wait for the server",
		    close_names[o->close_mode]);
		return -1;
	}
	return 0;
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
