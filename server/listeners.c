/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "listeners.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "diag.h"
#include "io.h"
#include "net.h"
#include "nls.h"
#include "num.h"

double
listeners_timeouts(const struct server_config *cfg)
{
	return cfg->bug == BUG_NONE && cfg->idle_timeout > 0 ?
	    cfg->idle_timeout : 0;
}

/* Opens one listener and writes "ADDR PORT" (the real port) to where. */
static int
open_one(const struct addr *a, const struct server_config *cfg,
    char where[ADDR_TEXT_MAX], char *err, size_t errlen)
{
	struct addr bound;
	int fd = net_listen(a, cfg->backlog, listeners_timeouts(cfg), err,
	    errlen);

	if (fd < 0)
		return -1;
	/* Port 0 was a request: the readiness line gives the port the
	 * kernel chose. */
	bound.len = sizeof bound.ss;
	if (getsockname(fd, (struct sockaddr *)&bound.ss, &bound.len) < 0)
		bound = *a;
	addr_text((struct sockaddr *)&bound.ss, bound.len, where,
	    ADDR_TEXT_MAX);
	return fd;
}

int
listeners_open(struct listeners *ls, const struct server_config *cfg,
    char *err, size_t errlen)
{
	int i;

	ls->count = 0;
	ls->inherited = 0;
	for (i = 0; i < cfg->nlisten; i++) {
		int fd = open_one(&cfg->listen[i], cfg, ls->where[i], err,
		    errlen);

		if (fd < 0) {
			listeners_close(ls);
			return -1;
		}
		ls->fd[i] = fd;
		ls->count++;
	}
	return 0;
}

int
listeners_check(const struct server_config *cfg, char *err, size_t errlen)
{
	char where[ADDR_TEXT_MAX], why[512];
	int i, fd;

	for (i = 0; i < cfg->nlisten; i++) {
		fd = net_bind(&cfg->listen[i], why, sizeof why);
		if (fd >= 0) {
			io_close_quiet(fd);
			continue;
		}
		/* The kernel checks the address before it looks for the
		 * port's users, so "in use" means everything else about it
		 * is good; and the user is most often the running server
		 * whose configuration is being checked. */
		if (errno == EADDRINUSE) {
			addr_text((const struct sockaddr *)&cfg->listen[i].ss,
			    cfg->listen[i].len, where, sizeof where);
			diag_msg(_("-t: %s: port in use (by the running "
			    "server, perhaps): the address is good, but it "
			    "could not be bound now"), where);
			continue;
		}
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	return 0;
}

static int
same_addr(const struct addr *a, const struct addr *b)
{
	return a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0;
}

int
listeners_update(struct listeners *ls, const struct server_config *cur,
    const struct server_config *next, int opened[OPTIONS_MAX_LISTEN],
    char *err, size_t errlen)
{
	struct listeners out;
	int kept[OPTIONS_MAX_LISTEN] = { 0 };
	int i, j;

	memset(opened, 0, sizeof(int) * OPTIONS_MAX_LISTEN);
	/* Passed sockets are systemd's to change; none at all means the
	 * server has let go of them on purpose (--parent-close-listener). */
	if (ls->inherited || ls->count == 0)
		return 0;
	memset(&out, 0, sizeof out);
	for (j = 0; j < next->nlisten; j++) {
		/* An address that stays keeps its socket, port 0 included:
		 * clients already know the port it got. */
		for (i = 0; i < ls->count; i++)
			if (!kept[i] && same_addr(&cur->listen[i],
			    &next->listen[j]))
				break;
		if (i < ls->count) {
			kept[i] = 1;
			out.fd[j] = ls->fd[i];
			memcpy(out.where[j], ls->where[i], sizeof out.where[j]);
		} else {
			out.fd[j] = open_one(&next->listen[j], next,
			    out.where[j], err, errlen);
			if (out.fd[j] < 0) {
				for (i = 0; i < j; i++)
					if (opened[i])
						io_close_quiet(out.fd[i]);
				memset(opened, 0,
				    sizeof(int) * OPTIONS_MAX_LISTEN);
				return -1;
			}
			opened[j] = 1;
		}
		out.count++;
	}
	for (i = 0; i < ls->count; i++)
		if (!kept[i])
			io_close_quiet(ls->fd[i]);
	*ls = out;
	return 0;
}

/* sd_listen_fds(3): passed descriptors start here. */
#define LISTEN_FDS_START 3

/* Checks that fd is a listening stream socket and readies it. */
static int
take_listener(struct listeners *ls, int fd, char *err, size_t errlen)
{
	struct addr bound;
	socklen_t len;
	int on = 0, type = 0;

	len = sizeof on;
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0 ||
	    !on) {
		/* TRANSLATORS: LISTEN_FDS is systemd's variable. */
		snprintf(err, errlen, _("LISTEN_FDS: descriptor %d is not a "
		    "listening socket"), fd);
		return -1;
	}
	len = sizeof type;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_STREAM) {
		snprintf(err, errlen, _("LISTEN_FDS: descriptor %d is not a "
		    "stream socket"), fd);
		return -1;
	}
	if (net_set_nonblock(fd, 1) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		snprintf(err, errlen, _("LISTEN_FDS: descriptor %d: fcntl: "
		    "%s"), fd, strerror(errno));
		return -1;
	}
	bound.len = sizeof bound.ss;
	if (getsockname(fd, (struct sockaddr *)&bound.ss, &bound.len) < 0) {
		snprintf(err, errlen, _("LISTEN_FDS: descriptor %d: "
		    "getsockname: %s"), fd, strerror(errno));
		return -1;
	}
	addr_text((struct sockaddr *)&bound.ss, bound.len,
	    ls->where[ls->count], sizeof ls->where[ls->count]);
	ls->fd[ls->count++] = fd;
	return 0;
}

