/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "json.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nls.h"

/* What get() returns besides a character. */
#define CH_EOF (-1)
#define CH_ERROR (-2)

/* Tokens besides the punctuation, which is its own character. */
#define TOK_EOF 0
#define TOK_INVALID (-1)
#define TOK_STRING 256
#define TOK_INTEGER 257
#define TOK_REAL 258
#define TOK_TRUE 259
#define TOK_FALSE 260
#define TOK_NULL 261

#define NONE ((size_t)-1)

/* Longer than this, the text of a token is left out of a message. */
#define CONTEXT_MAX 20

struct parser {
	const char *buf;
	size_t len;
	size_t pos;		/* the next byte to read */
	size_t prev;		/* pos before the last get(), for unget() */
	size_t start;		/* the current token's text: buf[start..pos) */
	int broken;		/* invalid UTF-8 read: nothing more is read */
	int nomem;
	int token;
	const char *str;	/* TOK_STRING: decoded, in doc->text */
	size_t slen;
	int has_nul;		/* TOK_STRING: it holds \u0000 */
	long long integer;	/* TOK_INTEGER */
	double real;		/* TOK_INTEGER and TOK_REAL */
	char *out;		/* where the next decoded string goes */
	int depth;
	struct json_doc *doc;
	struct json_error *err;
};

