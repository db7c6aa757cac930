/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * model_prefork: the prefork process model (UNP chapter 30).  The parent
 * starts a fixed pool of workers and keeps it full; the workers either
 * accept on the listening sockets they share, or receive each connection
 * from the parent, which accepts it and passes it over a UNIX socket.
 */
#ifndef FORKECHOD_MODEL_PREFORK_H
#define FORKECHOD_MODEL_PREFORK_H

#include <signal.h>

#include "listeners.h"
#include "options.h"
#include "reload.h"

/*
 * Serves until SIGTERM or SIGINT, then drains; SIGHUP re-reads the config
 * file (with cli on top) into cfg and replaces every worker once its
 * current connection is done, so that new connections get the new
 * settings.  ls must be open and
 * signals installed; wait_mask is the mask pselect() waits with.
 * started is monotime_now() at the server's start.  Returns the exit
 * status for main: 0 after a normal stop, 1 when no worker can accept
 * any more (the listening socket was shut down) or on a failure.
 */
int model_prefork_run(struct server_config *cfg, struct listeners *ls,
    const sigset_t *wait_mask, double started, const struct reload_cli *cli);

#endif
