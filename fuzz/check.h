/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * check: what the fuzz targets assert beyond "no crash, no leak, no
 * hang".  A broken promise aborts, so that libFuzzer saves the input
 * that broke it and make fuzz fails.
 */
#ifndef FORKECHO_FUZZ_CHECK_H
#define FORKECHO_FUZZ_CHECK_H

/* Prints "fuzz: MESSAGE" on standard error and aborts. */
void fuzz_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* Fails unless err holds a message.  Every refusal must say why: an
 * empty one would reach the user as "forkechod: " and nothing else. */
void fuzz_expect_message(const char *call, const char *err);

/* What main() makes of a client's parse, which returns -1 (err says
 * why), 1 (-h or -V: print and exit) or 0 (go on).  Returns 1 when the
 * options are to be checked further; fails the run if the parse broke
 * that contract. */
int fuzz_parse_goes_on(const char *call, int rc, int want_help,
    int want_version, const char *err);

/* 1 if text is a port as the clients' pages allow it, read apart from
 * lib/num.c: decimal digits, leading zeros allowed (getaddrinfo() reads
 * "07007" as 7007 too), from 1 to 65535. */
int fuzz_port_ok(const char *text);

#endif
