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

#include "nls.h"
#include "sockinfo.h"

const char *
privs_target(const char *user)
{
	if (user[0] != '\0')
		return user;
	/* Root is needed to bind port 7, not to echo bytes: a server
	 * started as root serves as nobody unless told otherwise, as
	 * tcpdump, dnsmasq and ntpd do. */
	return geteuid() == 0 ? PRIVS_DEFAULT_USER : NULL;
}

/* getpwnam, with "no such user" where it sets no errno.  A default user
 * that is missing says how to choose another, since the user never
 * named it. */
static struct passwd *
lookup(const char *user, int by_default, char *err, size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL && by_default)
		/* TRANSLATORS: the user, then why it cannot be had (the
		 * system's reason, or "no such user"). */
		snprintf(err, errlen, _("user %s (the default as root): %s: "
		    "give --user NAME, or --user root to stay root"), user,
		    errno != 0 ? strerror(errno) : _("no such user"));
	else if (pw == NULL)
		snprintf(err, errlen, "--user %s: %s", user, errno != 0 ?
		    strerror(errno) : _("no such user"));
	return pw;
}

/* Looks user up and says whether this process may become it: 1 when
 * there is something to give up, 0 when it is already that user (or
 * root stays root), -1 with err. */
static int
allowed(const char *user, int by_default, struct passwd **pwp, char *err,
    size_t errlen)
{
	struct passwd *pw;

	pw = lookup(user, by_default, err, errlen);
	if (pw == NULL)
		return -1;
	*pwp = pw;
	if (pw->pw_uid == geteuid() && pw->pw_gid == getegid())
		return 0;	/* already that user: nothing to give up */
	if (geteuid() != 0) {
		snprintf(err, errlen, _("--user %s: only root can become "
		    "another user"), user);
		return -1;
	}
	return pw->pw_uid == 0 ? 0 : 1;
}

int
privs_check(const char *user, int by_default, char *err, size_t errlen)
{
	struct passwd *pw;

	return allowed(user, by_default, &pw, err, errlen) < 0 ? -1 : 0;
}

int
privs_drop(const char *user, int by_default, char *err, size_t errlen)
{
	struct passwd *pw;
	int r;

	r = allowed(user, by_default, &pw, err, errlen);
	if (r <= 0)
		return r;
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
		snprintf(err, errlen, _("--user %s: root could be regained"),
		    user);
		return -1;
	}
	/* The kernel hides a process's /proc/PID/fd from its own user after
	 * a change of credentials; the trace counts references there. */
	(void)sockinfo_keep_visible();
	return 0;
}
