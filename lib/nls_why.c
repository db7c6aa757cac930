/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * The keys nls_why() looks up: every "why" the server's trace writes,
 * with each number as %s (lib/nls.h).  They are here for xgettext,
 * which puts them in po/forkecho.pot; nothing reads the table at run
 * time.  tests/i18n.bats checks that every why of every lesson's trace
 * has a translation, so a new why without its key here fails there.
 */
#include "nls.h"

/* TRANSLATORS: the trace's reasons.  Each %s is a number, and the
 * numbers are put back in the order they come in the English text. */
const char *const nls_why_keys[] = {
	N_("last reference: FIN"),
};
