/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * model_threads: one process, a thread per connection.  The main thread
 * runs the supervisor and accepts; each connection's thread serves it and
 * ends.  The threads share one descriptor table: a connection has one
 * descriptor, not one reference per process.
 */
#ifndef FORKECHOD_MODEL_THREADS_H
#define FORKECHOD_MODEL_THREADS_H

#include <signal.h>

#include "listeners.h"
#include "options.h"
#include "reload.h"

/*
 * Serves until SIGTERM or SIGINT, then drains; on SIGHUP re-reads the
 * config file (with cli on top) into cfg.  ls must be open and signals
 * installed; wait_mask is the mask pselect() waits with.  Returns the
 * exit status for main: 0 after a normal stop, 1 on a failure.
 */
int model_threads_run(struct server_config *cfg, struct listeners *ls,
    const sigset_t *wait_mask, const struct reload_cli *cli);

#endif
