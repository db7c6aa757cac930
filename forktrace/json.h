/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * json: a small, strict reader of one JSON text (RFC 8259), enough for
 * forkechod's JSON Lines trace, so that forktrace needs nothing beyond
 * libc.
 *
 * The text must be an object or an array, with nothing but white space
 * after it.  Strings must be valid UTF-8 and may not hold \u0000, so that
 * every string is also a C string; an object may not repeat a key; nesting
 * is bounded (JSON_MAX_DEPTH).  Whole numbers that fit a long long are
 * told apart from the others.  The messages name what was expected and
 * the text near the error, as libjansson's did ("'[' or '{' expected near
 * 'listening'"), so that forktrace's diagnostics stayed the same when it
 * left that library.
 */
#ifndef FORKTRACE_JSON_H
#define FORKTRACE_JSON_H

#include <stddef.h>

#define JSON_MAX_DEPTH 64

enum json_type {
	JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_INTEGER, JSON_REAL,
	JSON_STRING, JSON_ARRAY, JSON_OBJECT
};

/* One value.  Strings are NUL-terminated and hold no NUL. */
struct json_value {
	enum json_type type;
	const char *key;		/* as a member of an object; else NULL */
	size_t keylen;
	const char *str;		/* JSON_STRING: the decoded text */
	size_t len;
	long long integer;		/* JSON_INTEGER */
	double number;			/* JSON_INTEGER and JSON_REAL */
	const struct json_value *first;	/* array, object: first element */
	const struct json_value *next;	/* the next in the same container */
	size_t inext, ifirst;		/* the same as indices, while parsing */
};

/* A parsed text: doc->value[0] is the top-level object or array. */
struct json_doc {
	struct json_value *value;
	size_t nvalue, cap;
	char *text;			/* every decoded string and key */
	size_t *keys;			/* open-addressed set of member indices */
	size_t nkeys;			/* its size, a power of two */
};

struct json_error {
	char text[160];
	unsigned long line;		/* from 1 */
	unsigned long column;		/* characters read on that line */
};

#define JSON_EINVAL (-1)		/* not valid JSON: see the error */
#define JSON_ENOMEM (-2)		/* out of memory */

/*
 * Parses the len bytes at buf (a NUL byte is an error, not the end) into
 * doc, which need not be initialised.  Returns 0, or JSON_EINVAL with the
 * error in err, or JSON_ENOMEM.  doc is to be freed with json_free either
 * way.
 */
int json_parse(struct json_doc *doc, const char *buf, size_t len,
    struct json_error *err);

void json_free(struct json_doc *doc);

/* The member key of object o, or NULL if absent (a null is present). */
const struct json_value *json_member(const struct json_value *o,
    const char *key);

#endif
