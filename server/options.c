#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "num.h"

const struct opt_spec options_table[] = {
	{ "listen", 'l', "ADDR:PORT", OPT_LISTEN,
	    "listen here (repeatable; [::1]:7007 for IPv6; port 0 picks one)" },
	{ "backlog", 0, "N", OPT_BACKLOG,
	    "listen queue length (default SOMAXCONN)" },
	{ "model", 'm', "fork|prefork", OPT_MODEL,
	    "process model (default fork)" },
	{ "workers", 'w', "N", OPT_WORKERS,
	    "prefork: pool size (default 4)" },
	{ "max-requests-per-worker", 0, "N", OPT_MAX_REQUESTS,
	    "prefork: replace a worker after N connections (default 0: never)" },
	{ "accept-in", 0, "workers|parent", OPT_ACCEPT_IN,
	    "prefork: who accepts (parent passes sockets with SCM_RIGHTS)" },
	{ "max-children", 0, "N", OPT_MAX_CHILDREN,
	    "serve at most N connections at once (default 64)" },
	{ "per-source", 0, "N", OPT_PER_SOURCE,
	    "at most N connections at once from one host (default 0: any)" },
	{ "drain-timeout", 0, "SECS", OPT_DRAIN_TIMEOUT,
	    "on SIGTERM, let connections finish this long (default 5)" },
	{ "idle-timeout", 0, "SECS", OPT_IDLE_TIMEOUT,
	    "close a connection silent this long (default 300; 0: never)" },
	{ "parent-close", 0, "now|exit|never|SECS", OPT_PARENT_CLOSE,
	    "when the parent closes its copy (default now)" },
	{ "parent-shutdown", 0, "HOW@SECS", OPT_PARENT_SHUTDOWN,
	    "parent calls shutdown(HOW: rd, wr, rdwr) SECS after accept" },
	{ "child-shutdown", 0, "HOW@WHEN", OPT_CHILD_SHUTDOWN,
	    "child calls shutdown(HOW) at WHEN: SECS, first or eof" },
	{ "child-end", 0, "eof|first", OPT_CHILD_END,
	    "child stops echoing at EOF (default) or after the first echo" },
	{ "child-close", 0, "normal|linger0|unread", OPT_CHILD_CLOSE,
	    "how the child gives up its copy (default normal)" },
	{ "parent-close-listener", 0, "SECS", OPT_PARENT_CLOSE_LISTENER,
	    "prefork: parent closes its listening socket SECS after start" },
	{ "worker-shutdown-listener", 0, "HOW@SECS",
	    OPT_WORKER_SHUTDOWN_LISTENER,
	    "prefork: worker 1 shuts down its listening socket at SECS" },
	{ "lesson", 0, "NAME", OPT_LESSON,
	    "replay a lesson (a preset of the options above), traced" },
	{ "lessons", 0, NULL, OPT_LESSONS, "list the lessons and exit" },
	{ "trace", 0, NULL, OPT_TRACE,
	    "show every step on a shared socket on stderr" },
	{ "trace-json", 0, "FILE", OPT_TRACE_JSON,
	    "write the same events as JSON Lines to FILE (- for stdout)" },
	{ "classic-bug", 0, "none|zombies|lost-sigchld|eintr-accept",
	    OPT_CLASSIC_BUG, "run the textbook server with a classic bug" },
	{ "config", 'c', "FILE", OPT_CONFIG,
	    "read settings from FILE; options override it" },
	{ "check-config", 't', NULL, OPT_CHECK_CONFIG,
	    "check the configuration and exit" },
	{ "verbose", 'v', NULL, OPT_VERBOSE,
	    "log the end of every connection" },
	{ "quiet", 'q', NULL, OPT_QUIET, "log errors only" },
	{ "user", 'u', "NAME", OPT_USER,
	    "serve as NAME once the sockets are bound (needed as root)" },
	{ "syslog", 0, NULL, OPT_SYSLOG,
	    "send the log lines to syslog too (facility daemon)" },
	{ "help", 'h', NULL, OPT_HELP, "print this help and exit" },
	{ "version", 'V', NULL, OPT_VERSION, "print the version and exit" },
	{ NULL, 0, NULL, 0, NULL }
};

