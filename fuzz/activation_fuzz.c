/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * A libFuzzer target for systemd socket activation's two variables, as
 * forkechod reads them: listeners_parse_activation(), the part of
 * listeners_inherit() that touches no descriptor.  The fuzzer must never
 * call listeners_inherit() itself, which would take descriptors from 3
 * on for its own: libFuzzer's, or AddressSanitizer's.
 *
 * An input is "PID\nFDS": the first line is LISTEN_PID's value, the rest
 * (less one final newline, so seeds can be ordinary text files) is
 * LISTEN_FDS's.  Each value ends at a NUL, as a value in the environment
 * does.  A '$' in PID stands for this process's pid, which a fuzzer
 * could not guess and a seed could not hold: "$" is the pid, "00$" the
 * same with leading zeros, "$0" another process's.  The values go to the
 * function directly, not through setenv(), since it takes them as
 * arguments.
 *
 * Besides crashes and hangs, the answer is checked against the rules read
 * apart from lib/num.c: only plain decimal naming this process counts,
 * and then LISTEN_FDS must be a count from 1 to OPTIONS_MAX_LISTEN, or
 * the refusal names LISTEN_FDS.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "listeners.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DIGITS "0123456789"

/* The len bytes at p as a string, each '$' replaced by pid unless pid is
 * empty; NULL if out of memory. */
static char *
value(const uint8_t *p, size_t len, const char *pid)
{
	size_t i, n = 0, pidlen = strlen(pid);
	char *out = malloc(len * (pidlen > 0 ? pidlen : 1) + 1);

	if (out == NULL)
		return NULL;
	for (i = 0; i < len && p[i] != '\0'; i++) {
		if (p[i] == '$' && pidlen > 0) {
			memcpy(out + n, pid, pidlen);
			n += pidlen;
		} else
			out[n++] = (char)p[i];
	}
	out[n] = '\0';
	return out;
}

/* text, if it is plain decimal, without its leading zeros; else NULL. */
static const char *
decimal(const char *text)
{
	if (text[0] == '\0' || text[strspn(text, DIGITS)] != '\0')
		return NULL;
	while (text[0] == '0' && text[1] != '\0')
		text++;
	return text;
}

/* The count that LISTEN_FDS must give, or 0 if it gives none. */
static int
want_count(const char *fds)
{
	const char *d = decimal(fds);
	int n = 0;

	if (d == NULL || strlen(d) > 2)
		return 0;
	for (; *d != '\0'; d++)
		n = n * 10 + (*d - '0');
	return n >= 1 && n <= OPTIONS_MAX_LISTEN ? n : 0;
}

static void
check(const char *pid_text, const char *fds_text, const char *self)
{
	const char *d = decimal(pid_text);
	int ours = d != NULL && strcmp(d, self) == 0;
	int want = want_count(fds_text);
	char err[512] = "";
	int n;

	n = listeners_parse_activation(pid_text, fds_text, err, sizeof err);
	if (!ours && n != 0)
		fuzz_fail("LISTEN_PID='%s' (we are %s), LISTEN_FDS='%s': %d, "
		    "want 0", pid_text, self, fds_text, n);
	if (ours && want > 0 && n != want)
		fuzz_fail("LISTEN_PID=ours, LISTEN_FDS='%s': %d, want %d",
		    fds_text, n, want);
	if (ours && want == 0) {
		if (n != -1)
			fuzz_fail("LISTEN_PID=ours, LISTEN_FDS='%s': %d, "
			    "want -1", fds_text, n);
		fuzz_expect_message("listeners_parse_activation", err);
		if (strncmp(err, "LISTEN_FDS: ", 12) != 0)
			fuzz_fail("a bad LISTEN_FDS='%s' refused as '%s'",
			    fds_text, err);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t pid_len = nl != NULL ? (size_t)(nl - data) : size;
	const uint8_t *fds = nl != NULL ? nl + 1 : data + size;
	size_t fds_len = size - (size_t)(fds - data);
	char self[32], *pid_text, *fds_text;

	snprintf(self, sizeof self, "%ld", (long)getpid());
	if (fds_len > 0 && fds[fds_len - 1] == '\n')
		fds_len--;
	pid_text = value(data, pid_len, self);
	fds_text = value(fds, fds_len, "");
	if (pid_text != NULL && fds_text != NULL)
		check(pid_text, fds_text, self);
	free(pid_text);
	free(fds_text);
	return 0;
}
