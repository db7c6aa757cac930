/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "sdnotify.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "nls.h"

int
sdnotify_send(const char *state, char *err, size_t errlen)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	size_t namelen, statelen = strlen(state);
	ssize_t n;
	int fd, saved;

	if (name == NULL || name[0] == '\0')
		return 0;
	namelen = strlen(name);
	if ((name[0] != '/' && name[0] != '@') ||
	    namelen > sizeof sun.sun_path) {
		/* TRANSLATORS: NOTIFY_SOCKET is an environment variable. */
		snprintf(err, errlen, _("NOTIFY_SOCKET %s: not a path or an "
		    "abstract name (@NAME) of at most %zu bytes"), name,
		    sizeof sun.sun_path);
		return -1;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, name, namelen);
	/* An abstract name is written with '@' for the leading NUL byte
	 * that the kernel wants, and its length counts exactly. */
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "NOTIFY_SOCKET %s: socket: %s", name,
		    strerror(errno));
		return -1;
	}
	do
		n = sendto(fd, state, statelen, MSG_NOSIGNAL,
		    (struct sockaddr *)&sun,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    namelen));
	while (n < 0 && errno == EINTR);
	saved = errno;
	(void)close(fd);
	if (n < 0) {
		snprintf(err, errlen, "NOTIFY_SOCKET %s: sendto %s: %s", name,
		    state, strerror(saved));
		return -1;
	}
	return 1;
}
