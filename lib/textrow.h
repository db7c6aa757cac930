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

/* Pads with spaces until the text from start fills width display columns
 * and one more (a UTF-8 continuation byte takes no column). */
void textrow_pad(struct textrow *r, size_t start, size_t width);

#endif