const char options_usage[] =
    "usage: forkechod [-hqtVv] [-c file] [-l addr:port] [-m model]\n"
    "\t[-u user] [-w workers] [--accept-in who]\n"
    "\t[--max-requests-per-worker n] [--backlog n] [--drain-timeout secs]\n"
    "\t[--idle-timeout secs] [--max-children n] [--per-source n] [--syslog]\n"
    "\t[--lesson name] [--lessons] [--trace] [--trace-json file]\n"
    "\t[--parent-close when] [--parent-shutdown how@secs]\n"
    "\t[--child-shutdown how@when] [--child-end when] [--child-close how]\n"
    "\t[--parent-close-listener secs] [--worker-shutdown-listener how@secs]\n";

/* Limits that keep a typo from becoming a resource problem. */
#define MAX_CHILDREN_LIMIT 65536UL
#define WORKERS_LIMIT 1024UL
#define MAX_REQUESTS_LIMIT 1000000000UL
#define DRAIN_TIMEOUT_LIMIT 86400.0
#define IDLE_TIMEOUT_LIMIT 86400.0

void
options_defaults(struct server_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->backlog = SOMAXCONN;
	cfg->model = MODEL_FORK;
	cfg->max_children = 64;
	cfg->workers = 4;
	cfg->max_requests = 0;
	cfg->accept_in = ACCEPT_IN_WORKERS;
	cfg->drain_timeout = 5;
	cfg->idle_timeout = 300;
	choreo_defaults(&cfg->choreo);
}

/* Applies a lesson's preset, line by line as a config file would. */
static int
set_lesson(struct server_config *cfg, const char *name,
    enum options_origin origin, char *err, size_t errlen)
{
	const struct lesson *l = lessons_find(name);
	const char *const *kv;

	if (l == NULL) {
		snprintf(err, errlen, "'%s' is not a lesson (--lessons lists "
		    "them)", name);
		return -1;
	}
	for (kv = l->preset; *kv != NULL; kv++) {
		const char *eq = strchr(*kv, '=');
		const struct opt_spec *spec;
		char key[48];

		if (eq == NULL || (size_t)(eq - *kv) >= sizeof key)
			continue;
		memcpy(key, *kv, (size_t)(eq - *kv));
		key[eq - *kv] = '\0';
		spec = opt_find(options_table, key);
		if (spec == NULL || options_set(cfg, spec->id,
		    spec->arg != NULL ? eq + 1 : NULL, origin, err,
		    errlen) < 0) {
			snprintf(err, errlen, "lesson %s: bad preset '%s'",
			    name, *kv);
			return -1;
		}
	}
	cfg->lesson = l;
	return 0;
}

static int
set_bug(struct server_config *cfg, const char *value, char *err,
    size_t errlen)
{
	if (strcmp(value, "none") == 0)
		cfg->bug = BUG_NONE;
	else if (strcmp(value, "zombies") == 0)
		cfg->bug = BUG_ZOMBIES;
	else if (strcmp(value, "lost-sigchld") == 0)
		cfg->bug = BUG_LOST_SIGCHLD;
	else if (strcmp(value, "eintr-accept") == 0)
		cfg->bug = BUG_EINTR_ACCEPT;
	else {
		snprintf(err, errlen, "'%s' is not none, zombies, "
		    "lost-sigchld or eintr-accept", value);
		return -1;
	}
	return 0;
}

static int
set_listen(struct server_config *cfg, const char *value,
    enum options_origin origin, char *err, size_t errlen)
{
	/* A list given on the command line replaces the file's list. */
	if (origin != cfg->listen_origin) {
		cfg->nlisten = 0;
		cfg->listen_origin = origin;
	}
	if (cfg->nlisten == OPTIONS_MAX_LISTEN) {
		snprintf(err, errlen, "%s: at most %d listen addresses", value,
		    OPTIONS_MAX_LISTEN);
		return -1;
	}
	if (addr_parse_listen(value, OPTIONS_DEFAULT_PORT,
	    &cfg->listen[cfg->nlisten], err, errlen) < 0)
		return -1;
	snprintf(cfg->listen_text[cfg->nlisten],
	    sizeof cfg->listen_text[cfg->nlisten], "%s", value);
	cfg->nlisten++;
	return 0;
}

