/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * A libFuzzer target for forkecho's command line, the way main() takes
 * it: client_options_defaults(), a messages array of argc entries, then
 * client_options_parse() and client_options_check().
 *
 * Each line of the input is one argument after argv[0], at most MAX_ARGS
 * of them (see args.h).  -h and -V need no special care: the parser only
 * records them and main() answers them, so the fuzzer never writes to
 * standard output.
 *
 * Besides crashes, leaks and hangs (a -m too many would overrun the
 * messages array, which AddressSanitizer sees), a refusal without a
 * message fails, and so do options accepted outside the bounds that
 * forkecho(1) gives, or accepted together when the page says they make
 * no sense together.  The port is always numeric once accepted, a
 * service name included (getservbyname reads only /etc/services).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "check.h"
/* By its path: the fuzz build puts server/ on the include path, and
 * server/options.h has the same name. */
#include "../client/options.h"

#define MAX_ARGS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether p points into one of the arguments, as an option's value
 * must: the messages are pointers into argv, not copies. */
static int
in_argv(const char *p, int argc, char *argv[])
{
	int i;

	for (i = 1; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return 1;
	return 0;
}

static int
seconds_ok(double secs)
{
	return secs >= 0 && secs <= CLIENT_SECONDS_MAX;
}

/* What an accepted command line must hold, whatever it was. */
static void
check_accepted(const struct client_options *o, int argc, char *argv[])
{
	size_t i;

	if (o->to.host == NULL || o->to.port == NULL || o->wait_text == NULL)
		fuzz_fail("accepted without a host, port or wait text");
	if (!fuzz_port_ok(o->to.port))
		fuzz_fail("accepted port '%s'", o->to.port);
	if (!seconds_ok(o->interval) || !seconds_ok(o->wait) ||
	    !seconds_ok(o->connect_timeout))
		fuzz_fail("accepted -i %g, -w %g, --connect-timeout %g",
		    o->interval, o->wait, o->connect_timeout);
	if (o->message_count > (size_t)argc - 1)
		fuzz_fail("%zu messages from %d arguments", o->message_count,
		    argc - 1);
	for (i = 0; i < o->message_count; i++)
		if (o->messages[i] == NULL ||
		    !in_argv(o->messages[i], argc, argv))
			fuzz_fail("message %zu is not in argv", i);
	if (o->four && o->six)
		fuzz_fail("accepted -4 and -6 together");
	if (o->to.host[0] == '\0')
		fuzz_fail("accepted an empty host");
	if ((unsigned)o->close_mode > SESSION_CLOSE_NONE)
		fuzz_fail("accepted close mode %d", (int)o->close_mode);
	if (o->keep_sending != 0 && o->keep_sending != 1)
		fuzz_fail("keep_sending is %d", o->keep_sending);
	if (o->wait_given && (o->close_mode == SESSION_CLOSE_CLOSE ||
	    o->close_mode == SESSION_CLOSE_LINGER0))
		fuzz_fail("accepted --wait with --close close or linger0");
}

/* Runs main()'s parse and check over argv. */
static void
parse_as_main(int argc, char *argv[])
{
	struct client_options o;
	char err[512] = "";
	int rc;

	client_options_defaults(&o);
	o.messages = calloc((size_t)argc, sizeof *o.messages);
	if (o.messages == NULL)
		return;
	rc = client_options_parse(argc, argv, &o, err, sizeof err);
	if (fuzz_parse_goes_on("client_options_parse", rc, o.want_help,
	    o.want_version, err)) {
		if (client_options_check(&o, err, sizeof err) < 0)
			fuzz_expect_message("client_options_check", err);
		else
			check_accepted(&o, argc, argv);
	}
	free(o.messages);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char progname[] = "forkecho";
	char *argv[MAX_ARGS + 2];
	int argc = fuzz_args_split(data, size, progname, argv, MAX_ARGS);

	parse_as_main(argc, argv);
	fuzz_args_free(argc, argv);
	return 0;
}
