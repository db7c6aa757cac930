/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "options.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "nls.h"
#include "num.h"

const struct opt_spec options_table[] = {
	{ "listen", 'l', "ADDR:PORT", OPT_LISTEN,
	    N_("listen here (repeatable; [::1]:7007 for IPv6; port 0 picks "
	    "one)") },
	{ "backlog", 0, "N", OPT_BACKLOG,
	    N_("listen queue length (default SOMAXCONN)") },
	{ "model", 'm', "fork|prefork|threads", OPT_MODEL,
	    N_("process model (default fork)") },
	{ "workers", 'w', "N", OPT_WORKERS,
	    N_("prefork: pool size (default 4)") },
	{ "max-requests-per-worker", 0, "N", OPT_MAX_REQUESTS,
	    N_("prefork: replace a worker after N connections (default 0: "
	    "never)") },
	{ "accept-in", 0, "workers|parent", OPT_ACCEPT_IN,
	    N_("prefork: who accepts (parent passes sockets with "
	    "SCM_RIGHTS)") },
	{ "max-children", 0, "N", OPT_MAX_CHILDREN,
	    N_("serve at most N connections at once (default 64)") },
	{ "per-source", 0, "N", OPT_PER_SOURCE,
	    N_("at most N connections at once from one host (default 0: "
	    "any)") },
	{ "drain-timeout", 0, "SECS", OPT_DRAIN_TIMEOUT,
	    N_("on SIGTERM, let connections finish this long (default 5)") },
	{ "idle-timeout", 0, "SECS", OPT_IDLE_TIMEOUT,
	    N_("close a connection silent this long (default 300; 0: "
	    "never)") },
	{ "parent-close", 0, "now|exit|never|SECS", OPT_PARENT_CLOSE,
	    N_("when the parent closes its copy (default now)") },
	{ "parent-after-close", 0, "none|read", OPT_PARENT_AFTER_CLOSE,
	    N_("read: the parent reads its copy once after closing it "
	    "(EBADF)") },
	{ "parent-shutdown", 0, "HOW@SECS", OPT_PARENT_SHUTDOWN,
	    N_("parent calls shutdown(HOW: rd, wr, rdwr) SECS after "
	    "accept") },
	{ "child-shutdown", 0, "HOW@WHEN", OPT_CHILD_SHUTDOWN,
	    N_("child calls shutdown(HOW) at WHEN: SECS, first or eof") },
	{ "child-end", 0, "eof|first", OPT_CHILD_END,
	    N_("child stops echoing at EOF (default) or after the first "
	    "echo") },
	{ "child-close", 0, "normal|linger0|unread|shutdown", OPT_CHILD_CLOSE,
	    N_("how the child gives up its copy (default normal)") },
	{ "child-epipe", 0, "close|read-on", OPT_CHILD_EPIPE,
	    N_("after an echo write fails with EPIPE: close, or read on to "
	    "EOF") },
	{ "child-dup", 0, "none|SECS", OPT_CHILD_DUP,
	    N_("child dup()s its copy, closes the duplicate SECS after it") },
	{ "helper", 0, "none|SECS", OPT_HELPER,
	    N_("after the first echo the child forks a helper living "
	    "SECS") },
	{ "helper-does", 0, "hold|close|shutdown|exec", OPT_HELPER_DOES,
	    N_("what the helper does with its inherited copy (default "
	    "hold)") },
	{ "cloexec", 0, "yes|no", OPT_CLOEXEC,
	    N_("child marks its copy close-on-exec (default no)") },
	{ "parent-close-listener", 0, "SECS", OPT_PARENT_CLOSE_LISTENER,
	    N_("prefork: parent closes its listening socket SECS after "
	    "start") },
	{ "worker-shutdown-listener", 0, "HOW@SECS",
	    OPT_WORKER_SHUTDOWN_LISTENER,
	    N_("prefork: worker 1 shuts down its listening socket at "
	    "SECS") },
	{ "lesson", 0, "NAME", OPT_LESSON,
	    N_("replay a lesson (a preset of the options above), "
	    "traced") },
	{ "lessons", 0, NULL, OPT_LESSONS, N_("list the lessons and exit") },
	{ "trace", 0, NULL, OPT_TRACE,
	    N_("show every step on a shared socket on stderr") },
	{ "trace-json", 0, "FILE", OPT_TRACE_JSON,
	    N_("write the same events as JSON Lines to FILE (- for "
	    "stdout)") },
	{ "step", 0, NULL, OPT_STEP,
	    N_("wait for Enter or SIGUSR1 before each act on a shared "
	    "socket") },
	{ "classic-bug", 0, "none|zombies|lost-sigchld|eintr-accept",
	    OPT_CLASSIC_BUG, N_("run the textbook server with a classic bug") },
	{ "config", 'c', "FILE", OPT_CONFIG,
	    N_("read settings from FILE; options override it") },
	{ "check-config", 't', NULL, OPT_CHECK_CONFIG,
	    N_("check the configuration and exit") },
	{ "verbose", 'v', NULL, OPT_VERBOSE,
	    N_("log the end of every connection") },
	{ "quiet", 'q', NULL, OPT_QUIET, N_("log errors only") },
	{ "user", 'u', "NAME", OPT_USER,
	    N_("serve as NAME once the sockets are bound (needed as "
	    "root)") },
	{ "syslog", 0, NULL, OPT_SYSLOG,
	    N_("send the log lines to syslog too (facility daemon)") },
	{ "help", 'h', NULL, OPT_HELP, N_("print this help and exit") },
	{ "version", 'V', NULL, OPT_VERSION,
	    N_("print the version and exit") },
	{ NULL, 0, NULL, 0, NULL }
};

