/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "nls.h"
#include "num.h"

#define DEFAULT_WAIT 10.0
#define DEFAULT_WAIT_TEXT "10"	/* as the last line shows it */
#define DEFAULT_CONNECT_TIMEOUT 10.0

enum {
	OPT_FOUR = 1,
	OPT_SIX,
	OPT_CLOSE,
	OPT_CONNECT_TIMEOUT,
	OPT_HELP,
	OPT_INTERVAL,
	OPT_KEEP_SENDING,
	OPT_MESSAGE,
	OPT_NOOP_N,
	OPT_QUIET,
	OPT_READ_DELAY,
	OPT_VERBOSE,
	OPT_VERSION,
	OPT_WAIT
};

const struct opt_spec client_options_table[] = {
	{ "ipv4", '4', NULL, OPT_FOUR, N_("connect over IPv4 only") },
	{ "ipv6", '6', NULL, OPT_SIX, N_("connect over IPv6 only") },
	{ "close", 0, "MODE", OPT_CLOSE,
	    N_("once input is sent: shutdown (default), close, linger0, "
	    "none") },
	{ "connect-timeout", 0, "SECS", OPT_CONNECT_TIMEOUT,
	    N_("give up connecting after SECS (default 10, 0: no limit)") },
	{ "help", 'h', NULL, OPT_HELP, N_("print this help and exit") },
	{ "interval", 'i', "SECS", OPT_INTERVAL,
	    N_("pause SECS between messages or input lines") },
	{ "keep-sending", 0, NULL, OPT_KEEP_SENDING,
	    N_("go on sending after the server's FIN; report each write") },
	{ "message", 'm', "TEXT", OPT_MESSAGE,
	    N_("send TEXT and a newline instead of standard input "
	    "(repeatable)") },
	{ "half-close", 'N', NULL, OPT_NOOP_N,
	    N_("accepted as netcat's -N: the half-close is already the "
	    "default") },
	{ "quiet", 'q', NULL, OPT_QUIET,
	    N_("do not print the last line, nor --keep-sending's reports") },
	{ "read-delay", 0, "SECS", OPT_READ_DELAY,
	    N_("read nothing for SECS, or until SIGUSR1: a slow reader") },
	{ "verbose", 'v', NULL, OPT_VERBOSE,
	    N_("say where it connects, before the data") },
	{ "version", 'V', NULL, OPT_VERSION, N_("print the version and exit") },
	{ "wait", 'w', "SECS", OPT_WAIT,
	    N_("wait SECS for the server's FIN or progress (default 10, "
	    "0: no limit)") },
	{ NULL, 0, NULL, 0, NULL }
};

/* The same words as the SYNOPSIS of forkecho(1); translated where it is
 * written (a pointer: N_() is parenthesized, which an array's initializer
 * may not be). */
const char *const client_options_usage =
    /* TRANSLATORS: the option letters and names are typed as they are:
     * keep them; the lowercase words are placeholders. */
    N_("usage: forkecho [-46hNqVv] [-i secs] [-m text] [-w secs] "
    "[--close mode]\n"
    "\t[--connect-timeout secs] [--keep-sending] [--read-delay secs]\n"
    "\t[host [port] | host:port]\n");

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
		snprintf(err, errlen, _("%s: '%s' is more than %.0f seconds"),
		    shown, text, CLIENT_SECONDS_MAX);
	else
		snprintf(err, errlen, _("%s: '%s' is not a number of seconds"),
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
	/* TRANSLATORS: shutdown, close, linger0 and none are what the
	 * user types: keep them. */
	snprintf(err, errlen, _("%s: '%s' is not one of shutdown, close, "
	    "linger0, none"), shown, text);
	return -1;
}

void
client_options_defaults(struct client_options *o)
{
	memset(o, 0, sizeof *o);
	o->wait = DEFAULT_WAIT;
	o->wait_text = DEFAULT_WAIT_TEXT;
	o->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
	o->close_mode = SESSION_CLOSE_SHUTDOWN;
	o->family = AF_UNSPEC;
}

int
client_options_parse(int argc, char *argv[], struct client_options *o,
    char *err, size_t errlen)
{
	struct opt_state st = { .index = 1 };
	char *operands[3];
	int count = 0, id, rc = 0, before;

	for (;;) {
		before = st.index;
		id = opt_next(&st, argc, argv, client_options_table, err,
		    errlen);
		if (id == 0) {
			/* An operand, or the end.  As with glibc's getopt,
			 * options may follow the operands, unless "--" (which
			 * opt_next steps over) ended them. */
			if (st.index >= argc)
				break;
			if (st.index > before) {
				while (st.index < argc && count < 3)
					operands[count++] = argv[st.index++];
				break;
			}
			if (count < 3)
				operands[count++] = argv[st.index];
			st.index++;
			continue;
		}
		switch (id) {
		case OPT_FOUR:
			o->four = 1;
			o->family = AF_INET;
			break;
		case OPT_SIX:
			o->six = 1;
			o->family = AF_INET6;
			break;
		case OPT_NOOP_N:
			break;
		case OPT_VERBOSE:
			o->verbose = 1;
			break;
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
		case OPT_KEEP_SENDING:
			o->keep_sending = 1;
			break;
		case OPT_MESSAGE:
			/* st.value points into argv, which outlives us. */
			o->messages[o->message_count++] = (char *)st.value;
			break;
		case OPT_QUIET:
			o->quiet = 1;
			break;
		case OPT_READ_DELAY:
			rc = parse_seconds(st.shown, st.value, &o->read_delay,
			    err, errlen);
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
		if (rc != 0)
			return -1;
	}
	if (st.index < argc) {
		snprintf(err, errlen, _("too many operands: '%s'"),
		    argv[st.index]);
		return -1;
	}
	return opt_host_port(&o->to, operands, count, err, errlen);
}

int
client_options_check(const struct client_options *o, char *err,
    size_t errlen)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (o->four && o->six) {
		snprintf(err, errlen, "%s", _("-4 and -6 exclude each other"));
		return -1;
	}
	/* A numeric address of the other family can never connect: say so
	 * here rather than with the resolver's vaguer words. */
	if (o->four && inet_pton(AF_INET6, o->to.host, buf) == 1) {
		snprintf(err, errlen, _("-4: '%s' is an IPv6 address"),
		    o->to.host);
		return -1;
	}
	if (o->six && inet_pton(AF_INET, o->to.host, buf) == 1) {
		snprintf(err, errlen, _("-6: '%s' is an IPv4 address"),
		    o->to.host);
		return -1;
	}
	if (o->wait_given && (o->close_mode == SESSION_CLOSE_CLOSE ||
	    o->close_mode == SESSION_CLOSE_LINGER0)) {
		snprintf(err, errlen, _("--wait makes no sense with --close "
		    "%s: the client does not wait for the server"),
		    close_names[o->close_mode]);
		return -1;
	}
	return 0;
}
