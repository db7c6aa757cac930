/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nls.h"

/*
 * The longest line the file may hold, its newline aside.  The longest
 * value is a file name, which may be PATH_MAX (4096 on Linux) bytes long:
 * twice that leaves room for the key and a comment.  The limit bounds
 * the memory a file can take, whatever it holds (-c /dev/zero).
 */
#define CONFIG_LINE_MAX 8192

/* What read_line found. */
enum line_got { LINE_OK, LINE_END, LINE_LONG, LINE_NUL, LINE_ERROR };

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
			/* TRANSLATORS: "listen" is the file's key. */
			snprintf(err, errlen, _("listen: %s given again (first "
			    "on line %lu)"), cfg->listen_text[i],
			    seen->listen_line[j]);
			return -1;
		}
		return 0;
	}
	if (seen->line[id] != 0) {
		snprintf(err, errlen, _("'%s' given again (first on line %lu)"),
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
		/* TRANSLATORS: 'key = value' is the form of a line of the
		 * file; translate "key" and "value" only if a reader would
		 * still see the form. */
		snprintf(err, errlen, _("expected 'key = value', got '%.60s'"),
		    line);
		return -1;
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	spec = opt_find(options_table, key);
	if (spec != NULL && !file_key_allowed(spec->id)) {
		snprintf(err, errlen, _("'%s' can be given on the command line "
		    "only"), key);
		return -1;
	}
	if (spec == NULL) {
		const char *near = opt_closest(options_table, key);
		const struct opt_spec *ns = near != NULL ?
		    opt_find(options_table, near) : NULL;

		/* Suggesting a key the file may not hold would only lead to
		 * the next error. */
		if (ns != NULL && file_key_allowed(ns->id))
			snprintf(err, errlen, _("unknown key '%.60s' (did you "
			    "mean '%s'?)"), key, near);
		else
			snprintf(err, errlen, _("unknown key '%.60s'"), key);
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
			/* TRANSLATORS: yes and no are typed as they are. */
			snprintf(err, errlen, _("%s: '%.60s' is not yes or no"),
			    key, value);
			return -1;
		}
		value = NULL;
	} else if (*value == '\0') {
		snprintf(err, errlen, _("%s: missing value"), key);
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

/*
 * Reads one line into buf, which holds max + 1 bytes, without its newline.
 * A line longer than max, or a NUL byte, stops the reading where it is
 * found: the file is refused at that line, and the rest of the line (of
 * /dev/zero, say) is never read.  LINE_END is end of file before any
 * byte; a last line without a newline is still a line.  LINE_ERROR leaves
 * errno as the failed read set it.
 */
static enum line_got
read_line(FILE *fp, char *buf, size_t max)
{
	size_t n = 0;
	int c;

	while ((c = getc(fp)) != EOF && c != '\n') {
		if (c == '\0')
			return LINE_NUL;
		if (n == max)
			return LINE_LONG;
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	/* End of file and a failed read both come as EOF; only the error
	 * indicator tells them apart. */
	if (c == EOF && ferror(fp))
		return LINE_ERROR;
	if (c == EOF && n == 0)
		return LINE_END;
	return LINE_OK;
}

int
config_read(struct server_config *cfg, FILE *fp, const char *name,
    char *err, size_t errlen)
{
	char buf[CONFIG_LINE_MAX + 1], why[512];
	struct seen seen;
	unsigned long lineno = 0;
	enum line_got got;

	memset(&seen, 0, sizeof seen);
	for (;;) {
		char *line, *hash;

		lineno++;
		errno = 0;
		got = read_line(fp, buf, CONFIG_LINE_MAX);
		switch (got) {
		case LINE_END:
			return 0;
		case LINE_ERROR:
			/* A directory opens but fails to read with EISDIR; a
			 * read error is never taken for the end of the file. */
			/* TRANSLATORS: read is the call that failed; then
			 * the file, and the system's reason. */
			snprintf(err, errlen, _("read %s: %s"), name,
			    strerror(errno != 0 ? errno : EIO));
			return -1;
		case LINE_LONG:
			/* TRANSLATORS: FILE:LINE: stays first, as compilers
			 * write it. */
			snprintf(err, errlen, _("%s:%lu: line longer than %d "
			    "characters"), name, lineno, CONFIG_LINE_MAX);
			return -1;
		case LINE_NUL:
			snprintf(err, errlen, _("%s:%lu: not text (NUL byte)"),
			    name, lineno);
			return -1;
		case LINE_OK:
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
			return -1;
		}
	}
}

int
config_load(struct server_config *cfg, const char *path, char *err,
    size_t errlen)
{
	FILE *fp;
	int rc;

	fp = fopen(path, "r");
	if (fp == NULL) {
		/* TRANSLATORS: open is the call that failed. */
		snprintf(err, errlen, _("open %s: %s"), path, strerror(errno));
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