/* Translated where it is written (a pointer: N_() is parenthesized,
 * which an array's initializer may not be). */
const char *const options_usage =
    /* TRANSLATORS: the option letters and names are typed as they are:
     * keep them; the lowercase words are placeholders. */
    N_("usage: forkechod [-hqtVv] [-c file] [-l addr:port] [-m model]\n"
    "\t[-u user] [-w workers] [--accept-in who]\n"
    "\t[--max-requests-per-worker n] [--backlog n] [--drain-timeout secs]\n"
    "\t[--idle-timeout secs] [--max-children n] [--per-source n] [--syslog]\n"
    "\t[--lesson name] [--lessons] [--step] [--trace] [--trace-json file]\n"
    "\t[--parent-close when] [--parent-after-close what]\n"
    "\t[--parent-shutdown how@secs] [--child-shutdown how@when]\n"
    "\t[--child-end when] [--child-close how] [--child-epipe what]\n"
    "\t[--child-dup secs] [--helper secs] [--helper-does what]\n"
    "\t[--cloexec yes|no]\n"
    "\t[--parent-close-listener secs] [--worker-shutdown-listener "
    "how@secs]\n");

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
		snprintf(err, errlen, _("'%s' is not a lesson (--lessons lists "
		    "them)"), name);
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
			snprintf(err, errlen, _("lesson %s: bad preset '%s'"),
			    name, *kv);
			return -1;
		}
	}
	cfg->lesson = l;
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
		snprintf(err, errlen, _("%s: at most %d listen addresses"),
		    value, OPTIONS_MAX_LISTEN);
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
set_config_file(struct server_config *cfg, const char *value,
    enum options_origin origin, char *err, size_t errlen)
{
	(void)origin;
	(void)err;
	(void)errlen;
	cfg->config_file = value;
	return 0;
}

/* --- the setters, one per option */

/* How a setting takes its value: each kind has one parser and one
 * message, so that two settings of a kind cannot drift apart. */
enum setter_kind {
	SET_NONE,	/* not an option */
	SET_FLAG,	/* int field = flag */
	SET_COUNT,	/* unsigned long (int if is_int) from min to max */
	SET_SECONDS,	/* double from 0 to max */
	SET_WORD,	/* one of words: its index, into an enum field */
	SET_TEXT,	/* a copy, 1 to sizeof field - 1 characters */
	SET_CHOREO,	/* a parser of server/choreo.c */
	SET_CALL	/* a parser of its own, above */
};

