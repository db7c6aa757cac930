/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * A libFuzzer target for addresses as users write them: "HOST:PORT",
 * "[IPV6]:PORT" or "HOST" for --listen (addr_parse_listen), and a host
 * and a port apart, as forkecho takes them (addr_resolve).  An input is
 * "TEXT" or "TEXT\0PORT": TEXT is the address, or the host; PORT is the
 * default port, 7007 if absent as in forkechod.  Only numeric hosts
 * resolve: see no_dns.c.
 *
 * Beyond crashes, leaks and hangs: every refusal says why, and an
 * address that parses prints in numeric form, and that form parses back
 * to the same bytes, since a repeated --listen is found by comparing
 * them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "check.h"
#include "num.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The numeric form of a, which must exist; returns its port. */
static unsigned
numeric(const char *text, const struct addr *a, char *host, size_t hostlen)
{
	unsigned port;

	if (addr_numeric((const struct sockaddr *)&a->ss, a->len, host,
	    hostlen, &port) < 0)
		fuzz_fail("%s resolved, but has no numeric form", text);
	if (port > 65535)
		fuzz_fail("%s resolved to port %u", text, port);
	return port;
}

/* a, parsed from text, printed and parsed again. */
static void
check_round_trip(const char *text, const struct addr *a)
{
	char host[128], again[160], shown[ADDR_TEXT_MAX], want[160];
	char err[512] = "";
	struct addr b;
	unsigned port = numeric(text, a, host, sizeof host);

	if (strchr(host, ':') != NULL)
		snprintf(again, sizeof again, "[%s]:%u", host, port);
	else
		snprintf(again, sizeof again, "%s:%u", host, port);
	if (addr_parse_listen(again, "1", &b, err, sizeof err) < 0)
		fuzz_fail("%s parsed, but not its numeric form %s: %s", text,
		    again, err);
	if (b.len != a->len || memcmp(&b.ss, &a->ss, a->len) != 0 ||
	    !addr_same_host(a, &b))
		fuzz_fail("%s and its numeric form %s are other addresses",
		    text, again);

	addr_text((const struct sockaddr *)&a->ss, a->len, shown,
	    sizeof shown);
	snprintf(want, sizeof want, "%s %u", host, port);
	if (strcmp(shown, want) != 0)
		fuzz_fail("%s is shown as '%s', not '%s'", text, shown, want);
}

/* host and port as forkecho resolves them, once it has checked the
 * port; a port it would refuse is left out. */
static void
check_resolve(const char *host, const char *port, int passive)
{
	char name[128], err[512] = "";
	unsigned long want;
	struct addr a;

	if (num_parse_ulong(port, 0, 65535, &want) < 0)
		return;
	if (addr_resolve(host, port, passive, &a, err, sizeof err) < 0) {
		fuzz_expect_message("addr_resolve", err);
		return;
	}
	if (numeric(host, &a, name, sizeof name) != want)
		fuzz_fail("%s port %s resolved to another port", host, port);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	const char *port;
	char err[512] = "";
	struct addr a;
	size_t len;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	len = strlen(text);
	port = len < size ? text + len + 1 : "7007";

	if (addr_parse_listen(text, port, &a, err, sizeof err) < 0)
		fuzz_expect_message("addr_parse_listen", err);
	else
		check_round_trip(text, &a);
	check_resolve(text, port, 0);
	check_resolve(text, port, 1);
	free(text);
	return 0;
}
