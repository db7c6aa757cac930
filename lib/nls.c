/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "nls.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#if FE_NLS
/* The "C" locale, for nls_strerror_en; made in nls_init, before any
 * thread or fork (glibc's is a static object: nothing is allocated). */
static locale_t c_locale;

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
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
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
/* Numbers in one why, at most: a worker's reap with what follows ("worker
 * 1 (pid 52) exited 1; it died 0.05 s after its start; replacing it in
 * 0.1 s") has five. */
#define WHY_NUMS 8
#define WHY_NUM_MAX 32
/* Parts joined by "; " in one why, at most. */
#define WHY_PARTS 8

/* Is p at a number: digits, with a sign ("-1") or a fraction ("0.003")?
 * Returns its length, or 0. */
static size_t
number_at(const char *p)
{
	size_t n = p[0] == '-' ? 1 : 0, digits;

	while (p[n] >= '0' && p[n] <= '9')
		n++;
	digits = n - (p[0] == '-' ? 1 : 0);
	if (digits == 0)
		return 0;
	if (p[n] == '.' && p[n + 1] >= '0' && p[n + 1] <= '9') {
		n++;
		while (p[n] >= '0' && p[n] <= '9')
			n++;
	}
	return n;
}

/* why as its key, each number replaced by %s, into key; the numbers, in
 * order, into nums.  Returns how many, or -1 if why is no message of
 * ours (a '%' in it, too long, too many numbers). */
static int
why_key(const char *why, char *key, size_t keylen,
    char nums[WHY_NUMS][WHY_NUM_MAX])
{
	const char *p;
	size_t k = 0, n;
	int count = 0;

	for (p = why; *p != '\0';) {
		n = number_at(p);
		/* A number inside a word ("SHUT_RD2", "h1") is not one. */
		if (n > 0 && (p == why || p[-1] == ' ' || p[-1] == '(' ||
		    p[-1] == '{' || p[-1] == ',')) {
			if (count == WHY_NUMS || n >= WHY_NUM_MAX ||
			    k + 2 >= keylen)
				return -1;
			memcpy(nums[count], p, n);
			nums[count++][n] = '\0';
			key[k++] = '%';
			key[k++] = 's';
			p += n;
			continue;
		}
		if (*p == '%' || k + 1 >= keylen)
			return -1;
		key[k++] = *p++;
	}
	key[k] = '\0';
	return count;
}

/* Appends text to buf (of len, *used in use), each %s in it the next of
 * the numbers nums[*next..count), "%%" a '%'.  Returns 0, or -1 when
 * buf is full. */
static int
put_back(const char *text, char nums[WHY_NUMS][WHY_NUM_MAX], int count,
    int *next, char *buf, size_t len, size_t *used)
{
	const char *p;
	size_t n;

	for (p = text; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 's' && *next < count) {
			n = strlen(nums[*next]);
			if (*used + n >= len)
				return -1;
			memcpy(buf + *used, nums[(*next)++], n);
			*used += n;
			p++;
			continue;
		}
		if (p[0] == '%' && p[1] == '%')
			p++;
		if (*used + 1 >= len)
			return -1;
		buf[(*used)++] = *p;
	}
	return 0;
}

/* The %s in key from start to end: the numbers that part holds. */
static int
numbers_in(const char *key, size_t start, size_t end)
{
	size_t i;
	int n = 0;

	for (i = start; i + 1 < end; i++)
		if (key[i] == '%' && key[i + 1] == 's')
			n++;
	return n;
}
#endif

const char *
nls_why(const char *why, char *buf, size_t len)
{
#if FE_NLS
	char key[512], part[512], nums[WHY_NUMS][WHY_NUM_MAX];
	size_t start[WHY_PARTS], end[WHY_PARTS], used = 0, nparts = 0, i, j;
	const char *tr = NULL, *p, *sep;
	int count, next = 0, any = 0;

	if (why == NULL || len == 0)
		return why;
	if ((count = why_key(why, key, sizeof key, nums)) < 0)
		return why;
	buf[0] = '\0';
	if (key[0] == '\0')
		return why;	/* gettext("") is the catalog's header */
	tr = gettext(key);
	if (tr != key) {
		(void)put_back(tr, nums, count, &next, buf, len, &used);
		buf[used] = '\0';
		return buf;
	}
	/*
	 * Not one message: the server joins its reasons with "; " (the
	 * note on why a call was made, then what the measurement says; a
	 * reap, then what follows), and each part is a message of its own.
	 * The longest run of parts that is a message wins, since a message
	 * may hold "; " itself ("last reference; the FIN had gone
	 * already"); a part with no translation stays English.
	 */
	for (p = key; nparts < WHY_PARTS;) {
		const char *semi = strstr(p, "; ");

		start[nparts] = (size_t)(p - key);
		end[nparts++] = semi != NULL ? (size_t)(semi - key) :
		    strlen(key);
		if (semi == NULL)
			break;
		p = semi + 2;
	}
	if (nparts < 2 || key[end[nparts - 1]] != '\0')
		return why;	/* one part, or too many */
	/* TRANSLATORS: what joins two reasons of the trace, "the parent
	 * closes its copy at once; nothing sent: 1 other holder". */
	sep = _("; ");
	for (i = 0; i < nparts; i = j + 1) {
		/* The longest run from part i that is a message. */
		for (j = nparts - 1;; j--) {
			size_t n = end[j] - start[i];

			memcpy(part, key + start[i], n);
			part[n] = '\0';
			tr = n > 0 ? gettext(part) : part;
			if (tr != part || j == i)
				break;
		}
		if (i > 0 && put_back(sep, nums, 0, &next, buf, len,
		    &used) < 0)
			break;
		if (tr != part)
			any = 1;
		/* The part's own numbers, whatever the translation does
		 * with them. */
		count = next + numbers_in(key, start[i], end[j]);
		if (put_back(tr, nums, count, &next, buf, len, &used) < 0)
			break;
		next = count;
	}
	buf[used] = '\0';
	return any ? buf : why;
#else
	(void)buf;
	(void)len;
	return why;
#endif
}

const char *
nls_strerror_en(int err)
{
#if FE_NLS
	if (c_locale != (locale_t)0)
		return strerror_l(err, c_locale);
#endif
	return strerror(err);
}