struct setter {
	enum setter_kind kind;
	size_t field;		/* offsetof(struct server_config, ...) */
	size_t size;		/* SET_TEXT: the field's size */
	size_t given;		/* offset of an int set to 1 first, or 0 */
	int flag;		/* SET_FLAG: the value stored */
	int is_int;		/* SET_COUNT: the field is an int */
	unsigned long min, max;	/* SET_COUNT */
	double max_seconds;	/* SET_SECONDS */
	const char *const *words;	/* SET_WORD, NULL-ended */
	const char *what;	/* SET_TEXT: "user name", marked with N_() */
	int (*choreo)(struct choreo *, const char *, char *, size_t);
	int (*call)(struct server_config *, const char *, enum options_origin,
	    char *, size_t);
};

#define AT(f) offsetof(struct server_config, f)
#define SIZE(f) sizeof(((struct server_config *)0)->f)

/* The words of SET_WORD settings, in the order of their enums. */
static const char *const model_words[] = { "fork", "prefork", "threads",
	NULL };
static const char *const accept_in_words[] = { "workers", "parent", NULL };
static const char *const bug_words[] = { "none", "zombies", "lost-sigchld",
	"eintr-accept", NULL };

/* A SET_WORD field is written as an int: each enum must be one. */
_Static_assert(sizeof(enum server_model) == sizeof(int) &&
    sizeof(enum accept_in) == sizeof(int) &&
    sizeof(enum classic_bug) == sizeof(int), "enums are ints");

/* Indexed by the ids of options_table: what each option does with its
 * value. */
static const struct setter setters[OPT_COUNT] = {
	[OPT_LISTEN] = { .kind = SET_CALL, .call = set_listen },
	[OPT_BACKLOG] = { .kind = SET_COUNT, .field = AT(backlog),
	    .is_int = 1, .min = 1, .max = 65535 },
	[OPT_MODEL] = { .kind = SET_WORD, .field = AT(model),
	    .words = model_words },
	[OPT_WORKERS] = { .kind = SET_COUNT, .field = AT(workers),
	    .given = AT(workers_given), .min = 1, .max = WORKERS_LIMIT },
	[OPT_MAX_REQUESTS] = { .kind = SET_COUNT, .field = AT(max_requests),
	    .min = 0, .max = MAX_REQUESTS_LIMIT },
	[OPT_ACCEPT_IN] = { .kind = SET_WORD, .field = AT(accept_in),
	    .words = accept_in_words },
	[OPT_PARENT_CLOSE_LISTENER] = { .kind = SET_CHOREO,
	    .choreo = choreo_parse_listener_close },
	[OPT_WORKER_SHUTDOWN_LISTENER] = { .kind = SET_CHOREO,
	    .choreo = choreo_parse_listener_shutdown },
	[OPT_MAX_CHILDREN] = { .kind = SET_COUNT, .field = AT(max_children),
	    .given = AT(max_children_given), .min = 1,
	    .max = MAX_CHILDREN_LIMIT },
	[OPT_DRAIN_TIMEOUT] = { .kind = SET_SECONDS,
	    .field = AT(drain_timeout), .max_seconds = DRAIN_TIMEOUT_LIMIT },
	[OPT_PER_SOURCE] = { .kind = SET_COUNT, .field = AT(per_source),
	    .min = 0, .max = MAX_CHILDREN_LIMIT },
	[OPT_IDLE_TIMEOUT] = { .kind = SET_SECONDS, .field = AT(idle_timeout),
	    .max_seconds = IDLE_TIMEOUT_LIMIT },
	[OPT_CONFIG] = { .kind = SET_CALL, .call = set_config_file },
	[OPT_CHECK_CONFIG] = { .kind = SET_FLAG, .field = AT(check_only),
	    .flag = 1 },
	[OPT_VERBOSE] = { .kind = SET_FLAG, .field = AT(verbosity),
	    .flag = 1 },
	[OPT_QUIET] = { .kind = SET_FLAG, .field = AT(verbosity),
	    .flag = -1 },
	[OPT_SYSLOG] = { .kind = SET_FLAG, .field = AT(syslog), .flag = 1 },
	[OPT_USER] = { .kind = SET_TEXT, .field = AT(user),
	    .size = SIZE(user), .what = N_("user name") },
	[OPT_HELP] = { .kind = SET_FLAG, .field = AT(want_help), .flag = 1 },
	[OPT_VERSION] = { .kind = SET_FLAG, .field = AT(want_version),
	    .flag = 1 },
	[OPT_PARENT_CLOSE] = { .kind = SET_CHOREO,
	    .choreo = choreo_parse_parent_close },
	[OPT_PARENT_SHUTDOWN] = { .kind = SET_CHOREO,
	    .choreo = choreo_parse_parent_shutdown },
	[OPT_CHILD_SHUTDOWN] = { .kind = SET_CHOREO,
	    .choreo = choreo_parse_child_shutdown },
	[OPT_CHILD_END] = { .kind = SET_CHOREO,
	    .choreo = choreo_parse_child_end },
	[OPT_CHILD_CLOSE] = { .kind = SET_CHOREO,
	    .choreo = choreo_parse_child_close },
	[OPT_PARENT_AFTER_CLOSE] = { .kind = SET_CHOREO,
	    .choreo = choreo_parse_parent_after_close },
	[OPT_CHILD_EPIPE] = { .kind = SET_CHOREO,
	    .choreo = choreo_parse_child_epipe },
	[OPT_CHILD_DUP] = { .kind = SET_CHOREO,
	    .choreo = choreo_parse_child_dup },
	[OPT_HELPER] = { .kind = SET_CHOREO, .choreo = choreo_parse_helper },
	[OPT_HELPER_DOES] = { .kind = SET_CHOREO,
	    .choreo = choreo_parse_helper_does },
	[OPT_CLOEXEC] = { .kind = SET_CHOREO,
	    .choreo = choreo_parse_cloexec },
	[OPT_LESSON] = { .kind = SET_CALL, .call = set_lesson },
	[OPT_LESSONS] = { .kind = SET_FLAG, .field = AT(want_lessons),
	    .flag = 1 },
	[OPT_TRACE] = { .kind = SET_FLAG, .field = AT(trace), .flag = 1 },
	[OPT_STEP] = { .kind = SET_FLAG, .field = AT(step), .flag = 1 },
	[OPT_TRACE_JSON] = { .kind = SET_TEXT, .field = AT(trace_json),
	    .size = SIZE(trace_json), .what = N_("file name") },
	[OPT_CLASSIC_BUG] = { .kind = SET_WORD, .field = AT(bug),
	    .words = bug_words },
};