static void fail(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Sets the error, unless one is set already: the first error is the cause
 * and what follows from it is not news.  The message ends with the text
 * of the token being read, when it is short enough to help; a UTF-8 error
 * has none, since that text would not be valid UTF-8 itself.
 */
static void
fail(struct parser *p, const char *fmt, ...)
{
	struct json_error *e = p->err;
	char msg[96];
	size_t i, n = p->pos - p->start;
	va_list ap;

	if (e->text[0] != '\0')
		return;
	va_start(ap, fmt);
	/* The analyzer loses track of ap across va_start here. */
	(void)vsnprintf(msg, sizeof msg, fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized) */
	va_end(ap);
	if (n == 0 && !p->broken)
		/* TRANSLATORS: the JSON parser's message, then where: the
		 * text of the token being read. */
		snprintf(e->text, sizeof e->text, _("%s near end of file"),
		    msg);
	else if (n > 0 && n <= CONTEXT_MAX)
		snprintf(e->text, sizeof e->text, _("%s near '%.*s'"), msg,
		    (int)n, p->buf + p->start);
	else
		snprintf(e->text, sizeof e->text, "%s", msg);
	/* The column counts characters, not bytes: UTF-8 continuation
	 * bytes are not counted. */
	e->line = 1;
	e->column = 0;
	for (i = 0; i < p->pos; i++) {
		unsigned char c = (unsigned char)p->buf[i];

		if (c == '\n') {
			e->line++;
			e->column = 0;
		} else if ((c & 0xc0) != 0x80) {
			e->column++;
		}
	}
}

/* --- characters */

/* The length of the UTF-8 sequence that starts with byte c, or 0 if no
 * sequence starts so. */
static size_t
utf8_length(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return 0;	/* a continuation byte, or overlong */
	if (c < 0xe0)
		return 2;
	if (c < 0xf0)
		return 3;
	if (c < 0xf5)
		return 4;
	return 0;
}

/* The n bytes at s are one UTF-8 sequence: shortest form, no surrogate,
 * at most U+10FFFF. */
static int
utf8_valid(const unsigned char *s, size_t n)
{
	unsigned long cp;
	size_t i;

	cp = s[0] & (0xff >> (n + 1));
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
		return 0;
	return cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
}

/* Reads one character: its first byte, CH_EOF or CH_ERROR (invalid
 * UTF-8, said in the error). */
static int
get(struct parser *p)
{
	unsigned char c;
	size_t n;

	p->prev = p->pos;
	if (p->broken)
		return CH_ERROR;
	if (p->pos >= p->len)
		return CH_EOF;
	c = (unsigned char)p->buf[p->pos];
	n = utf8_length(c);
	if (n == 0 || n > p->len - p->pos ||
	    !utf8_valid((const unsigned char *)p->buf + p->pos, n)) {
		p->broken = 1;
		fail(p, _("unable to decode byte 0x%x"), c);
		return CH_ERROR;
	}
	p->pos += n;
	return c;
}

/* Gives back the character just read. */
static void
unget(struct parser *p)
{
	p->pos = p->prev;
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* --- tokens */

/* The four hex digits at s, which the scan has checked. */
static unsigned long
hex4(const char *s)
{
	unsigned long v = 0;
	int i;

	for (i = 0; i < 4; i++)
		v = v << 4 | (unsigned long)hex_value((unsigned char)s[i]);
	return v;
}

static char *
put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/*
 * Decodes the string whose raw text (quotes and all) the scan has checked
 * into p->out.  A decoded string is never longer than its raw text, which
 * has two quotes more, so p->text has room for it and its NUL.
 */
static void
decode_string(struct parser *p)
{
	const char *s = p->buf + p->start + 1, *end = p->buf + p->pos - 1;
	char *o = p->out;
	unsigned long cp, lo;

	p->has_nul = 0;
	while (s < end) {
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		switch (s[1]) {
		case 'b': *o++ = '\b'; s += 2; continue;
		case 'f': *o++ = '\f'; s += 2; continue;
		case 'n': *o++ = '\n'; s += 2; continue;
		case 'r': *o++ = '\r'; s += 2; continue;
		case 't': *o++ = '\t'; s += 2; continue;
		case 'u': break;
		default: *o++ = s[1]; s += 2; continue;
		}
		cp = hex4(s + 2);
		s += 6;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			/* A high surrogate: only with a low one after it. */
			if (s >= end || s[0] != '\\' || s[1] != 'u') {
				fail(p, _("invalid Unicode '\\u%04lX'"), cp);
				return;
			}
			lo = hex4(s + 2);
			s += 6;
			if (lo < 0xdc00 || lo > 0xdfff) {
				fail(p, _("invalid Unicode '\\u%04lX\\u%04lX'"),
				    cp, lo);
				return;
			}
			cp = 0x10000 + ((cp - 0xd800) << 10 | (lo - 0xdc00));
		} else if (cp >= 0xdc00 && cp <= 0xdfff) {
			fail(p, _("invalid Unicode '\\u%04lX'"), cp);
			return;
		}
		if (cp == 0)
			p->has_nul = 1;
		o = put_utf8(o, cp);
	}
	*o = '\0';
	p->str = p->out;
	p->slen = (size_t)(o - p->out);
	p->out = o + 1;
	p->token = TOK_STRING;
}

/* After the opening quote: checks the string to its closing quote, then
 * decodes it. */
static void
scan_string(struct parser *p)
{
	int c, i;

	p->token = TOK_INVALID;
	for (;;) {
		c = get(p);
		if (c == '"')
			break;
		if (c == CH_ERROR)
			return;
		if (c == CH_EOF) {
			fail(p, "%s", _("premature end of input"));
			return;
		}
		if (c < 0x20) {
			unget(p);
			if (c == '\n')
				fail(p, "%s", _("unexpected newline"));
			else
				fail(p, _("control character 0x%x"), c);
			return;
		}
		if (c != '\\')
			continue;
		c = get(p);
		if (c == 'u') {
			for (i = 0; i < 4; i++)
				if (hex_value(get(p)) < 0) {
					fail(p, "%s", _("invalid escape"));
					return;
				}
		} else if (c < 0 || strchr("\"\\/bfnrt", c) == NULL ||
		    c == '\0') {
			fail(p, "%s", _("invalid escape"));
			return;
		}
	}
	decode_string(p);
}

/* The whole number in buf[start..pos), if it fits a long long. */
static void
convert_integer(struct parser *p)
{
	const char *s = p->buf + p->start, *end = p->buf + p->pos;
	int neg = *s == '-';
	unsigned long long v = 0, limit, d;

	limit = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	for (s += neg; s < end; s++) {
		d = (unsigned long long)(*s - '0');
		if (v > (limit - d) / 10) {
			fail(p, "%s", neg ? _("too big negative integer") :
			    _("too big integer"));
			return;
		}
		v = v * 10 + d;
	}
	if (!neg)
		p->integer = (long long)v;
	else if (v == (unsigned long long)LLONG_MAX + 1)
		p->integer = LLONG_MIN;
	else
		p->integer = -(long long)v;
	p->real = (double)p->integer;
	p->token = TOK_INTEGER;
}

/* The number in buf[start..pos), which the scan has checked is JSON.
 * strtod reads the decimal point of LC_NUMERIC: forktrace's nls_init()
 * (lib/nls.h) takes only LC_CTYPE and LC_MESSAGES from the environment,
 * so LC_NUMERIC stays "C" and the point is '.' in every language (a
 * de_DE.UTF-8 user's ',' would cut "0.5" short). */
static void
convert_real(struct parser *p)
{
	size_t n = p->pos - p->start;
	char small[64], *text = small;
	double v;

	if (n >= sizeof small && (text = malloc(n + 1)) == NULL) {
		p->nomem = 1;
		return;
	}
	memcpy(text, p->buf + p->start, n);
	text[n] = '\0';
	errno = 0;
	v = strtod(text, NULL);
	if (text != small)
		free(text);
	/* Too small is 0 (or nearly), as good as any reader does; too big
	 * has no answer. */
	if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL)) {
		fail(p, "%s", _("real number overflow"));
		return;
	}
	p->real = v;
	p->token = TOK_REAL;
}

