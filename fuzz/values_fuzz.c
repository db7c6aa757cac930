/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * A libFuzzer target for option values, one at a time.  The input, up to
 * its first NUL, is the value.  It goes to the number parsers of
 * lib/num.c, checked against what num.h promises, and to every forkechod
 * option that takes a value (counts, seconds, HOW@SECS, now|exit|never|
 * SECS, lesson names, addresses...), each on fresh settings, then through
 * the checks of option combinations.  Every refusal must say why.
 *
 * forkecho's and forkecho-bench's option values go through their whole
 * command lines in client_fuzz.c and bench_fuzz.c instead, since their
 * messages and bounds depend on the option that carries them and, for
 * the bench, on the mode.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "num.h"
#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DIGITS "0123456789"

/* The bounds callers pass, and the edges: nothing, one value, less than
 * one digit's worth, the whole range. */
static const struct {
	unsigned long min, max;
} count_bounds[] = {
	{ 0, ULONG_MAX }, { 1, ULONG_MAX }, { 0, 65535 }, { 1, 65535 },
	{ 1, 1024 }, { 1, 16 }, { 10, 99 }, { 0, 0 }, { 0, 5 }, { 7, 7 },
	{ ULONG_MAX, ULONG_MAX },
};

static const double seconds_max[] = { 0, 0.5, 1, 86400, 1e300 };

/* num_parse_ulong against strtoul, which reads text of digits alone the
 * same way and says when it overflows. */
static void
check_count(const char *text, unsigned long min, unsigned long max)
{
	unsigned long got = 0, want = 0;
	int rc, got_errno, want_errno = 0;

	errno = 0;
	rc = num_parse_ulong(text, min, max, &got);
	got_errno = errno;
	if (text[0] == '\0' || text[strspn(text, DIGITS)] != '\0') {
		want_errno = EINVAL;
	} else {
		errno = 0;
		want = strtoul(text, NULL, 10);
		if (errno == ERANGE || want < min || want > max)
			want_errno = ERANGE;
	}
	if (want_errno == 0 && (rc != 0 || got != want))
		fuzz_fail("num_parse_ulong(\"%s\", %lu, %lu): %d, errno %d; "
		    "want %lu", text, min, max, rc, got_errno, want);
	if (want_errno != 0 && (rc != -1 || got_errno != want_errno))
		fuzz_fail("num_parse_ulong(\"%s\", %lu, %lu): %d, %lu; want "
		    "errno %d", text, min, max, rc, got, want_errno);
}

/* num_parse_seconds against strtod, on the text num.h allows: digits, at
 * least one, and at most one dot. */
static void
check_seconds(const char *text, double max)
{
	const char *dot = strchr(text, '.');
	double got = -1, want = 0;
	int rc, got_errno, want_errno = 0;

	errno = 0;
	rc = num_parse_seconds(text, max, &got);
	got_errno = errno;
	if (text[strspn(text, DIGITS ".")] != '\0' ||
	    strpbrk(text, DIGITS) == NULL ||
	    (dot != NULL && strchr(dot + 1, '.') != NULL)) {
		want_errno = EINVAL;
	} else {
		want = strtod(text, NULL);
		if (want > max)
			want_errno = ERANGE;
	}
	if (want_errno == 0 && (rc != 0 || got != want || got < 0))
		fuzz_fail("num_parse_seconds(\"%s\", %g): %d, errno %d; "
		    "want %g", text, max, rc, got_errno, want);
	if (want_errno != 0 && (rc != -1 || got_errno != want_errno))
		fuzz_fail("num_parse_seconds(\"%s\", %g): %d, %g; want "
		    "errno %d", text, max, rc, got, want_errno);
}

/* text as the value of every option that takes one, from a file (the
 * command line differs only for listen, which options_fuzz.c covers). */
static void
check_options(const char *text)
{
	const struct opt_spec *spec;

	for (spec = options_table; spec->name != NULL; spec++) {
		struct server_config cfg;
		char err[512] = "";

		if (spec->arg == NULL)
			continue;
		options_defaults(&cfg);
		if (options_set(&cfg, spec->id, text, ORIGIN_FILE, err,
		    sizeof err) < 0) {
			fuzz_expect_message(spec->name, err);
			continue;
		}
		if (options_check(&cfg, err, sizeof err) < 0)
			fuzz_expect_message("options_check", err);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	size_t i;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (i = 0; i < sizeof count_bounds / sizeof count_bounds[0]; i++)
		check_count(text, count_bounds[i].min, count_bounds[i].max);
	for (i = 0; i < sizeof seconds_max / sizeof seconds_max[0]; i++)
		check_seconds(text, seconds_max[i]);
	check_options(text);
	free(text);
	return 0;
}
