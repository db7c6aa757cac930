/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "check.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

void
fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	diag_set_progname("fuzz");
	va_start(ap, fmt);
	diag_vmsg(0, fmt, ap);
	va_end(ap);
	abort();
}

void
fuzz_expect_message(const char *call, const char *err)
{
	if (err[0] == '\0')
		fuzz_fail("%s failed without a message", call);
}

int
fuzz_parse_goes_on(const char *call, int rc, int want_help,
    int want_version, const char *err)
{
	if (rc < 0) {
		fuzz_expect_message(call, err);
		return 0;
	}
	if (rc > 0) {
		if (want_help == want_version)
			fuzz_fail("%s returned 1 with want_help %d, "
			    "want_version %d", call, want_help, want_version);
		return 0;
	}
	if (want_help || want_version)
		fuzz_fail("%s returned 0 with -h or -V", call);
	return 1;
}

int
fuzz_port_ok(const char *text)
{
	unsigned long n;

	if (text[0] == '\0' || text[strspn(text, "0123456789")] != '\0')
		return 0;
	text += strspn(text, "0");
	if (strlen(text) > 5)
		return 0;
	n = strtoul(text, NULL, 10);
	return n >= 1 && n <= 65535;
}
