/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * limit_probe: lib/diag's limit on log lines, shared by two processes as
 * forkechod's parent and children share it, on a clock the probe makes up
 * (every call takes "now"), so that nothing depends on timing.  For
 * tests/server_logging.bats.  One line per step:
 *
 *	take N pass|drop	a line at second N, written or counted
 *	due N M			the looker closes the window at N: M dropped
 *	reopen N		the looker has written its count
 *
 * The child takes its line between the looker's due and reopen: it must
 * be counted, never written before the looker's count line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"

static struct diag_limit *l;

static void
take(double now)
{
	unsigned long missed;
	double span;
	int pass = diag_limit_take(l, now, &missed, &span);

	printf("take %g %s", now, pass ? "pass" : "drop");
	if (missed > 0)
		printf(" (after %lu missed)", missed);
	printf("\n");
}

int
main(void)
{
	FILE *f;
	unsigned long n;
	double span, next;
	pid_t pid;
	int status;

	diag_set_progname("limit_probe");
	/* Shared as forkechod shares it: a file mapped MAP_SHARED (POSIX
	 * has no anonymous mapping). */
	f = tmpfile();
	if (f == NULL || ftruncate(fileno(f), sizeof *l) < 0) {
		perror("limit_probe: tmpfile");
		return 2;
	}
	l = mmap(NULL, sizeof *l, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fileno(f), 0);
	if (l == MAP_FAILED || diag_limit_init(l, 5, 2, 0) < 0) {
		perror("limit_probe: setup");
		return 2;
	}
	/* A window of 5 s and 2 lines: the third line is counted. */
	take(1);
	take(2);
	take(3);
	n = diag_limit_due(l, 7, &span, &next);
	printf("due 7 %lu\n", n);
	(void)fflush(stdout);
	/* Another process's line while the count is not written yet. */
	pid = fork();
	if (pid < 0) {
		perror("limit_probe: fork");
		return 2;
	}
	if (pid == 0) {
		take(7.5);
		(void)fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0 || status != 0)
		return 2;
	diag_limit_reopen(l, 7);
	printf("reopen 7\n");
	take(8);
	take(9);
	take(10);
	/* The next window reports the line held back and the one over. */
	take(13);
	return fflush(stdout) == 0 ? 0 : 1;
}
