/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * textrow: one line of text built piece by piece and padded to columns,
 * for the trace's lane view (the server's --trace and forktrace --text
 * print the same rows).
 */
#ifndef FORKECHO_TEXTROW_H
#define FORKECHO_TEXTROW_H

#include <stddef.h>

struct textrow {
	char buf[1024];
	size_t len;
};

/* Appends, printf-style; what does not fit is cut, never overflows. */
void textrow_add(struct textrow *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The display columns of the len bytes at s: in a UTF-8 locale (its
 * LC_CTYPE) what wcwidth() says, a Chinese character two; otherwise,
 * and for what is not valid UTF-8, one for every byte that is not a
 * UTF-8 continuation byte. */
size_t textrow_columns(const char *s, size_t len);

/* Pads with spaces until the text from start fills width display columns
 * (textrow_columns) and one more. */
void textrow_pad(struct textrow *r, size_t start, size_t width);

#endif