/* After c, a digit or '-': -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?
 * A token that stops short is left invalid, its text ending where it
 * went wrong. */
static void
scan_number(struct parser *p, int c)
{
	p->token = TOK_INVALID;
	if (c == '-')
		c = get(p);
	if (c == '0') {
		if (is_digit(c = get(p))) {
			unget(p);
			return;
		}
	} else if (is_digit(c)) {
		do
			c = get(p);
		while (is_digit(c));
	} else {
		unget(p);
		return;
	}
	if (c != '.' && c != 'e' && c != 'E') {
		unget(p);
		convert_integer(p);
		return;
	}
	if (c == '.') {
		if (!is_digit(get(p))) {
			unget(p);
			return;
		}
		do
			c = get(p);
		while (is_digit(c));
	}
	if (c == 'e' || c == 'E') {
		c = get(p);
		if (c == '+' || c == '-')
			c = get(p);
		if (!is_digit(c)) {
			unget(p);
			return;
		}
		do
			c = get(p);
		while (is_digit(c));
	}
	unget(p);
	convert_real(p);
}

/* Reads the next token into p. */
static void
scan(struct parser *p)
{
	int c;

	/* A token's text starts at its first character: an error in the
	 * white space before it has no text to show. */
	do {
		p->start = p->pos;
		c = get(p);
	} while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
	if (c == CH_EOF || c == CH_ERROR) {
		p->token = c == CH_EOF ? TOK_EOF : TOK_INVALID;
		return;
	}
	if (c == '{' || c == '}' || c == '[' || c == ']' || c == ':' ||
	    c == ',') {
		p->token = c;
	} else if (c == '"') {
		scan_string(p);
	} else if (c == '-' || is_digit(c)) {
		scan_number(p, c);
	} else if (is_alpha(c)) {
		/* The whole word, so that the message shows it. */
		do
			c = get(p);
		while (is_alpha(c));
		unget(p);
		p->token = TOK_INVALID;
		if (p->pos - p->start == 4 &&
		    memcmp(p->buf + p->start, "true", 4) == 0)
			p->token = TOK_TRUE;
		else if (p->pos - p->start == 5 &&
		    memcmp(p->buf + p->start, "false", 5) == 0)
			p->token = TOK_FALSE;
		else if (p->pos - p->start == 4 &&
		    memcmp(p->buf + p->start, "null", 4) == 0)
			p->token = TOK_NULL;
	} else {
		p->token = TOK_INVALID;
	}
}

