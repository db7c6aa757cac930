/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * reload: what SIGHUP does to the settings.  The config file is read
 * again, with the command line on top as at start, and what may change
 * while the server runs is applied: new connections get the new
 * settings; connections being served keep theirs, since they live in
 * other processes.  The model, the pool size and the trace are fixed at
 * start.
 */
#ifndef FORKECHOD_RELOAD_H
#define FORKECHOD_RELOAD_H

#include <stddef.h>

#include "listeners.h"
#include "options.h"

/* The command line, kept to be applied again over a re-read file. */
struct reload_cli {
	int argc;
	char *const *argv;
};

/*
 * Re-reads cfg->config_file and, if it is good and changes nothing fixed,
 * replaces *cfg and updates ls (new addresses opened and announced with a
 * readiness line, dropped ones closed).  Returns 1 if the settings were
 * replaced, 0 if there is no file to read, -1 with the reason in err
 * (cfg and ls unchanged).
 */
int reload_settings(struct server_config *cfg, struct listeners *ls,
    const struct reload_cli *cli, char *err, size_t errlen);

/*
 * The idle timeout of cfg on every listener, for the accepted sockets to
 * inherit (listeners_timeouts), and the connection handler told so
 * (echo_listener_timeouts): then no connection sets it again.  At start
 * and after each re-read.  Not with sockets passed by systemd, which
 * queued connections before the server could set anything on them: then
 * each connection sets its own, as it does after a failure here (said on
 * standard error).
 */
void reload_listener_timeouts(const struct server_config *cfg,
    const struct listeners *ls);

#endif
