/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "nls.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#if FE_NLS
/* The build tree's top directory and the installed catalogs', from the
 * Makefile: a program whose file is under FE_BUILDDIR/bin/ or
 * FE_BUILDDIR/build/ has not been installed and reads the catalogs
 * make built there (make install copies them to FE_LOCALEDIR). */
#ifndef FE_BUILDDIR
#define FE_BUILDDIR ""
#endif
#ifndef FE_LOCALEDIR
#define FE_LOCALEDIR "/usr/local/share/locale"
#endif

static int
in_build_tree(const char *exe)
{
	static const char *const under[] = { "/bin/", "/build/" };
	size_t top = strlen(FE_BUILDDIR);
	size_t i;

	if (top == 0 || strncmp(exe, FE_BUILDDIR, top) != 0)
		return 0;
	for (i = 0; i < sizeof under / sizeof under[0]; i++)
		if (strncmp(exe + top, under[i], strlen(under[i])) == 0)
			return 1;
	return 0;
}
#endif

void
nls_init(void)
{
#if FE_NLS
	char exe[4096];
	ssize_t n;
	const char *dir = FE_LOCALEDIR;

	/* Two categories only: the messages, and the character set they
	 * are converted to (and columns counted in).  LC_NUMERIC stays "C",
	 * and the rest too: each category the locale loads is one more
	 * mapping for every fork() to copy (the fork model forks per
	 * connection; docs/PERFORMANCE.md). */
	(void)setlocale(LC_CTYPE, "");
	(void)setlocale(LC_MESSAGES, "");
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		if (in_build_tree(exe))
			dir = FE_BUILDDIR "/build/locale";
	}
	(void)bindtextdomain("forkecho", dir);
	(void)textdomain("forkecho");
	/* The empty message is the catalog's header: asking for it loads
	 * the catalog now. */
	(void)gettext("");
#endif
}

#if FE_NLS
/* Is p at a number: digits, with a fraction ("0.003")? Returns its
 * length, or 0. */
static size_t
number_at(const char *p)
{
	size_t n = 0;

	while (p[n] >= '0' && p[n] <= '9')
		n++;
	if (n > 0 && p[n] == '.' && p[n + 1] >= '0' && p[n + 1] <= '9') {
		n++;
		while (p[n] >= '0' && p[n] <= '9')
			n++;
	}
	return n;
}
#endif

const char *
nls_why(const char *why, char *buf, size_t len)
{
#if FE_NLS
	enum { MAX_NUMS = 4 };
	char key[512], nums[MAX_NUMS][32];
	const char *p, *tr;
	size_t k = 0, count = 0, n, used = 0, i;

	if (why == NULL || len == 0)
		return why;
	for (p = why; *p != '\0';) {
		n = number_at(p);
		/* A number inside a word ("SHUT_RD2", "h1") is not one. */
		if (n > 0 && (p == why || p[-1] == ' ' || p[-1] == '(' ||
		    p[-1] == '{' || p[-1] == ',')) {
			if (count == MAX_NUMS || n >= sizeof nums[0] ||
			    k + 2 >= sizeof key)
				return why;
			memcpy(nums[count], p, n);
			nums[count++][n] = '\0';
			key[k++] = '%';
			key[k++] = 's';
			p += n;
			continue;
		}
		if (*p == '%' || k + 1 >= sizeof key)
			return why;	/* not a message of ours */
		key[k++] = *p++;
	}
	key[k] = '\0';
	tr = gettext(key);
	if (tr == key)
		return why;	/* no translation: the English words */
	/* Put the numbers back where the translation has %s, in order. */
	i = 0;
	for (p = tr; *p != '\0' && used + 1 < len; p++) {
		if (p[0] == '%' && p[1] == 's' && i < count) {
			n = strlen(nums[i]);
			if (used + n >= len)
				break;
			memcpy(buf + used, nums[i++], n);
			used += n;
			p++;
			continue;
		}
		buf[used++] = *p;
	}
	buf[used] = '\0';
	return buf;
#else
	(void)buf;
	(void)len;
	return why;
#endif
}
