/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * nls: the programs' messages in the user's language (GNU gettext, the
 * text domain "forkecho"; the catalogs are po/LANG.po).
 *
 * _("text") marks a message and translates it where it is used;
 * N_("text") only marks one kept in a table, translated later by _().
 * With NLS off (make NLS=no) both are the text itself and nothing from
 * gettext is linked.
 *
 * What scripts read is never marked: the readiness line ("listening on
 * ADDR PORT"), the JSON trace's names and values, option names and
 * exit statuses are the same bytes in every locale (tests/i18n.bats).
 * Never call _() in a signal handler: gettext may allocate.
 */
#ifndef FORKECHO_NLS_H
#define FORKECHO_NLS_H

#include <stddef.h>

#ifndef FE_NLS
#define FE_NLS 0
#endif

#if FE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#else
#define _(s) (s)
#endif
#define N_(s) (s)

/* At the start of main: LC_MESSAGES and LC_CTYPE from the environment
 * (LANG, LC_ALL, ...), the rest "C": LC_NUMERIC above all, so that
 * every number the programs write or parse has a '.' (a JSON number,
 * "0.5" as an option) whatever the language.  Run from the build tree (bin/, build/), the catalogs are
 * the build's own (build/locale); installed, $(LOCALEDIR)'s.  The
 * catalog is loaded here, before the server drops its privileges or
 * forks, so no child loads it again. */
void nls_init(void);

/*
 * The trace's "why" in the user's language, for the human views (the
 * server's --trace, forktrace's text and pictures).  The JSON keeps the
 * server's English words, which are what scripts read; a view looks
 * them up with every number replaced by %s ("nothing sent: 1 other
 * holder" is the message "nothing sent: %s other holder"), and puts the
 * numbers back in the translation, in order.  A number is digits, with
 * a sign or a fraction, at the start or after ' ', '(', '{' or ',' (so
 * "SO_LINGER {1,0}" is "SO_LINGER {%s,%s}", and "h1" has none); at most
 * 8 in one why.  A why that is no message as a whole is looked up part
 * by part, its parts being what the server joins with "; " (a note,
 * then what was measured), the longest run of parts that is a message
 * first.  Returns why itself when nothing of it has a translation, or
 * buf.  The keys are in lib/nls_why.c.
 */
const char *nls_why(const char *why, char *buf, size_t len);

/* strerror(err) in English, whatever LC_MESSAGES says: for what must be
 * the same bytes in every locale (the JSON trace's why), and for the
 * views to recognise the server's English words.  Thread-safe. */
const char *nls_strerror_en(int err);

/* The table of those keys, for xgettext (lib/nls_why.c). */
extern const char *const nls_why_keys[];

#endif
