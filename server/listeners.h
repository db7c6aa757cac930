/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * listeners: the server's listening sockets.
 */
#ifndef FORKECHOD_LISTENERS_H
#define FORKECHOD_LISTENERS_H

#include <stddef.h>

#include "options.h"

struct listeners {
	int fd[OPTIONS_MAX_LISTEN];	/* fd[i] listens on cfg->listen[i] */
	char where[OPTIONS_MAX_LISTEN][ADDR_TEXT_MAX];	/* "ADDR PORT" */
	int count;
	int inherited;		/* passed by systemd, not from the config */
};

/* Opens a socket for each configured address.  Returns 0, or -1 with the
 * failing call and address in err, having closed what it opened. */
int listeners_open(struct listeners *ls, const struct server_config *cfg,
    char *err, size_t errlen);

/*
 * For -t: binds a socket to each configured address, as listeners_open
 * would, and closes it at once, without listening (no client can connect
 * to it meanwhile).  An address whose port is in use is said on standard
 * error and counts as good: the running server may be the one using it.
 * Returns 0, or -1 with the failing call and address in err.
 */
int listeners_check(const struct server_config *cfg, char *err,
    size_t errlen);

/*
 * systemd socket activation: if LISTEN_PID names this process, takes the
 * LISTEN_FDS listening sockets passed from descriptor 3 on (making them
 * non-blocking and close-on-exec), and unsets LISTEN_* so that children
 * do not take them for their own.  Returns 1 if it took them, 0 if there
 * was nothing to take, -1 with the reason in err (a descriptor that is not
 * a listening stream socket, a bad count).
 */
int listeners_inherit(struct listeners *ls, char *err, size_t errlen);

/*
 * The parsing part of listeners_inherit(), which touches no descriptor:
 * returns how many sockets LISTEN_PID and LISTEN_FDS (their values, not
 * NULL) say were passed to this process, 1 to OPTIONS_MAX_LISTEN; 0 if
 * LISTEN_PID names another process; or -1 with the reason in err (a bad
 * count).
 */
int listeners_parse_activation(const char *pid_text, const char *fds_text,
    char *err, size_t errlen);

/*
 * How many descriptors, from 3 on, socket activation passed to this
 * process: LISTEN_FDS if LISTEN_PID names it, else 0.  0 as well when the
 * values are wrong; listeners_inherit() reports that.  Touches no
 * descriptor, so that it can run before anything is opened.
 */
int listeners_passed(void);

/*
 * For a re-read configuration next: keeps the sockets of addresses that
 * stay (same index order as next->listen), opens the new ones and closes
 * the dropped ones.  opened[i] is set to 1 for a socket opened here.  On
 * failure nothing changes and err names the call and address.  Passed
 * (inherited) sockets are kept as they are, and so is having none.
 */
int listeners_update(struct listeners *ls, const struct server_config *cur,
    const struct server_config *next, int opened[OPTIONS_MAX_LISTEN],
    char *err, size_t errlen);

/*
 * The SO_RCVTIMEO and SO_SNDTIMEO cfg asks of its listening sockets, for
 * the sockets accepted from them to inherit (docs/LINUX.md, L20): the
 * idle timeout, or 0 (none) when there is none, and for the classic
 * bugs' model, whose accept() blocks and would time out too.
 * listeners_open and listeners_update set it on each new socket before
 * listen(), so that no connection can be queued without it.
 */
double listeners_timeouts(const struct server_config *cfg);

/* Sets it on every listening socket (after a re-read changed it: the
 * connections already queued keep what they had).  Returns 0, or -1
 * with the call and address in err. */
int listeners_set_timeouts(const struct listeners *ls, double idle,
    char *err, size_t errlen);

/* Writes one "listening on ADDR PORT" line per socket to standard output
 * and flushes: the readiness signal scripts wait for. */
int listeners_announce(const struct listeners *ls);

/* The same line for socket i alone. */
int listeners_announce_one(const struct listeners *ls, int i);

/* Closes every listening socket (in a child, or to stop accepting). */
void listeners_close(struct listeners *ls);

#endif