static int
set_count(const char *value, unsigned long min, unsigned long max,
    unsigned long *out, char *err, size_t errlen)
{
	if (num_parse_ulong(value, min, max, out) < 0) {
		snprintf(err, errlen, "'%s' is not a whole number from %lu "
		    "to %lu", value, min, max);
		return -1;
	}
	return 0;
}

static int
set_seconds(const char *value, double max, double *out, char *err,
    size_t errlen)
{
	if (num_parse_seconds(value, max, out) < 0) {
		snprintf(err, errlen, "'%s' is not a number of seconds from 0 "
		    "to %.0f", value, max);
		return -1;
	}
	return 0;
}

int
options_set(struct server_config *cfg, int id, const char *value,
    enum options_origin origin, char *err, size_t errlen)
{
	unsigned long n;

	/* Flags come with no value; nothing below may then read one. */
	if (value == NULL)
		value = "";
	switch (id) {
	case OPT_LISTEN:
		return set_listen(cfg, value, origin, err, errlen);
	case OPT_BACKLOG:
		if (set_count(value, 1, 65535, &n, err, errlen) < 0)
			return -1;
		cfg->backlog = (int)n;
		return 0;
	case OPT_MODEL:
		if (strcmp(value, "fork") == 0) {
			cfg->model = MODEL_FORK;
			return 0;
		}
		if (strcmp(value, "prefork") == 0) {
			cfg->model = MODEL_PREFORK;
			return 0;
		}
		snprintf(err, errlen, "'%s' is not fork or prefork", value);
		return -1;
	case OPT_WORKERS:
		cfg->workers_given = 1;
		return set_count(value, 1, WORKERS_LIMIT, &cfg->workers, err,
		    errlen);
	case OPT_MAX_REQUESTS:
		return set_count(value, 0, MAX_REQUESTS_LIMIT,
		    &cfg->max_requests, err, errlen);
	case OPT_ACCEPT_IN:
		if (strcmp(value, "workers") == 0)
			cfg->accept_in = ACCEPT_IN_WORKERS;
		else if (strcmp(value, "parent") == 0)
			cfg->accept_in = ACCEPT_IN_PARENT;
		else {
			snprintf(err, errlen, "'%s' is not workers or parent",
			    value);
			return -1;
		}
		return 0;
	case OPT_PARENT_CLOSE_LISTENER:
		return choreo_parse_listener_close(&cfg->choreo, value, err,
		    errlen);
	case OPT_WORKER_SHUTDOWN_LISTENER:
		return choreo_parse_listener_shutdown(&cfg->choreo, value, err,
		    errlen);
	case OPT_MAX_CHILDREN:
		cfg->max_children_given = 1;
		if (set_count(value, 1, MAX_CHILDREN_LIMIT, &n, err,
		    errlen) < 0)
			return -1;
		cfg->max_children = n;
		return 0;
	case OPT_DRAIN_TIMEOUT:
		return set_seconds(value, DRAIN_TIMEOUT_LIMIT,
		    &cfg->drain_timeout, err, errlen);
	case OPT_PER_SOURCE:
		return set_count(value, 0, MAX_CHILDREN_LIMIT, &cfg->per_source,
		    err, errlen);
	case OPT_IDLE_TIMEOUT:
		return set_seconds(value, IDLE_TIMEOUT_LIMIT,
		    &cfg->idle_timeout, err, errlen);
	case OPT_CONFIG:
		cfg->config_file = value;
		return 0;
	case OPT_CHECK_CONFIG:
		cfg->check_only = 1;
		return 0;
	case OPT_VERBOSE:
		cfg->verbosity = 1;
		return 0;
	case OPT_QUIET:
		cfg->verbosity = -1;
		return 0;
	case OPT_SYSLOG:
		cfg->syslog = 1;
		return 0;
	case OPT_USER:
		if (*value == '\0' || strlen(value) >= sizeof cfg->user) {
			snprintf(err, errlen, "'%.60s' is not a user name (1 to "
			    "%zu characters)", value, sizeof cfg->user - 1);
			return -1;
		}
		memcpy(cfg->user, value, strlen(value) + 1);
		return 0;
	case OPT_HELP:
		cfg->want_help = 1;
		return 0;
	case OPT_VERSION:
		cfg->want_version = 1;
		return 0;
	case OPT_PARENT_CLOSE:
		return choreo_parse_parent_close(&cfg->choreo, value, err,
		    errlen);
	case OPT_PARENT_SHUTDOWN:
		return choreo_parse_parent_shutdown(&cfg->choreo, value, err,
		    errlen);
	case OPT_CHILD_SHUTDOWN:
		return choreo_parse_child_shutdown(&cfg->choreo, value, err,
		    errlen);
	case OPT_CHILD_END:
		return choreo_parse_child_end(&cfg->choreo, value, err, errlen);
	case OPT_CHILD_CLOSE:
		return choreo_parse_child_close(&cfg->choreo, value, err,
		    errlen);
	case OPT_LESSON:
		return set_lesson(cfg, value, origin, err, errlen);
	case OPT_LESSONS:
		cfg->want_lessons = 1;
		return 0;
	case OPT_TRACE:
		cfg->trace = 1;
		return 0;
	case OPT_TRACE_JSON:
		if (*value == '\0' || strlen(value) >= sizeof cfg->trace_json) {
			snprintf(err, errlen, "'%.60s' is not a file name "
			    "(1 to %zu characters)", value,
			    sizeof cfg->trace_json - 1);
			return -1;
		}
		memcpy(cfg->trace_json, value, strlen(value) + 1);
		return 0;
	case OPT_CLASSIC_BUG:
		return set_bug(cfg, value, err, errlen);
	default:
		snprintf(err, errlen, "unknown setting %d", id);
		return -1;
	}
}

