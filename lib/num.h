/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * num: strict parsing of numbers given by users.
 *
 * Both functions accept only plain decimal text (no sign, no spaces, no
 * hexadecimal, no exponent), so that "7e3", " 5" or "-1" are rejected
 * instead of being read as something the user did not mean.  They return 0,
 * or -1 with errno EINVAL (not a number) or ERANGE (out of range).
 */
#ifndef FORKECHO_NUM_H
#define FORKECHO_NUM_H

int num_parse_ulong(const char *text, unsigned long min, unsigned long max,
    unsigned long *out);

/* Seconds as "3", "0.25" or "1.5"; between 0 and max inclusive. */
int num_parse_seconds(const char *text, double max, double *out);

#endif
