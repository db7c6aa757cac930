/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/* setgroups() is not POSIX; glibc declares it only with _DEFAULT_SOURCE.
 * Without it the server would keep root's supplementary groups. */
#define _DEFAULT_SOURCE 1

#include "privs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "sockinfo.h"

/* getpwnam, with "no such user" where it sets no errno. */
static struct passwd *
lookup(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL)
		snprintf(err, errlen, "--user %s: %s", user, errno != 0 ?
		    strerror(errno) : "no such user");
	return pw;
}

int
privs_check(const char *user, char *err, size_t errlen)
{
	return lookup(user, err, errlen) == NULL ? -1 : 0;
}

int
privs_drop(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	pw = lookup(user, err, errlen);
	if (pw == NULL)
		return -1;
	if (pw->pw_uid == geteuid() && pw->pw_gid == getegid())
		return 0;	/* already that user: nothing to give up */
	if (geteuid() != 0) {
		snprintf(err, errlen, "--user %s: only root can become another "
		    "user", user);
		return -1;
	}
	if (pw->pw_uid == 0)
		return 0;
	/* Groups first: once the uid is gone, so is the right to change
	 * them. */
	if (setgroups(0, NULL) < 0) {
		snprintf(err, errlen, "--user %s: setgroups: %s", user,
		    strerror(errno));
		return -1;
	}
	if (setgid(pw->pw_gid) < 0) {
		snprintf(err, errlen, "--user %s: setgid %ld: %s", user,
		    (long)pw->pw_gid, strerror(errno));
		return -1;
	}
	if (setuid(pw->pw_uid) < 0) {
		snprintf(err, errlen, "--user %s: setuid %ld: %s", user,
		    (long)pw->pw_uid, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		snprintf(err, errlen, "--user %s: root could be regained",
		    user);
		return -1;
	}
	/* The kernel hides a process's /proc/PID/fd from its own user after
	 * a change of credentials; the trace counts references there. */
	(void)sockinfo_keep_visible();
	return 0;
}