int
options_clear(struct server_config *cfg, int id)
{
	if ((id == OPT_VERBOSE && cfg->verbosity > 0) ||
	    (id == OPT_QUIET && cfg->verbosity < 0))
		cfg->verbosity = 0;
	if (id == OPT_TRACE)
		cfg->trace = 0;
	if (id == OPT_SYSLOG)
		cfg->syslog = 0;
	return 0;
}

int
options_parse_cli(struct server_config *cfg, int argc, char *const argv[],
    char *err, size_t errlen)
{
	struct opt_state st = { .index = 1 };
	char why[256];
	int id;

	while ((id = opt_next(&st, argc, argv, options_table, err,
	    errlen)) != 0) {
		if (id < 0)
			return -1;
		if (options_set(cfg, id, st.value, ORIGIN_CLI, why,
		    sizeof why) < 0) {
			snprintf(err, errlen, "%s: %s", st.shown, why);
			return -1;
		}
	}
	return st.index;
}

int
options_finish(struct server_config *cfg, char *err, size_t errlen)
{
	if (cfg->nlisten == 0)
		return set_listen(cfg, OPTIONS_DEFAULT_LISTEN, ORIGIN_DEFAULT,
		    err, errlen);
	return 0;
}

/* Settings that belong to one process model only. */
static int
check_model(const struct server_config *cfg, char *err, size_t errlen)
{
	const struct choreo *ch = &cfg->choreo;
	int listener_opts = ch->listener_close_secs >= 0 ||
	    ch->listener_shutdown_how >= 0;

	if (cfg->model == MODEL_FORK) {
		if (cfg->accept_in == ACCEPT_IN_PARENT ||
		    cfg->max_requests > 0 || cfg->workers_given) {
			snprintf(err, errlen, "%s and --model fork: a forked "
			    "child serves the one connection its parent "
			    "accepted", cfg->max_requests > 0 ?
			    "--max-requests-per-worker" : cfg->workers_given ?
			    "--workers" : "--accept-in parent");
			return -1;
		}
		if (listener_opts) {
			snprintf(err, errlen, "%s and --model fork: only "
			    "prefork workers share a listening socket",
			    ch->listener_close_secs >= 0 ?
			    "--parent-close-listener" :
			    "--worker-shutdown-listener");
			return -1;
		}
		return 0;
	}
	if (cfg->max_children_given) {
		snprintf(err, errlen, "--max-children and --model prefork: the "
		    "pool's size (--workers) bounds the connections served at "
		    "once");
		return -1;
	}
	if (cfg->accept_in == ACCEPT_IN_WORKERS && cfg->per_source > 0) {
		snprintf(err, errlen, "--per-source and --accept-in workers: no "
		    "one process sees every connection (try --accept-in "
		    "parent)");
		return -1;
	}
	if (cfg->bug != BUG_NONE) {
		snprintf(err, errlen, "--classic-bug and --model prefork: the "
		    "textbook server forks per connection");
		return -1;
	}
	if (cfg->accept_in == ACCEPT_IN_WORKERS &&
	    (ch->parent_close != PCLOSE_NOW || ch->parent_shutdown_how >= 0)) {
		snprintf(err, errlen, "%s and --accept-in workers: the parent "
		    "never holds a connection's socket (try --accept-in "
		    "parent)", ch->parent_shutdown_how >= 0 ?
		    "--parent-shutdown" : "--parent-close");
		return -1;
	}
	if (cfg->accept_in == ACCEPT_IN_PARENT && listener_opts) {
		snprintf(err, errlen, "%s and --accept-in parent: the workers "
		    "hold no listening socket", ch->listener_close_secs >= 0 ?
		    "--parent-close-listener" : "--worker-shutdown-listener");
		return -1;
	}
	return 0;
}