/* --- values */

/* A new value of type t: its index, or NONE out of memory. */
static size_t
add_value(struct parser *p, enum json_type t)
{
	struct json_doc *d = p->doc;
	struct json_value *v;

	if (d->nvalue == d->cap) {
		size_t ncap = d->cap != 0 ? d->cap * 2 : 16;

		if (ncap > (size_t)-1 / 2 / sizeof *v ||
		    (v = realloc(d->value, ncap * sizeof *v)) == NULL) {
			p->nomem = 1;
			return NONE;
		}
		d->value = v;
		d->cap = ncap;
	}
	v = &d->value[d->nvalue];
	memset(v, 0, sizeof *v);
	v->type = t;
	v->inext = v->ifirst = NONE;
	return d->nvalue++;
}

static size_t
key_hash(size_t object, const char *key, size_t len)
{
	size_t h = 2166136261u ^ object * 16777619u, i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	return h;
}

/*
 * The slot of key in object's members in the key set: a slot holding
 * that member, or the empty slot where it goes.  The set holds member
 * indices (never 0, the top-level value) and is at most half full, as
 * there are at most len / 4 + 1 members ("":0, is five bytes).
 */
static size_t *
key_slot(const struct json_doc *d, size_t object, const char *key,
    size_t len)
{
	size_t i = key_hash(object, key, len) & (d->nkeys - 1);

	for (;; i = (i + 1) & (d->nkeys - 1)) {
		size_t m = d->keys[2 * i + 1];

		if (m == 0 || (d->keys[2 * i] == object &&
		    d->value[m].keylen == len &&
		    memcmp(d->value[m].key, key, len) == 0))
			return &d->keys[2 * i];
	}
}

static int parse_value(struct parser *p, size_t *index);

static int
parse_object(struct parser *p, size_t object)
{
	struct json_doc *d = p->doc;
	size_t member, last = NONE, *slot;
	const char *key;
	size_t keylen;

	scan(p);
	if (p->token == '}')
		return 0;
	for (;;) {
		if (p->token != TOK_STRING) {
			fail(p, "%s", _("string or '}' expected"));
			return -1;
		}
		if (p->has_nul) {
			fail(p, "%s", _("NUL byte in object key not "
			    "supported"));
			return -1;
		}
		key = p->str;
		keylen = p->slen;
		slot = key_slot(d, object, key, keylen);
		if (slot[1] != 0) {
			fail(p, "%s", _("duplicate object key"));
			return -1;
		}
		scan(p);
		if (p->token != ':') {
			fail(p, "%s", _("':' expected"));
			return -1;
		}
		scan(p);
		if (parse_value(p, &member) < 0)
			return -1;
		d->value[member].key = key;
		d->value[member].keylen = keylen;
		/* The members of a nested object may have taken the slot
		 * found above. */
		slot = key_slot(d, object, key, keylen);
		slot[0] = object;
		slot[1] = member;
		if (last == NONE)
			d->value[object].ifirst = member;
		else
			d->value[last].inext = member;
		last = member;
		scan(p);
		if (p->token != ',')
			break;
		scan(p);
	}
	if (p->token != '}') {
		fail(p, "%s", _("'}' expected"));
		return -1;
	}
	return 0;
}

static int
parse_array(struct parser *p, size_t array)
{
	struct json_doc *d = p->doc;
	size_t elem, last = NONE;

	scan(p);
	if (p->token == ']')
		return 0;
	while (p->token != TOK_EOF) {
		if (parse_value(p, &elem) < 0)
			return -1;
		if (last == NONE)
			d->value[array].ifirst = elem;
		else
			d->value[last].inext = elem;
		last = elem;
		scan(p);
		if (p->token != ',')
			break;
		scan(p);
	}
	if (p->token != ']') {
		fail(p, "%s", _("']' expected"));
		return -1;
	}
	return 0;
}

