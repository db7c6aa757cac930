/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * sdnotify: systemd's readiness protocol without libsystemd.  A service
 * of Type=notify tells systemd its state in datagrams of "KEY=VALUE"
 * lines sent to the AF_UNIX socket named in $NOTIFY_SOCKET; see
 * sd_notify(3).
 */
#ifndef FORKECHO_SDNOTIFY_H
#define FORKECHO_SDNOTIFY_H

#include <stddef.h>

/*
 * Sends state ("READY=1", "STOPPING=1", ...) as one datagram to
 * $NOTIFY_SOCKET: a path, or an abstract name when it starts with '@'.
 * Returns 1 when sent, 0 when $NOTIFY_SOCKET is unset or empty (not
 * started by systemd: nothing to do), -1 with the failing call and the
 * socket's name in err.
 */
int sdnotify_send(const char *state, char *err, size_t errlen);

#endif
