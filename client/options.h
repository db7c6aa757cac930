/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * options: forkecho's command line, the one table that names its options,
 * and the checks of options given together.
 *
 * The module reads argv into struct client_options and refuses what
 * forkecho(1) does not allow, with a message that names the input; it
 * prints nothing and never exits, so that main decides what to show and
 * how to end, and a fuzzer can call it.
 */
#ifndef FORKECHO_CLIENT_OPTIONS_H
#define FORKECHO_CLIENT_OPTIONS_H

#include <stddef.h>

#include "opt.h"
#include "session.h"

/* A day: longer is a typo, and keeps poll()'s milliseconds in an int. */
#define CLIENT_SECONDS_MAX 86400.0

struct client_options {
	struct opt_endpoint to;	/* the server, from the operands */
	int family;		/* AF_UNSPEC, or AF_INET (-4), AF_INET6 (-6) */
	int four, six;		/* -4 and -6 as given, for the check */
	int verbose;		/* -v: say where it connects */
	char **messages;	/* the -m texts, pointers into argv; the
				 * caller gives room for argc of them */
	size_t message_count;
	double interval;
	double wait;
	const char *wait_text;	/* as written, for the last line */
	int wait_given;
	double connect_timeout;
	enum session_close close_mode;
	int keep_sending;	/* --keep-sending: send on after the FIN */
	double read_delay;	/* --read-delay: read nothing this long */
	int quiet;
	int want_help;		/* -h: main prints the help */
	int want_version;	/* -V: main prints the version */
};

/* The table of options, ending with a NULL name. */
extern const struct opt_spec client_options_table[];

/* The synopsis, as in forkecho(1), in English: _() translates it. */
extern const char *const client_options_usage;

/* Sets every option to its default; messages is left NULL. */
void client_options_defaults(struct client_options *o);

/*
 * Reads the options and operands of argv into o, which holds the
 * defaults and room for argc messages.  Options may follow the operands,
 * as glibc's getopt allows; "--" ends the options.  The operands are
 * "[HOST [PORT]]", "HOST:PORT" or "[ADDR]:PORT"; PORT is a number or a
 * TCP service name from /etc/services.  Returns 0 to go on, 1 when -h or
 * -V asks main to answer (want_help or want_version says which; the rest
 * of argv is left unread), or -1 with a message naming the bad input in
 * err.
 */
int client_options_parse(int argc, char *argv[], struct client_options *o,
    char *err, size_t errlen);

/*
 * Refuses options that make no sense together, naming them.  Returns 0,
 * or -1 with the message in err.
 */
int client_options_check(const struct client_options *o, char *err,
    size_t errlen);

#endif