/* The value that starts with the current token: its index in *index. */
static int
parse_value(struct parser *p, size_t *index)
{
	static const struct {
		int token;
		enum json_type type;
	} scalars[] = {
		{ TOK_STRING, JSON_STRING }, { TOK_INTEGER, JSON_INTEGER },
		{ TOK_REAL, JSON_REAL }, { TOK_TRUE, JSON_TRUE },
		{ TOK_FALSE, JSON_FALSE }, { TOK_NULL, JSON_NULL },
		{ '{', JSON_OBJECT }, { '[', JSON_ARRAY },
	};
	struct json_value *v;
	size_t i, n = sizeof scalars / sizeof scalars[0];
	int rc = 0;

	if (++p->depth > JSON_MAX_DEPTH) {
		fail(p, "%s", _("maximum parsing depth reached"));
		return -1;
	}
	for (i = 0; i < n && scalars[i].token != p->token; i++)
		continue;
	if (i == n) {
		fail(p, "%s", p->token == TOK_INVALID ? _("invalid token") :
		    _("unexpected token"));
		return -1;
	}
	if (p->token == TOK_STRING && p->has_nul) {
		fail(p, "%s", _("\\u0000 is not allowed"));
		return -1;
	}
	if ((*index = add_value(p, scalars[i].type)) == NONE)
		return -1;
	v = &p->doc->value[*index];
	if (v->type == JSON_STRING) {
		v->str = p->str;
		v->len = p->slen;
	} else if (v->type == JSON_INTEGER || v->type == JSON_REAL) {
		v->integer = v->type == JSON_INTEGER ? p->integer : 0;
		v->number = p->real;
	}
	if (p->token == '{')
		rc = parse_object(p, *index);
	else if (p->token == '[')
		rc = parse_array(p, *index);
	p->depth--;
	return rc;
}

/* --- the document */

int
json_parse(struct json_doc *doc, const char *buf, size_t len,
    struct json_error *err)
{
	struct parser p;
	size_t i, root;

	memset(doc, 0, sizeof *doc);
	memset(err, 0, sizeof *err);
	memset(&p, 0, sizeof p);
	p.buf = buf;
	p.len = len;
	p.doc = doc;
	p.err = err;
	for (doc->nkeys = 16; doc->nkeys / 2 < len / 4 + 1;)
		doc->nkeys *= 2;
	if (len == (size_t)-1 || (doc->text = malloc(len + 1)) == NULL ||
	    (doc->keys = calloc(doc->nkeys, 2 * sizeof *doc->keys)) == NULL)
		return JSON_ENOMEM;
	p.out = doc->text;

	scan(&p);
	if (p.token != '{' && p.token != '[') {
		fail(&p, "%s", _("'[' or '{' expected"));
	} else if (parse_value(&p, &root) == 0) {
		scan(&p);
		if (p.token != TOK_EOF)
			fail(&p, "%s", _("end of file expected"));
	}
	if (p.nomem)
		return JSON_ENOMEM;
	if (err->text[0] != '\0')
		return JSON_EINVAL;
	for (i = 0; i < doc->nvalue; i++) {
		struct json_value *v = &doc->value[i];

		v->first = v->ifirst != NONE ? &doc->value[v->ifirst] : NULL;
		v->next = v->inext != NONE ? &doc->value[v->inext] : NULL;
	}
	return 0;
}

void
json_free(struct json_doc *doc)
{
	free(doc->value);
	free(doc->text);
	free(doc->keys);
	memset(doc, 0, sizeof *doc);
}

const struct json_value *
json_member(const struct json_value *o, const char *key)
{
	const struct json_value *m;
	size_t n = strlen(key);

	for (m = o->first; m != NULL; m = m->next)
		if (m->keylen == n && memcmp(m->key, key, n) == 0)
			return m;
	return NULL;
}