int
options_listen_repeats(const struct server_config *cfg, int i)
{
	char host[80];
	unsigned port;
	int j;

	/* Port 0 twice is two ports. */
	if (addr_numeric((const struct sockaddr *)&cfg->listen[i].ss,
	    cfg->listen[i].len, host, sizeof host, &port) < 0 || port == 0)
		return -1;
	for (j = 0; j < i; j++)
		if (cfg->listen[i].len == cfg->listen[j].len &&
		    memcmp(&cfg->listen[i].ss, &cfg->listen[j].ss,
		    cfg->listen[i].len) == 0)
			return j;
	return -1;
}

int
options_check(const struct server_config *cfg, char *err, size_t errlen)
{
	int i, j;

	if (choreo_check(&cfg->choreo, err, errlen) < 0)
		return -1;
	/* The textbook loop closes its copy at once and knows no timers. */
	if (cfg->bug != BUG_NONE && (cfg->choreo.parent_close != PCLOSE_NOW ||
	    cfg->choreo.parent_shutdown_how >= 0)) {
		snprintf(err, errlen, "--classic-bug and --parent-close or "
		    "--parent-shutdown: the textbook server closes its copy "
		    "at once");
		return -1;
	}
	if (cfg->bug != BUG_NONE && cfg->per_source > 0) {
		snprintf(err, errlen, "--classic-bug and --per-source: the "
		    "textbook server keeps no table of its children");
		return -1;
	}
	if (cfg->bug != BUG_NONE && cfg->nlisten > 1) {
		snprintf(err, errlen, "--classic-bug and several --listen: the "
		    "textbook server blocks in accept() on one socket");
		return -1;
	}

	if (check_model(cfg, err, errlen) < 0)
		return -1;

	/* The same address twice would fail in bind() with a message that
	 * hides the cause; say it plainly. */
	for (i = 0; i < cfg->nlisten; i++) {
		j = options_listen_repeats(cfg, i);
		if (j >= 0) {
			snprintf(err, errlen, "--listen %s and --listen %s: the "
			    "same address twice", cfg->listen_text[j],
			    cfg->listen_text[i]);
			return -1;
		}
	}
	return 0;
}