/* "'x' is not a, b or c": the words are what the user types, the rest
 * in the user's language. */
static void
word_error(const char *value, const char *const *words, char *err,
    size_t errlen)
{
	char list[128];
	size_t i, n;
	int len = 0;

	list[0] = '\0';
	for (i = 0; words[i] != NULL; i++) {
		n = len < 0 || (size_t)len >= sizeof list ? sizeof list :
		    (size_t)len;
		/* TRANSLATORS: ", " and " or " join the words of a list
		 * ("fork, prefork or threads"), which are typed as they
		 * are. */
		len += snprintf(list + n, sizeof list - n, "%s%s", i == 0 ?
		    "" : words[i + 1] == NULL ? _(" or ") : _(", "),
		    words[i]);
	}
	/* TRANSLATORS: a value, then the list of the words it may be. */
	snprintf(err, errlen, _("'%s' is not %s"), value, list);
}

int
options_set(struct server_config *cfg, int id, const char *value,
    enum options_origin origin, char *err, size_t errlen)
{
	const struct setter *s;
	char *field;
	unsigned long n;
	double secs;
	size_t i;

	/* Flags come with no value; nothing below may then read one. */
	if (value == NULL)
		value = "";
	if (id <= 0 || id >= OPT_COUNT || setters[id].kind == SET_NONE) {
		snprintf(err, errlen, _("unknown setting %d"), id);
		return -1;
	}
	s = &setters[id];
	field = (char *)cfg + s->field;
	/* Given, even if the value is then refused. */
	if (s->given != 0)
		*(int *)(void *)((char *)cfg + s->given) = 1;
	switch (s->kind) {
	case SET_FLAG:
		*(int *)(void *)field = s->flag;
		return 0;
	case SET_COUNT:
		if (num_parse_ulong(value, s->min, s->max, &n) < 0) {
			snprintf(err, errlen, _("'%s' is not a whole number "
			    "from %lu to %lu"), value, s->min, s->max);
			return -1;
		}
		if (s->is_int)
			*(int *)(void *)field = (int)n;
		else
			*(unsigned long *)(void *)field = n;
		return 0;
	case SET_SECONDS:
		if (num_parse_seconds(value, s->max_seconds, &secs) < 0) {
			snprintf(err, errlen, _("'%s' is not a number of "
			    "seconds from 0 to %.0f"), value, s->max_seconds);
			return -1;
		}
		*(double *)(void *)field = secs;
		return 0;
	case SET_WORD:
		for (i = 0; s->words[i] != NULL; i++)
			if (strcmp(value, s->words[i]) == 0) {
				*(int *)(void *)field = (int)i;
				return 0;
			}
		word_error(value, s->words, err, errlen);
		return -1;
	case SET_TEXT:
		if (*value == '\0' || strlen(value) >= s->size) {
			/* TRANSLATORS: the value, then what it should be
			 * ("user name", "file name"). */
			snprintf(err, errlen, _("'%.60s' is not a %s (1 to %zu "
			    "characters)"), value, _(s->what), s->size - 1);
			return -1;
		}
		memcpy(field, value, strlen(value) + 1);
		return 0;
	case SET_CHOREO:
		return s->choreo(&cfg->choreo, value, err, errlen);
	case SET_CALL:
		return s->call(cfg, value, origin, err, errlen);
	case SET_NONE:
		break;
	}
	snprintf(err, errlen, _("unknown setting %d"), id);
	return -1;
}

