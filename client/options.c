/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
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

const struct opt_spec client_options_table[] = {
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
const char client_options_usage[] =
    "usage: forkecho [-hqV] [-i secs] [-m text] [-w secs] [--close mode]\n"
    "\t[--connect-timeout secs] [host [port]]\n";

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
}

int
client_options_parse(int argc, char *argv[], struct client_options *o,
    char *err, size_t errlen)
{
	struct opt_state st = { .index = 1 };
	int id, rc = 0;

	while (rc == 0 && (id = opt_next(&st, argc, argv,
	    client_options_table, err, errlen)) != 0) {
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
			o->want_help = 1;
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

	return opt_host_port(argc, argv, st.index, &o->host, &o->port, err,
	    errlen);
}

int
client_options_check(const struct client_options *o, char *err,
    size_t errlen)
{
	if (o->wait_given && (o->close_mode == SESSION_CLOSE_CLOSE ||
	    o->close_mode == SESSION_CLOSE_LINGER0)) {
		snprintf(err, errlen, "--wait makes no sense with --close %s: "
		    "the client does not wait for the server",
		    close_names[o->close_mode]);
		return -1;
	}
	return 0;
}
