/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * privs: giving up root after the sockets are bound, so that port 7 (the
 * echo port, below 1024) can be served without serving as root.
 */
#ifndef FORKECHOD_PRIVS_H
#define FORKECHOD_PRIVS_H

#include <stddef.h>

/* The user a server started as root serves as when none is given. */
#define PRIVS_DEFAULT_USER "nobody"

/*
 * The user a start would serve as: user when one is given (non-empty);
 * without one, PRIVS_DEFAULT_USER when running as root, else NULL (stay
 * who we are).
 */
const char *privs_target(const char *user);

/*
 * Becomes user (a name): its group, no supplementary groups, its uid,
 * for good (a later setuid(0) fails).  Being that user already is fine;
 * becoming another needs root.  by_default says the user was not given
 * but chosen by privs_target, so that an error says where the name came
 * from.  Returns 0, or -1 with the failing call and the user named in
 * err.
 */
int privs_drop(const char *user, int by_default, char *err, size_t errlen);

/*
 * For -t: what privs_drop would refuse without changing anything (a
 * user that does not exist, another user when not root).  Returns 0, or
 * -1 with err.
 */
int privs_check(const char *user, int by_default, char *err,
    size_t errlen);

#endif
