/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/* wcwidth() is XSI: glibc declares it only with _XOPEN_SOURCE. */
#define _XOPEN_SOURCE 700

#include "textrow.h"

#include <langinfo.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

void
textrow_add(struct textrow *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->len >= sizeof r->buf - 1)
		return;
	va_start(ap, fmt);
	/* The analyzer loses track of ap across va_start here. */
	n = vsnprintf(r->buf + r->len, sizeof r->buf - r->len, fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized) */
	va_end(ap);
	if (n > 0)
		r->len += (size_t)n < sizeof r->buf - r->len ? (size_t)n :
		    sizeof r->buf - r->len - 1;
}

/* The C locale's rule: a column for every byte that is not a UTF-8
 * continuation byte. */
static size_t
byte_columns(const char *s, size_t len)
{
	size_t i, w = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			w++;
	return w;
}

size_t
textrow_columns(const char *s, size_t len)
{
	mbstate_t st;
	wchar_t wc;
	size_t i = 0, n, w = 0;
	int cw;

	/* Only a UTF-8 locale's wcwidth() knows a Chinese character is two
	 * columns; in any other the rows are ASCII (and "→"), and the rule
	 * above is as good. */
	if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
		return byte_columns(s, len);
	memset(&st, 0, sizeof st);
	while (i < len) {
		n = mbrtowc(&wc, s + i, len - i, &st);
		if (n == (size_t)-1 || n == (size_t)-2)
			return w + byte_columns(s + i, len - i);
		cw = wcwidth(wc);
		/* A character with no width of its own (a control
		 * character) counts one, as above. */
		w += cw >= 0 ? (size_t)cw : 1;
		i += n > 0 ? n : 1;
	}
	return w;
}

void
textrow_pad(struct textrow *r, size_t start, size_t width)
{
	size_t w = textrow_columns(r->buf + start, r->len - start);

	/* A cell that fills its column still gets one space after it, or
	 * it would run into the next ("refs 2→2FIN"). */
	if (w > 0 && w >= width + 1)
		textrow_add(r, " ");
	while (w++ < width + 1)
		textrow_add(r, " ");
}
