/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "reload.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "diag.h"
#include "echo.h"
#include "listeners.h"
#include "nls.h"
#include "trace.h"

/* Names the first setting that cannot change while the server runs, or
 * returns NULL. */
static const char *
fixed_change(const struct server_config *a, const struct server_config *b)
{
	if (a->model != b->model)
		return "model";
	if (a->model == MODEL_PREFORK && a->workers != b->workers)
		return "workers";
	if (a->accept_in != b->accept_in)
		return "accept-in";
	if (a->bug != b->bug)
		return "classic-bug";
	if (a->trace != b->trace)
		return "trace";
	if (a->step != b->step)
		return "step";
	if (a->syslog != b->syslog)
		return "syslog";
	if (strcmp(a->user, b->user) != 0)
		return "user";
	if (strcmp(a->trace_json, b->trace_json) != 0)
		return "trace-json";
	return NULL;
}

int
reload_settings(struct server_config *cfg, struct listeners *ls,
    const struct reload_cli *cli, char *err, size_t errlen)
{
	struct server_config next;
	int opened[OPTIONS_MAX_LISTEN];
	const char *fixed;
	char why[512];
	int i;

	if (cfg->config_file == NULL)
		return 0;
	if (config_assemble(&next, cfg->config_file, cli->argc, cli->argv,
	    why, sizeof why) != CONFIG_OK) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	fixed = fixed_change(cfg, &next);
	if (fixed != NULL) {
		/* TRANSLATORS: the config file, then the key. */
		snprintf(err, errlen, _("%s: '%s' cannot change while the "
		    "server runs (restart it)"), cfg->config_file, fixed);
		return -1;
	}
	if (listeners_update(ls, cfg, &next, opened, why, sizeof why) < 0) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	next.check_only = 0;
	*cfg = next;
	reload_listener_timeouts(cfg, ls);
	for (i = 0; i < ls->count; i++)
		if (opened[i]) {
			trace_listen(ls->fd[i], ls->where[i]);
			(void)listeners_announce_one(ls, i);
		}
	return 1;
}

void
reload_listener_timeouts(const struct server_config *cfg,
    const struct listeners *ls)
{
	char err[256];
	double idle = listeners_timeouts(cfg);

	/* "None" first: until the listeners have it, no connection may
	 * count on it. */
	echo_listener_timeouts(0);
	if (ls->inherited || idle <= 0)
		return;
	if (listeners_set_timeouts(ls, idle, err, sizeof err) < 0)
		/* TRANSLATORS: what failed, and what is done instead. */
		diag_msg(_("%s: each connection sets its own"), err);
	else
		echo_listener_timeouts(idle);
}
