/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * options: every setting of forkechod, and the one table that names them.
 *
 * The command line and the config file go through the same table and the
 * same setter, so a setting has one name, one parser and one message
 * whichever way it is given.  Nothing here opens sockets or exits.
 */
#ifndef FORKECHOD_OPTIONS_H
#define FORKECHOD_OPTIONS_H

#include <stddef.h>

#include "addr.h"
#include "choreo.h"
#include "lessons.h"
#include "opt.h"

#define OPTIONS_MAX_LISTEN 16
#define OPTIONS_DEFAULT_LISTEN "127.0.0.1:7007"
#define OPTIONS_DEFAULT_PORT "7007"

enum options_id {
	OPT_LISTEN = 1,
	OPT_BACKLOG,
	OPT_MODEL,
	OPT_MAX_CHILDREN,
	OPT_DRAIN_TIMEOUT,
	OPT_CONFIG,
	OPT_CHECK_CONFIG,
	OPT_VERBOSE,
	OPT_QUIET,
	OPT_HELP,
	OPT_VERSION,
	OPT_PARENT_CLOSE,
	OPT_PARENT_SHUTDOWN,
	OPT_CHILD_SHUTDOWN,
	OPT_CHILD_END,
	OPT_CHILD_CLOSE,
	OPT_CHILD_EPIPE,
	OPT_CHILD_DUP,
	OPT_HELPER,
	OPT_HELPER_DOES,
	OPT_CLOEXEC,
	OPT_PARENT_AFTER_CLOSE,
	OPT_LESSON,
	OPT_LESSONS,
	OPT_TRACE,
	OPT_TRACE_JSON,
	OPT_CLASSIC_BUG,
	OPT_WORKERS,
	OPT_MAX_REQUESTS,
	OPT_ACCEPT_IN,
	OPT_PARENT_CLOSE_LISTENER,
	OPT_WORKER_SHUTDOWN_LISTENER,
	OPT_IDLE_TIMEOUT,
	OPT_PER_SOURCE,
	OPT_SYSLOG,
	OPT_USER,
	OPT_STEP,
	OPT_COUNT		/* one past the last id */
};

/* The textbook server's bugs, replayed on purpose by three lessons. */
enum classic_bug { BUG_NONE, BUG_ZOMBIES, BUG_LOST_SIGCHLD, BUG_EINTR_ACCEPT };

enum server_model { MODEL_FORK, MODEL_PREFORK, MODEL_THREADS };

/* Prefork: who calls accept(). */
enum accept_in { ACCEPT_IN_WORKERS, ACCEPT_IN_PARENT };

/* Where a setting came from: the command line overrides the file. */
enum options_origin { ORIGIN_DEFAULT, ORIGIN_FILE, ORIGIN_CLI };

struct server_config {
	struct addr listen[OPTIONS_MAX_LISTEN];
	char listen_text[OPTIONS_MAX_LISTEN][80];	/* as the user wrote it */
	int nlisten;
	enum options_origin listen_origin;
	int backlog;
	enum server_model model;
	unsigned long max_children;
	int max_children_given;		/* set explicitly, not the default */
	unsigned long per_source;	/* per client host; 0: no limit */
	unsigned long workers;		/* prefork pool size */
	int workers_given;		/* set explicitly, not the default */
	unsigned long max_requests;	/* per worker; 0: no limit */
	enum accept_in accept_in;
	double drain_timeout;
	double idle_timeout;	/* 0: none */
	const char *config_file;
	int check_only;
	int verbosity;		/* -1 errors only, 0 normal, 1 per connection */
	int syslog;		/* log lines to syslog too */
	char user[64];		/* serve as this user; "" for none */
	int want_help;
	int want_version;
	int want_lessons;
	struct choreo choreo;
	int trace;			/* lane view on stderr */
	int step;			/* wait before each act (--step) */
	/* JSON Lines file, "-", or "" for none.  A copy: a value read from
	 * the config file lives only as long as its line buffer. */
	char trace_json[1024];
	const struct lesson *lesson;	/* the last --lesson, or NULL */
	enum classic_bug bug;
};

/* The table of options, ending with a NULL name. */
extern const struct opt_spec options_table[];

/* The synopsis, as in forkechod(8); English, marked with N_() (opt.c
 * translates it where it is written). */
extern const char *const options_usage;

void options_defaults(struct server_config *cfg);

/*
 * Sets the option id to value (NULL for a flag).  On a bad value returns
 * -1 with a message in err that names the value and what is allowed, but
 * not the option: callers prefix "--name" or "FILE:LINE: name".
 */
int options_set(struct server_config *cfg, int id, const char *value,
    enum options_origin origin, char *err, size_t errlen);

/* Turns a flag off again ("verbose = no" in a file).  Returns 0. */
int options_clear(struct server_config *cfg, int id);

/*
 * Applies the command line to cfg.  Returns the index of the first operand
 * (forkechod takes none), or -1 with a message naming the input in err.
 */
int options_parse_cli(struct server_config *cfg, int argc, char *const argv[],
    char *err, size_t errlen);

/* Fills in what is still unset (the default listen address). */
int options_finish(struct server_config *cfg, char *err, size_t errlen);

/* If listen address i repeats an earlier one (port 0 excepted), returns
 * that one's index, else -1. */
int options_listen_repeats(const struct server_config *cfg, int i);

/*
 * Refuses combinations that make no sense, naming both options.  Returns
 * 0, or -1 with the message in err.
 */
int options_check(const struct server_config *cfg, char *err, size_t errlen);

#endif
