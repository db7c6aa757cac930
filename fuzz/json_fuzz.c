/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * A libFuzzer target for forktrace's JSON reader (forktrace/json.c).  The
 * input, NUL bytes and all, is one JSON text.
 *
 * Besides crashes, leaks and hangs, what json.h promises is checked.  A
 * refusal has a message and a place inside the input.  What is accepted
 * is an object or an array, nested at most JSON_MAX_DEPTH deep; its
 * strings and keys are valid UTF-8 without NUL; no object repeats a key,
 * and json_member finds each.  And it reads back the same: written out
 * again as JSON here (with every string escaped as \uXXXX, surrogate
 * pairs included, to exercise the other path of the decoder), it parses
 * to an equal tree.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A growing output buffer; on overflow of memory, abandoned (ok = 0). */
struct out {
	char *buf;
	size_t len, cap;
	int ok;
};

static void
put(struct out *o, const char *s, size_t n)
{
	char *nb;

	if (!o->ok)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t ncap = (o->len + n + 1) * 2;

		if ((nb = realloc(o->buf, ncap)) == NULL) {
			o->ok = 0;
			return;
		}
		o->buf = nb;
		o->cap = ncap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* The code point of the UTF-8 sequence at s, its length in *n; 0 if the
 * sequence is not valid UTF-8 (NUL is not allowed either). */
static unsigned long
decode_utf8(const unsigned char *s, size_t left, size_t *n)
{
	unsigned long cp;
	size_t i, len;

	if (s[0] < 0x80) {
		*n = 1;
		return s[0];
	}
	len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
	if (len == 0 || len > left || s[0] > 0xf4)
		return 0;
	cp = s[0] & (0x3f >> (len - 1));
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*n = len;
	return cp;
}

/* Writes s as a JSON string, every character escaped. */
static void
put_string(struct out *o, const char *s, size_t len)
{
	char esc[16];
	size_t i, n;
	unsigned long cp;

	if (strlen(s) != len)
		fuzz_fail("a string of %zu bytes holds a NUL", len);
	put(o, "\"", 1);
	for (i = 0; i < len; i += n) {
		cp = decode_utf8((const unsigned char *)s + i, len - i, &n);
		if (cp == 0)
			fuzz_fail("a string is not valid UTF-8 at byte %zu", i);
		if (cp >= 0x10000)
			snprintf(esc, sizeof esc, "\\u%04lx\\u%04lx",
			    0xd800 + ((cp - 0x10000) >> 10),
			    0xdc00 + ((cp - 0x10000) & 0x3ff));
		else
			snprintf(esc, sizeof esc, "\\u%04lx", cp);
		put(o, esc, strlen(esc));
	}
	put(o, "\"", 1);
}

/* Writes v as JSON, checking it on the way. */
static void
put_value(struct out *o, const struct json_value *v, int depth)
{
	const struct json_value *m, *k;
	char num[40];

	if (depth > JSON_MAX_DEPTH)
		fuzz_fail("nested %d deep, more than %d", depth,
		    JSON_MAX_DEPTH);
	switch (v->type) {
	case JSON_NULL:
		put(o, "null", 4);
		break;
	case JSON_FALSE:
		put(o, "false", 5);
		break;
	case JSON_TRUE:
		put(o, "true", 4);
		break;
	case JSON_INTEGER:
		if (v->number != (double)v->integer)
			fuzz_fail("integer %lld has number %g", v->integer,
			    v->number);
		snprintf(num, sizeof num, "%lld", v->integer);
		put(o, num, strlen(num));
		break;
	case JSON_REAL:
		/* Enough digits to read back the same double, and always a
		 * real: an exponent, so that 5.0 does not come back 5. */
		snprintf(num, sizeof num, "%.17e", v->number);
		put(o, num, strlen(num));
		break;
	case JSON_STRING:
		put_string(o, v->str, v->len);
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		put(o, v->type == JSON_ARRAY ? "[" : "{", 1);
		for (m = v->first; m != NULL; m = m->next) {
			if ((m->key != NULL) != (v->type == JSON_OBJECT))
				fuzz_fail("a key where none belongs, or none "
				    "where one does");
			if (m != v->first)
				put(o, ",", 1);
			if (v->type == JSON_OBJECT) {
				if (json_member(v, m->key) != m)
					fuzz_fail("json_member does not find "
					    "key '%s', or finds it twice",
					    m->key);
				for (k = v->first; k != m; k = k->next)
					if (k->keylen == m->keylen &&
					    memcmp(k->key, m->key,
					    m->keylen) == 0)
						fuzz_fail("key '%s' twice",
						    m->key);
				put_string(o, m->key, m->keylen);
				put(o, ":", 1);
			}
			put_value(o, m, depth + 1);
		}
		put(o, v->type == JSON_ARRAY ? "]" : "}", 1);
		break;
	default:
		fuzz_fail("a value of type %d", (int)v->type);
	}
}

/* a and b are the same tree. */
static void
same(const struct json_value *a, const struct json_value *b)
{
	if (a->type != b->type)
		fuzz_fail("type %d read back as %d", (int)a->type,
		    (int)b->type);
	if ((a->type == JSON_INTEGER && a->integer != b->integer) ||
	    (a->type == JSON_REAL && a->number != b->number))
		fuzz_fail("number %.17g read back as %.17g", a->number,
		    b->number);
	if (a->type == JSON_STRING && (a->len != b->len ||
	    memcmp(a->str, b->str, a->len) != 0))
		fuzz_fail("string '%s' read back as '%s'", a->str, b->str);
	if ((a->key == NULL) != (b->key == NULL) || (a->key != NULL &&
	    (a->keylen != b->keylen || memcmp(a->key, b->key, a->keylen) != 0)))
		fuzz_fail("a key read back otherwise");
	for (a = a->first, b = b->first; a != NULL && b != NULL;
	    a = a->next, b = b->next)
		same(a, b);
	if (a != NULL || b != NULL)
		fuzz_fail("a container read back with another length");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_doc doc, again;
	struct json_error err, err2;
	struct out o = { NULL, 0, 0, 1 };
	int rc;

	rc = json_parse(&doc, (const char *)data, size, &err);
	if (rc == JSON_EINVAL) {
		fuzz_expect_message("json_parse", err.text);
		if (err.line < 1 || err.column > size)
			fuzz_fail("error at line %lu column %lu of %zu bytes",
			    err.line, err.column, size);
	} else if (rc == 0) {
		if (doc.value[0].type != JSON_OBJECT &&
		    doc.value[0].type != JSON_ARRAY)
			fuzz_fail("top-level value of type %d",
			    (int)doc.value[0].type);
		put_value(&o, &doc.value[0], 1);
		if (o.ok) {
			rc = json_parse(&again, o.buf, o.len, &err2);
			if (rc == JSON_EINVAL)
				fuzz_fail("written out, it is refused: %s "
				    "(column %lu): %.*s", err2.text,
				    err2.column, (int)o.len, o.buf);
			if (rc == 0)
				same(&doc.value[0], &again.value[0]);
			json_free(&again);
		}
		free(o.buf);
	} else if (rc != JSON_ENOMEM) {
		fuzz_fail("json_parse returned %d", rc);
	}
	json_free(&doc);
	return 0;
}