int
options_clear(struct server_config *cfg, int id)
{
	if ((id == OPT_VERBOSE && cfg->verbosity > 0) ||
	    (id == OPT_QUIET && cfg->verbosity < 0))
		cfg->verbosity = 0;
	if (id == OPT_TRACE)
		cfg->trace = 0;
	if (id == OPT_STEP)
		cfg->step = 0;
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

/* --model threads: one process, one descriptor per connection, shared
 * by every thread.  What concerns a pool or the copies of several
 * processes has no meaning there. */
static int
check_threads(const struct server_config *cfg, char *err, size_t errlen)
{
	const struct choreo *ch = &cfg->choreo;
	const char *opt = NULL, *why = NULL;

	if (cfg->accept_in == ACCEPT_IN_PARENT || cfg->max_requests > 0 ||
	    cfg->workers_given) {
		opt = cfg->max_requests > 0 ? "--max-requests-per-worker" :
		    cfg->workers_given ? "--workers" : "--accept-in parent";
		why = _("a thread serves the one connection the main thread "
		    "accepted (--max-children bounds them)");
	} else if (ch->listener_close_secs >= 0 ||
	    ch->listener_shutdown_how >= 0) {
		opt = ch->listener_close_secs >= 0 ?
		    "--parent-close-listener" : "--worker-shutdown-listener";
		why = _("only prefork workers share a listening socket");
	} else if (ch->parent_close == PCLOSE_NEVER) {
		opt = "--parent-close never";
		why = _("the accepting thread holds no copy to forget: there "
		    "is one descriptor, the connection's thread's");
	} else if (ch->parent_after_close == PAFTER_READ) {
		opt = "--parent-after-close read";
		why = _("the accepting thread closes nothing at once, so "
		    "there is no closed copy to read");
	} else if (cfg->bug != BUG_NONE) {
		opt = "--classic-bug";
		why = _("the textbook server forks per connection");
	} else if (ch->helper_secs >= 0) {
		opt = "--helper";
		why = _("a helper forked from one connection's thread would "
		    "copy every connection's descriptor, and fork() in a "
		    "process of many threads keeps only the caller");
	} else if (cfg->step) {
		opt = "--step";
		why = _("a step waits for SIGUSR1, which a connection's "
		    "thread never receives (every signal is the main "
		    "thread's)");
	}
	if (opt == NULL)
		return 0;
	/* TRANSLATORS: the refusals say "X and Y: why". */
	snprintf(err, errlen, _("%s and --model threads: %s"), opt, why);
	return -1;
}

/* Settings that belong to one process model only. */
static int
check_model(const struct server_config *cfg, char *err, size_t errlen)
{
	const struct choreo *ch = &cfg->choreo;
	int listener_opts = ch->listener_close_secs >= 0 ||
	    ch->listener_shutdown_how >= 0;

	if (cfg->model == MODEL_THREADS)
		return check_threads(cfg, err, errlen);
	if (cfg->model == MODEL_FORK) {
		if (cfg->accept_in == ACCEPT_IN_PARENT ||
		    cfg->max_requests > 0 || cfg->workers_given) {
			snprintf(err, errlen, _("%s and --model fork: a forked "
			    "child serves the one connection its parent "
			    "accepted"), cfg->max_requests > 0 ?
			    "--max-requests-per-worker" : cfg->workers_given ?
			    "--workers" : "--accept-in parent");
			return -1;
		}
		if (listener_opts) {
			snprintf(err, errlen, _("%s and --model fork: only "
			    "prefork workers share a listening socket"),
			    ch->listener_close_secs >= 0 ?
			    "--parent-close-listener" :
			    "--worker-shutdown-listener");
			return -1;
		}
		return 0;
	}
	if (cfg->max_children_given) {
		snprintf(err, errlen, "%s", _("--max-children and --model "
		    "prefork: the pool's size (--workers) bounds the "
		    "connections served at once"));
		return -1;
	}
	if (cfg->accept_in == ACCEPT_IN_WORKERS && cfg->per_source > 0) {
		snprintf(err, errlen, "%s", _("--per-source and --accept-in "
		    "workers: no one process sees every connection (try "
		    "--accept-in parent)"));
		return -1;
	}
	if (cfg->bug != BUG_NONE) {
		snprintf(err, errlen, "%s", _("--classic-bug and --model "
		    "prefork: the textbook server forks per connection"));
		return -1;
	}
	if (cfg->accept_in == ACCEPT_IN_WORKERS &&
	    (ch->parent_close != PCLOSE_NOW || ch->parent_shutdown_how >= 0)) {
		snprintf(err, errlen, _("%s and --accept-in workers: the "
		    "parent never holds a connection's socket (try "
		    "--accept-in parent)"), ch->parent_shutdown_how >= 0 ?
		    "--parent-shutdown" : "--parent-close");
		return -1;
	}
	if (cfg->accept_in == ACCEPT_IN_PARENT && listener_opts) {
		snprintf(err, errlen, _("%s and --accept-in parent: the "
		    "workers hold no listening socket"),
		    ch->listener_close_secs >= 0 ?
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
		snprintf(err, errlen, "%s", _("--classic-bug and "
		    "--parent-close or --parent-shutdown: the textbook server "
		    "closes its copy at once"));
		return -1;
	}
	if (cfg->bug != BUG_NONE && cfg->per_source > 0) {
		snprintf(err, errlen, "%s", _("--classic-bug and --per-source: "
		    "the textbook server keeps no table of its children"));
		return -1;
	}
	/* Its acts are the bug's own, in a loop that blocks in accept()
	 * with signals of its own: nothing there could wait at a step. */
	if (cfg->bug != BUG_NONE && cfg->step) {
		snprintf(err, errlen, "%s", _("--classic-bug and --step: the "
		    "textbook server has no steps (its lesson is in its "
		    "signals, not in its closes)"));
		return -1;
	}
	if (cfg->bug != BUG_NONE && cfg->nlisten > 1) {
		snprintf(err, errlen, "%s", _("--classic-bug and several "
		    "--listen: the textbook server blocks in accept() on one "
		    "socket"));
		return -1;
	}

	if (check_model(cfg, err, errlen) < 0)
		return -1;

	/* The same address twice would fail in bind() with a message that
	 * hides the cause; say it plainly. */
	for (i = 0; i < cfg->nlisten; i++) {
		j = options_listen_repeats(cfg, i);
		if (j >= 0) {
			snprintf(err, errlen, _("--listen %s and --listen %s: "
			    "the same address twice"), cfg->listen_text[j],
			    cfg->listen_text[i]);
			return -1;
		}
	}
	return 0;
}
