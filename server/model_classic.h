/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * model_classic: the textbook forking server (blocking accept(), SIGCHLD
 * as the books first show it) with the three classic bugs that the
 * zombies, lost-sigchld and eintr-accept lessons replay ON PURPOSE.  It
 * exists to be wrong in instructive ways; model_fork is the real server.
 */
#ifndef FORKECHOD_MODEL_CLASSIC_H
#define FORKECHOD_MODEL_CLASSIC_H

#include "listeners.h"
#include "options.h"

/* Serves on the first listener until killed, or until accept() fails.
 * Returns the exit status: 1 after a failure. */
int model_classic_run(const struct server_config *cfg, struct listeners *ls);

#endif
