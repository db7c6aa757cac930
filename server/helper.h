/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * helper: a process that the one serving a connection forks for other
 * work, as Redis forks to write a snapshot or a web server runs a CGI
 * program.  fork() copies the whole descriptor table, so the helper
 * holds a copy of the connection without asking for one.  What it does
 * with that copy (--helper-does) is what the lessons from real servers
 * are about: hold it (the FIN waits for the helper), close it (the fix),
 * shut it down (the connection ends for its owner too) or exec a program
 * (which keeps it unless it is close-on-exec).
 */
#ifndef FORKECHOD_HELPER_H
#define FORKECHOD_HELPER_H

#include <sys/types.h>

#include "choreo.h"

/*
 * Forks the helper of connection conn (the caller's copy is fd) for
 * ch->helper_secs seconds, and returns once the helper has done what it
 * does with its copy first (or has exec'd): its pid, or -1 with errno if
 * fork() failed (logged, naming the call and the connection).
 */
pid_t helper_start(const struct choreo *ch, unsigned long conn, int fd);

/* Waits for the helper pid of connection conn to end (at most its
 * helper_secs, as it sets itself), and collects it. */
void helper_wait(unsigned long conn, pid_t pid);

#endif
