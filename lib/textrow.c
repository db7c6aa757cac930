/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "textrow.h"

#include <stdarg.h>
#include <stdio.h>

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

/* Display width of UTF-8 text: continuation bytes take no column. */
static size_t
columns(const char *s, size_t len)
{
	size_t i, w = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			w++;
	return w;
}

void
textrow_pad(struct textrow *r, size_t start, size_t width)
{
	size_t w = columns(r->buf + start, r->len - start);

	/* A cell that fills its column still gets one space after it, or
	 * it would run into the next ("refs 2→2FIN"). */
	if (w > 0 && w >= width + 1)
		textrow_add(r, " ");
	while (w++ < width + 1)
		textrow_add(r, " ");
}
