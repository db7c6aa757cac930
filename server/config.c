#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* Longer lines are refused: no setting needs one. */
#define LINE_MAX_LEN 1024

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* Options that make no sense in a file: they steer the command itself. */
static int
file_key_allowed(int id)
{
	return id != OPT_CONFIG && id != OPT_HELP && id != OPT_VERSION &&
	    id != OPT_CHECK_CONFIG && id != OPT_LESSONS;
}

/* Where each key was first set in the file, to refuse it a second time:
 * with two values a reader cannot tell which one wins.  listen alone may
 * repeat, each time with another address. */
struct seen {
	unsigned long line[OPT_COUNT];
	unsigned long listen_line[OPTIONS_MAX_LISTEN];
};

static int
check_repeat(const struct server_config *cfg, struct seen *seen, int id,
    const char *key, unsigned long lineno, char *err, size_t errlen)
{
	int i, j;

	if (id == OPT_LISTEN) {
		i = cfg->nlisten - 1;
		seen->listen_line[i] = lineno;
		j = options_listen_repeats(cfg, i);
		if (j >= 0) {
			snprintf(err, errlen, "listen: %s given again (first "
			    "on line %lu)", cfg->listen_text[i],
			    seen->listen_line[j]);
			return -1;
		}
		return 0;
	}
	if (seen->line[id] != 0) {
		snprintf(err, errlen, "'%s' given again (first on line %lu)",
		    key, seen->line[id]);
		return -1;
	}
	seen->line[id] = lineno;
	return 0;
}

static int
apply_line(struct server_config *cfg, struct seen *seen, unsigned long lineno,
    char *line, char *err, size_t errlen)
{
	const struct opt_spec *spec;
	char *eq, *key, *value, why[256];

	eq = strchr(line, '=');
	if (eq == NULL) {
		snprintf(err, errlen, "expected 'key = value', got '%.60s'",
		    line);
		return -1;
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	spec = opt_find(options_table, key);
	if (spec != NULL && !file_key_allowed(spec->id)) {
		snprintf(err, errlen, "'%s' can be given on the command line "
		    "only", key);
		return -1;
	}
	if (spec == NULL) {
		const char *near = opt_closest(options_table, key);
		const struct opt_spec *ns = near != NULL ?
		    opt_find(options_table, near) : NULL;

		/* Suggesting a key the file may not hold would only lead to
		 * the next error. */
		if (ns != NULL && file_key_allowed(ns->id))
			snprintf(err, errlen, "unknown key '%.60s' (did you "
			    "mean '%s'?)", key, near);
		else
			snprintf(err, errlen, "unknown key '%.60s'", key);
		return -1;
	}
	if (spec->id != OPT_LISTEN &&
	    check_repeat(cfg, seen, spec->id, key, lineno, err, errlen) < 0)
		return -1;
	if (spec->arg == NULL) {
		/* Flags are written "verbose = yes" or "= no". */
		if (strcmp(value, "no") == 0)
			return options_clear(cfg, spec->id);
		if (strcmp(value, "yes") != 0) {
			snprintf(err, errlen, "%s: '%.60s' is not yes or no",
			    key, value);
			return -1;
		}
		value = NULL;
	} else if (*value == '\0') {
		snprintf(err, errlen, "%s: missing value", key);
		return -1;
	}
	if (options_set(cfg, spec->id, value, ORIGIN_FILE, why,
	    sizeof why) < 0) {
		snprintf(err, errlen, "%s: %s", key, why);
		return -1;
	}
	if (spec->id == OPT_LISTEN)
		return check_repeat(cfg, seen, spec->id, key, lineno, err,
		    errlen);
	return 0;
}

int
config_read(struct server_config *cfg, FILE *fp, const char *name,
    char *err, size_t errlen)
{
	char *buf = NULL, why[512];
	struct seen seen;
	size_t cap = 0;
	unsigned long lineno = 0;
	ssize_t len;
	int rc = 0;

	memset(&seen, 0, sizeof seen);
	errno = 0;
	while ((len = getline(&buf, &cap, fp)) >= 0) {
		char *line, *hash;

		lineno++;
		/* The limit is on what the line says, its newline aside. */
		if (len > LINE_MAX_LEN + (buf[len - 1] == '\n')) {
			snprintf(err, errlen, "%s:%lu: line longer than %d "
			    "characters", name, lineno, LINE_MAX_LEN);
			rc = -1;
			break;
		}
		/* getline counts every byte, strlen stops at a NUL: a
		 * difference means binary garbage, not a setting. */
		if (strlen(buf) != (size_t)len) {
			snprintf(err, errlen, "%s:%lu: not text (NUL byte)",
			    name, lineno);
			rc = -1;
			break;
		}
		hash = strchr(buf, '#');
		if (hash != NULL)
			*hash = '\0';
		line = trim(buf);
		if (*line == '\0')
			continue;
		if (apply_line(cfg, &seen, lineno, line, why,
		    sizeof why) < 0) {
			snprintf(err, errlen, "%s:%lu: %s", name, lineno, why);
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(fp)) {
		/* A directory opens but fails to read with EISDIR. */
		snprintf(err, errlen, "read %s: %s", name, strerror(errno));
		rc = -1;
	}
	free(buf);
	return rc;
}

int
config_load(struct server_config *cfg, const char *path, char *err,
    size_t errlen)
{
	FILE *fp;
	int rc;

	fp = fopen(path, "r");
	if (fp == NULL) {
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		return -1;
	}
	rc = config_read(cfg, fp, path, err, errlen);
	(void)fclose(fp);
	return rc;
}

enum config_fault
config_assemble(struct server_config *cfg, const char *file, int argc,
    char *const argv[], char *err, size_t errlen)
{
	options_defaults(cfg);
	if (file != NULL && config_load(cfg, file, err, errlen) < 0)
		return CONFIG_BAD_FILE;
	if (file != NULL) {
		/* A file whose settings contradict each other is a bad file
		 * (78), whatever the command line adds. */
		struct server_config alone = *cfg;

		if (options_finish(&alone, err, errlen) < 0 ||
		    options_check(&alone, err, errlen) < 0) {
			char why[512];

			snprintf(why, sizeof why, "%s", err);
			snprintf(err, errlen, "%s: %s", file, why);
			return CONFIG_BAD_FILE;
		}
	}
	/* The command line was checked once already; again on top, it wins
	 * over the file. */
	if (options_parse_cli(cfg, argc, argv, err, errlen) < 0)
		return CONFIG_BAD_USE;
	cfg->config_file = file;
	if (options_finish(cfg, err, errlen) < 0 ||
	    options_check(cfg, err, errlen) < 0)
		return CONFIG_BAD_USE;
	return CONFIG_OK;
}