int
listeners_parse_activation(const char *pid_text, const char *fds_text,
    char *err, size_t errlen)
{
	unsigned long pid, n;

	/* Meant for another process (we are a child of the one systemd
	 * started, say): not ours to take. */
	if (num_parse_ulong(pid_text, 1, (unsigned long)-1, &pid) < 0 ||
	    pid != (unsigned long)getpid())
		return 0;
	if (num_parse_ulong(fds_text, 1, OPTIONS_MAX_LISTEN, &n) < 0) {
		snprintf(err, errlen, _("LISTEN_FDS: '%s' is not a count from "
		    "1 to %d"), fds_text, OPTIONS_MAX_LISTEN);
		return -1;
	}
	return (int)n;
}

int
listeners_passed(void)
{
	const char *pid_text = getenv("LISTEN_PID");
	const char *fds_text = getenv("LISTEN_FDS");
	char err[128];
	int n;

	if (pid_text == NULL || fds_text == NULL)
		return 0;
	n = listeners_parse_activation(pid_text, fds_text, err, sizeof err);
	return n > 0 ? n : 0;
}

int
listeners_inherit(struct listeners *ls, char *err, size_t errlen)
{
	const char *pid_text = getenv("LISTEN_PID");
	const char *fds_text = getenv("LISTEN_FDS");
	int n, i, rc = 0;

	ls->count = 0;
	ls->inherited = 0;
	if (pid_text == NULL || fds_text == NULL)
		return 0;
	n = listeners_parse_activation(pid_text, fds_text, err, errlen);
	if (n < 0)
		rc = -1;
	else if (n > 0) {
		for (i = 0; i < n && rc == 0; i++)
			if (take_listener(ls, LISTEN_FDS_START + i, err,
			    errlen) < 0)
				rc = -1;
		if (rc == 0) {
			rc = 1;
			ls->inherited = 1;
		} else
			ls->count = 0;	/* not ours to close */
	}
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_FDNAMES");
	return rc;
}

/* The readiness lines are read by scripts: never translated. */
int
listeners_announce(const struct listeners *ls)
{
	int i;

	for (i = 0; i < ls->count; i++)
		printf("listening on %s\n", ls->where[i]);
	return fflush(stdout);
}

int
listeners_announce_one(const struct listeners *ls, int i)
{
	printf("listening on %s\n", ls->where[i]);
	return fflush(stdout);
}

void
listeners_close(struct listeners *ls)
{
	int i;

	for (i = 0; i < ls->count; i++)
		io_close_quiet(ls->fd[i]);
	ls->count = 0;
}

int
listeners_set_timeouts(const struct listeners *ls, double idle, char *err,
    size_t errlen)
{
	int i;

	for (i = 0; i < ls->count; i++)
		if (net_set_timeouts(ls->fd[i], idle) < 0) {
			snprintf(err, errlen, "setsockopt SO_RCVTIMEO %s: %s",
			    ls->where[i], strerror(errno));
			return -1;
		}
	return 0;
}
