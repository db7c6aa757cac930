/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * privs: giving up root after the sockets are bound, so that port 7 (the
 * echo port, below 1024) can be served without serving as root.
 */
#ifndef FORKECHOD_PRIVS_H
#define FORKECHOD_PRIVS_H

#include <stddef.h>

/*
 * Becomes user (a name): its group, no supplementary groups, its uid,
 * for good (a later setuid(0) fails).  Being that user already is fine;
 * becoming another needs root.  Returns 0, or -1 with the failing call
 * and the user named in err.
 */
int privs_drop(const char *user, char *err, size_t errlen);

/* Checks that user exists (for -t).  Returns 0, or -1 with err. */
int privs_check(const char *user, char *err, size_t errlen);

#endif
