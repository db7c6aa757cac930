/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "num.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
num_parse_ulong(const char *text, unsigned long min, unsigned long max,
    unsigned long *out)
{
	unsigned long value = 0;
	const char *p;

	/* All of the text first: "99999999999999999999x" is not a number,
	 * rather than a number out of range. */
	if (*text == '\0' || text[strspn(text, "0123456789")] != '\0') {
		errno = EINVAL;
		return -1;
	}
	for (p = text; *p != '\0'; p++) {
		unsigned digit = (unsigned)(*p - '0');

		/* value * 10 + digit > max, without overflow; the first test
		 * keeps max - digit from wrapping when max is smaller than
		 * the digit. */
		if (digit > max || value > (max - digit) / 10) {
			errno = ERANGE;
			return -1;
		}
		value = value * 10 + digit;
	}
	if (value < min) {
		errno = ERANGE;
		return -1;
	}
	*out = value;
	return 0;
}

int
num_parse_seconds(const char *text, double max, double *out)
{
	const char *p;
	int digits = 0, dots = 0;
	double value;

	for (p = text; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '.' && dots == 0)
			dots++;
		else {
			errno = EINVAL;
			return -1;
		}
	}
	if (digits == 0) {
		errno = EINVAL;
		return -1;
	}
	/* The text is now known to be plain decimal, so strtod cannot see
	 * "inf", "nan", hex floats or exponents. */
	value = strtod(text, NULL);
	if (value > max) {
		errno = ERANGE;
		return -1;
	}
	*out = value;
	return 0;
}
