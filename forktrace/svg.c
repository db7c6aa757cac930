/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * svg: the sequence diagram.  One lane per server process (the parent,
 * then each child or worker as it appears), the wire, and the client's
 * lane at the side.  Time runs down: every event gets a row of its own,
 * in file order, and the space between two rows grows with the time
 * between them (px_per_second), except that a quiet stretch longer than
 * max_gap is cut out and marked with its length.
 *
 * What a learner should see at a glance: a thick band on a lane while
 * the process holds a descriptor of the connection; a FIN or RST arrow
 * from the event that sent it to the client (solid blue FIN, dashed red
 * RST, each labelled, so that they differ in greyscale too); and a
 * "nothing sent" badge beside the refs of a close or shutdown that put
 * nothing on the wire.
 *
 * Elements carry classes and data- attributes for tools and tests:
 * g.lane[data-pid][data-role][data-number] per process, with its
 * line.lifeline; g.event (with its .mark), g.fin, g.rst, g.nothing-sent
 * and g.wire-unknown, each with data-line (the JSON line), data-pid and
 * data-conn; g.gap[data-seconds] for a cut; with a capture (--wire),
 * g.seg per TCP segment, with data-record (in the capture), data-conn,
 * data-dir (to-server, to-client), data-flags (tcpdump's letters: S, F,
 * R, P and . for ACK), data-len, data-t (on the trace's clock) and
 * data-y (its row).
 */
#include "render.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nls.h"
#include "pcap.h"
#include "textrow.h"
#include "traceview.h"

/* Geometry, in pixels. */
#define TIME_W 84.0		/* the time column at the left */
#define HEAD_TOP 70.0		/* lane headers */
#define HEAD_H 38.0
#define FIRST_ROW 150.0
#define ROW_H 40.0		/* a row, before any time passes */
#define CUT_H 30.0		/* a cut quiet stretch */
#define CUT_PAD 30.0		/* between it and the rows */
#define SEG_H 22.0		/* a captured segment's row, before any time
				 * passes: a thin arrow and a short label */
#define LIFE_DX 20.0		/* lifeline from the column's left edge */
#define SLOT_DX 11.0		/* between side-by-side holding bands */
#define BAND_W 9.0
#define MAX_SLOTS 8		/* holding bands side by side, at most */
#define LABEL_DX 14.0		/* label from the lifeline */
#define COL_MIN 190.0
#define WIRE_W 170.0		/* between the last lane and the client */
#define CLIENT_W 150.0
#define LEGEND_W 900.0		/* the legend's two rows need this */
#define LEGEND_H 104.0
#define SEG_LEGEND_H 26.0	/* the legend's row for captured segments */
#define CHAR_W 7.3		/* DejaVu Sans Mono 12 px: 0.602 em */
#define CHAR_W_SMALL 6.7	/* ... 11 px */
#define BADGE_PAD 10.0
#define WHY_MAX 1280		/* the state, a dash and the server's why,
				 * translated (TRACEVIEW_WHY_MAX) */

/* Each list names a font with Chinese characters before the generic
 * family, for the labels in Chinese: WenQuanYi Micro Hei (Debian's
 * fonts-wqy-microhei), PingFang SC (macOS), Microsoft YaHei
 * (Windows). */
#define FONT_MONO "DejaVu Sans Mono, Menlo, Consolas, " \
	"WenQuanYi Micro Hei Mono, PingFang SC, Microsoft YaHei, monospace"
#define FONT_SANS "DejaVu Sans, Verdana, Arial, WenQuanYi Micro Hei, " \
	"PingFang SC, Microsoft YaHei, sans-serif"

#define COLOR_FIN "#1559c0"
#define COLOR_RST "#c4261d"
#define COLOR_HOLD "#f0a030"
#define COLOR_LISTEN "#6aa8a0"
#define COLOR_INK "#222222"
#define COLOR_GREY "#777777"
#define COLOR_FAINT "#b0b0b0"

struct cut {
	double y0, y1;		/* the band */
	double seconds;		/* the time it stands for */
};

struct layout {
	double *y;		/* per event: its row */
	double *seg_y;		/* per captured segment: its row */
	double *life_x;		/* per lane: its lifeline */
	double *col_w;		/* per lane: its column's width */
	int *slots;		/* per lane: holding bands side by side */
	int *hold_slot;		/* per hold: its place, -1: listening */
	struct cut *cut;
	size_t ncut;
	double wire_x;		/* where the lanes end */
	double client_x;	/* the client's lifeline */
	double bottom;		/* below the last row */
	double width, height;
};

/* --- writing */

/* Writes s as XML character data or attribute text: markup escaped, and
 * what XML 1.0 cannot hold (control characters, bytes that are not
 * UTF-8, U+FFFE and U+FFFF) as '?'. */
static void
put_text(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		size_t n = 0, i;

		if (*p < 0x80)
			n = 1;
		else if ((*p & 0xE0) == 0xC0 && *p >= 0xC2)
			n = 2;
		else if ((*p & 0xF0) == 0xE0)
			n = 3;
		else if ((*p & 0xF8) == 0xF0 && *p <= 0xF4)
			n = 4;
		for (i = 1; i < n; i++)
			if ((p[i] & 0xC0) != 0x80)
				n = 0;
		/* Overlong three-byte forms, surrogates, U+FFFE/F. */
		if (n == 3 && ((p[0] == 0xE0 && p[1] < 0xA0) ||
		    (p[0] == 0xED && p[1] >= 0xA0) ||
		    (p[0] == 0xEF && p[1] == 0xBF && p[2] >= 0xBE)))
			n = 0;
		if (n == 4 && ((p[0] == 0xF0 && p[1] < 0x90) ||
		    (p[0] == 0xF4 && p[1] >= 0x90)))
			n = 0;
		if (n == 0 || (n == 1 && *p < 0x20 && *p != '\t')) {
			(void)fputc('?', out);
			p++;
			continue;
		}
		if (n > 1) {
			(void)fwrite(p, 1, n, out);
			p += n;
			continue;
		}
		switch (*p) {
		case '&': (void)fputs("&amp;", out); break;
		case '<': (void)fputs("&lt;", out); break;
		case '>': (void)fputs("&gt;", out); break;
		case '"': (void)fputs("&quot;", out); break;
		case '\'': (void)fputs("&apos;", out); break;
		default: (void)fputc(*p, out); break;
		}
		p++;
	}
}

/* Display width of UTF-8 text, in columns of a monospaced font: a
 * Chinese character takes two (textrow_columns). */
static size_t
chars(const char *s)
{
	return textrow_columns(s, strlen(s));
}

/* <text> at x, y with the given attributes, holding s escaped.  A white
 * halo keeps it legible where it crosses a lifeline or an arrow. */
static void
text_at(FILE *out, double x, double y, const char *attrs, const char *s)
{
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" %s stroke=\"#ffffff\" "
	    "stroke-width=\"3\" stroke-linejoin=\"round\" "
	    "paint-order=\"stroke\">", x, y, attrs);
	put_text(out, s);
	(void)fputs("</text>\n", out);
}

/* --- the words on the diagram */

/* A close or shutdown that put nothing on the wire. */
static int
sent_nothing(const struct model_event *e)
{
	return (e->kind == EV_CLOSE || e->kind == EV_SHUTDOWN) &&
	    e->wire == WIRE_NONE;
}

/* The label's first line: the call and its descriptor.  The refs follow
 * it in bold (refs_text). */
static void
call_text(const struct model *m, const struct model_event *e, char *buf,
    size_t len)
{
	char conn[24] = "";

	/* The connection's number only matters where there are several. */
	if (e->conn != 0 && m->nconn > 1)
		snprintf(conn, sizeof conn, "#%lu ", e->conn);
	switch (e->kind) {
	case EV_LISTEN:
		snprintf(buf, len, "listen fd %d%s%s", e->fd,
		    e->addr[0] != '\0' ? " " : "", e->addr);
		break;
	case EV_SPAWN:
		/* TRANSLATORS: the diagram's labels of events: spawn, pass,
		 * reap and the like are the trace's names of the events,
		 * kept as they are; the words around them are yours. */
		snprintf(buf, len, _("spawn worker %lu"), e->worker);
		break;
	case EV_PASS:
		/* TRANSLATORS: "#1 " or nothing, the fd, the worker. */
		snprintf(buf, len, _("%spass fd %d to worker %lu"), conn,
		    e->fd, e->worker);
		break;
	case EV_FORK:
		snprintf(buf, len, "%sfork fd %d", conn, e->fd);
		break;
	case EV_SHUTDOWN:
		snprintf(buf, len, "%sshutdown(%s) fd %d", conn, e->how,
		    e->fd);
		break;
	case EV_ERROR:
		/* TRANSLATORS: "#1 " or nothing, the call, its errno's
		 * name ("EPIPE"). */
		snprintf(buf, len, _("%s%s fails: %s"), conn, e->call, e->err);
		break;
	case EV_EXIT:
		snprintf(buf, len, "exit %d", e->status);
		break;
	case EV_REAP:
		if (e->worker != 0)
			snprintf(buf, len, _("reap worker %lu"), e->worker);
		else if (e->role != ROLE_PARENT)
			snprintf(buf, len, _("reap helper %lu"), e->conn);
		else
			snprintf(buf, len, _("reap child %lu"), e->conn);
		break;
	case EV_STOP:
		snprintf(buf, len, "stop");
		break;
	default:	/* accept, eof, close */
		if (e->fd >= 0)
			snprintf(buf, len, "%s%s fd %d", conn,
			    model_kind_name(e->kind), e->fd);
		else
			snprintf(buf, len, "%s%s", conn,
			    model_kind_name(e->kind));
		break;
	}
}

static void
refs_text(const struct model_event *e, char *buf, size_t len)
{
	if (!e->measured || (e->kind == EV_EXIT && e->refs == e->refs_before))
		buf[0] = '\0';
	else if (e->refs_before >= 0 && e->refs >= 0)
		snprintf(buf, len, "refs %d\xe2\x86\x92%d", e->refs_before,
		    e->refs);
	else
		snprintf(buf, len, "refs ?");
}

/* The second line: the TCP state after, and the server's why in the
 * user's language (an old trace without one shows the state alone). */
static void
why_text(const struct model_event *e, char *buf, size_t len)
{
	const char *sep = e->state[0] != '\0' && e->why[0] != '\0' ?
	    " \xe2\x80\x94 " : "";
	char why[TRACEVIEW_WHY_MAX];

	snprintf(buf, len, "%s%s%s", e->state, sep, e->why[0] != '\0' ?
	    traceview_why(e->why, e->kind == EV_ERROR ? e->err : NULL, why,
	    sizeof why) : "");
}

/* The badge beside the refs: "nothing sent", or "wire unknown" where
 * the server could not tell; NULL: none. */
static const char *
badge_text(const struct model_event *e)
{
	if (sent_nothing(e))
		/* TRANSLATORS: the badge of a close or shutdown that sent
		 * nothing (and the legend's). */
		return _("nothing sent");
	if (e->measured && e->wire == WIRE_UNKNOWN &&
	    (e->kind == EV_CLOSE || e->kind == EV_SHUTDOWN))
		return _("wire unknown");
	return NULL;
}

static double
badge_width(const char *badge)
{
	return (double)chars(badge) * CHAR_W_SMALL + 2 * BADGE_PAD;
}

/* Width of the first line: the call, the refs, and the badge. */
static double
label_width(const struct model *m, const struct model_event *e)
{
	char call[160], refs[32];
	const char *badge = badge_text(e);
	double w;

	call_text(m, e, call, sizeof call);
	refs_text(e, refs, sizeof refs);
	w = (double)(chars(call) + (refs[0] != '\0' ? 2 + chars(refs) : 0)) *
	    CHAR_W;
	return badge != NULL ? w + 10 + badge_width(badge) : w;
}

/* Width of the label, both lines: the server's why can be the longer. */
static double
text_width(const struct model *m, const struct model_event *e)
{
	char why[WHY_MAX];
	double w = label_width(m, e), ww;

	why_text(e, why, sizeof why);
	ww = (double)chars(why) * CHAR_W_SMALL;
	return ww > w ? ww : w;
}

/* --- layout */

/* Side-by-side places for the holding bands of each lane: the lowest
 * one free when the band starts, at most MAX_SLOTS (beyond, bands share
 * the last place).  Holds are in the order they start, so a place is
 * free once the last band put there has ended. */
static int
place_bands(const struct model *m, struct layout *L)
{
	size_t (*ends)[MAX_SLOTS], h;
	int s;

	/* 0: never used; MODEL_NONE: held to the end; else end + 1. */
	ends = calloc(m->nlane, sizeof *ends);
	if (ends == NULL)
		return -1;
	for (h = 0; h < m->nhold; h++) {
		const struct model_hold *a = &m->hold[h];
		size_t *end = ends[a->lane];

		if (a->conn == 0) {
			L->hold_slot[h] = -1;
			continue;
		}
		for (s = 0; s < MAX_SLOTS - 1; s++)
			if (end[s] == 0 ||
			    (end[s] != MODEL_NONE && end[s] - 1 <= a->from))
				break;
		end[s] = a->to == MODEL_NONE ? MODEL_NONE : a->to + 1;
		L->hold_slot[h] = s;
		if (s + 1 > L->slots[a->lane])
			L->slots[a->lane] = s + 1;
	}
	free(ends);
	return 0;
}

/* Where on its lane event i's mark sits: on the band of its
 * connection, if the process holds it then. */
static double
mark_x(const struct model *m, const struct layout *L, size_t i)
{
	const struct model_event *e = &m->ev[i];
	size_t h = e->hold;

	return L->life_x[e->lane] + (h != MODEL_NONE && L->hold_slot[h] > 0 ?
	    L->hold_slot[h] * SLOT_DX : 0);
}

/* Where the lifeline of lane l starts and ends. */
static double
life_top(const struct model *m, const struct layout *L, size_t l)
{
	const struct model_lane *ln = &m->lane[l];

	/* Made by an event of another process (fork, spawn, pass): from
	 * that row; the parent, or a process first seen in its own
	 * event: from the header. */
	if (ln->role != ROLE_PARENT && m->ev[ln->born].lane != l)
		return L->y[ln->born];
	return HEAD_TOP + HEAD_H;
}

static double
life_end(const struct model *m, const struct layout *L, size_t l)
{
	const struct model_lane *ln = &m->lane[l];

	if (ln->exited != MODEL_NONE)
		return L->y[ln->exited];
	if (ln->reaped != MODEL_NONE)
		return L->y[ln->reaped];
	if (ln->stopped != MODEL_NONE)
		return L->y[ln->stopped];
	return L->bottom;
}

static int
layout_make(const struct model *m, const struct svg_options *o,
    struct layout *L)
{
	double x, y, w, t = 0, prev_t = 0;
	size_t i, j, l;
	int prev_seg = 0;

	memset(L, 0, sizeof *L);
	L->y = calloc(m->nev, sizeof *L->y);
	L->seg_y = calloc(m->nseg + 1, sizeof *L->seg_y);
	L->life_x = calloc(m->nlane, sizeof *L->life_x);
	L->col_w = calloc(m->nlane, sizeof *L->col_w);
	L->slots = calloc(m->nlane, sizeof *L->slots);
	L->hold_slot = calloc(m->nhold + 1, sizeof *L->hold_slot);
	L->cut = calloc(m->nev + m->nseg, sizeof *L->cut);
	if (L->y == NULL || L->seg_y == NULL || L->life_x == NULL ||
	    L->col_w == NULL || L->slots == NULL || L->hold_slot == NULL ||
	    L->cut == NULL || place_bands(m, L) < 0)
		return -1;

	/* Columns: wide enough for the header and every first line. */
	for (l = 0; l < m->nlane; l++) {
		char name[64];

		model_lane_label(&m->lane[l], name, sizeof name);
		L->col_w[l] = COL_MIN;
		w = LIFE_DX + 24 + (double)chars(name) * 9;
		if (w > L->col_w[l])
			L->col_w[l] = w;
	}
	for (i = 0; i < m->nev; i++) {
		const struct model_event *e = &m->ev[i];

		w = LIFE_DX + L->slots[e->lane] * SLOT_DX + LABEL_DX +
		    text_width(m, e) + 26;
		if (w > L->col_w[e->lane])
			L->col_w[e->lane] = w;
	}
	x = TIME_W;
	for (l = 0; l < m->nlane; l++) {
		L->life_x[l] = x + LIFE_DX;
		x += L->col_w[l];
	}
	L->wire_x = x;
	L->client_x = x + WIRE_W;
	L->width = L->client_x + CLIENT_W;
	if (L->width < LEGEND_W)
		L->width = LEGEND_W;

	/* Rows: file order, which the server keeps causal; a clock that
	 * steps back between processes adds no space.  Captured segments
	 * go between the events by their time, in capture order, through
	 * the same spacing and cuts; a segment that an event sent comes
	 * after that event whatever the clocks say. */
	y = FIRST_ROW;
	for (i = j = 0; i < m->nev || j < m->nseg; prev_t = t) {
		int seg = i >= m->nev || (j < m->nseg &&
		    (m->seg[j].after == MODEL_NONE || m->seg[j].after < i) &&
		    m->seg[j].t < m->ev[i].t);
		double dt;

		t = seg ? m->seg[j].t : m->ev[i].t;
		dt = i + j > 0 ? t - prev_t : 0;
		if (dt < 0)
			dt = 0;
		if (i + j > 0 && dt > o->max_gap) {
			/* Below the last row's second line, above the next
			 * row's first. */
			L->cut[L->ncut].y0 = y + CUT_PAD;
			L->cut[L->ncut].y1 = y + CUT_PAD + CUT_H;
			L->cut[L->ncut].seconds = dt;
			L->ncut++;
			y += 2 * CUT_PAD + CUT_H;
		} else if (i + j > 0)
			y += (seg || prev_seg ? SEG_H : ROW_H) +
			    dt * o->px_per_second;
		/* An event's two lines of text need a whole row below the
		 * last event's. */
		if (!seg && i > 0 && y < L->y[i - 1] + ROW_H)
			y = L->y[i - 1] + ROW_H;
		if (seg)
			L->seg_y[j++] = y;
		else
			L->y[i++] = y;
		prev_seg = seg;
	}
	L->bottom = y + ROW_H;
	L->height = L->bottom + LEGEND_H + (m->nseg > 0 ? SEG_LEGEND_H : 0);
	return 0;
}

static void
layout_free(struct layout *L)
{
	free(L->y);
	free(L->seg_y);
	free(L->life_x);
	free(L->col_w);
	free(L->slots);
	free(L->hold_slot);
	free(L->cut);
}

/* --- drawing */

static void
defs(FILE *out)
{
	static const struct {
		const char *id, *color;
	} heads[] = {
		{ "head-fin", COLOR_FIN }, { "head-rst", COLOR_RST },
		{ "head-grey", COLOR_GREY },
	};
	size_t i;

	(void)fputs("<defs>\n", out);
	for (i = 0; i < sizeof heads / sizeof heads[0]; i++)
		fprintf(out, "<marker id=\"%s\" viewBox=\"0 0 10 10\" "
		    "refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
		    "orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" "
		    "fill=\"%s\"/></marker>\n", heads[i].id, heads[i].color);
	(void)fputs("</defs>\n", out);
}

static void
draw_lane(const struct model *m, const struct layout *L, size_t l,
    FILE *out)
{
	const struct model_lane *ln = &m->lane[l];
	double x = L->life_x[l], top = life_top(m, L, l),
	    end = life_end(m, L, l), zend;
	char name[64], pid[32];
	size_t h;

	model_lane_label(ln, name, sizeof name);
	snprintf(pid, sizeof pid, "pid %ld", ln->pid);
	fprintf(out, "<g class=\"lane\" data-pid=\"%ld\" data-role=\"%s\" "
	    "data-number=\"%lu\">\n", ln->pid, ln->role == ROLE_PARENT ?
	    "parent" : ln->role == ROLE_CHILD ? "child" :
	    ln->role == ROLE_HELPER ? "helper" :
	    ln->role == ROLE_THREAD ? "thread" : "worker",
	    ln->number);
	fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
	    "height=\"%.1f\" rx=\"5\" fill=\"#f4f4f4\" stroke=\"#888888\"/>\n",
	    x - 14, HEAD_TOP, L->col_w[l] - 30, HEAD_H);
	text_at(out, x - 4, HEAD_TOP + 16, "font-family=\"" FONT_SANS "\" "
	    "font-size=\"14\" font-weight=\"bold\" fill=\"" COLOR_INK "\"",
	    name);
	text_at(out, x - 4, HEAD_TOP + 31, "font-family=\"" FONT_SANS "\" "
	    "font-size=\"11\" fill=\"" COLOR_GREY "\"", pid);
	/* Not yet born: a faint dotted line down from the header. */
	if (top > HEAD_TOP + HEAD_H)
		fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"#dddddd\" stroke-dasharray=\"2 4\"/>\n",
		    x, HEAD_TOP + HEAD_H, x, top);
	fprintf(out, "<line class=\"lifeline\" x1=\"%.1f\" y1=\"%.1f\" "
	    "x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555555\" "
	    "stroke-width=\"1.5\"/>\n", x, top, x, end);
	/* Exited and not yet reaped: a zombie, dotted. */
	if (ln->exited != MODEL_NONE) {
		zend = ln->reaped != MODEL_NONE && ln->reaped > ln->exited ?
		    L->y[ln->reaped] : ln->reaped == MODEL_NONE ? L->bottom :
		    end;
		if (zend > end) {
			fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			    "y2=\"%.1f\" stroke=\"" COLOR_FAINT "\" "
			    "stroke-width=\"1.5\" stroke-dasharray=\"1 4\"/>\n",
			    x, end, x, zend);
			if (ln->reaped == MODEL_NONE)
				text_at(out, x + 8, zend - 4, "font-family=\""
				    FONT_SANS "\" font-size=\"11\" "
				    "font-style=\"italic\" fill=\"" COLOR_GREY
				    "\"", _("zombie: no reap in the trace"));
		}
	}
	/* What it holds: the listening socket as a thin band on the
	 * lifeline, each connection as a thick one. */
	for (h = 0; h < m->nhold; h++) {
		const struct model_hold *hd = &m->hold[h];
		double y0, y1, bx;

		if (hd->lane != l)
			continue;
		y0 = L->y[hd->from];
		y1 = hd->to != MODEL_NONE ? L->y[hd->to] : end;
		if (y1 < y0)
			y1 = y0;
		if (L->hold_slot[h] < 0) {
			fprintf(out, "<rect class=\"hold-listen\" x=\"%.1f\" "
			    "y=\"%.1f\" width=\"5\" height=\"%.1f\" fill=\""
			    COLOR_LISTEN "\" fill-opacity=\"0.4\"/>\n",
			    x - 2.5, y0, y1 - y0);
			continue;
		}
		bx = x + L->hold_slot[h] * SLOT_DX - BAND_W / 2;
		fprintf(out, "<rect class=\"hold\" data-conn=\"%lu\" "
		    "x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		    "fill=\"" COLOR_HOLD "\" fill-opacity=\"0.75\" "
		    "stroke=\"#b06a00\" stroke-width=\"0.8\"/>\n", hd->conn, bx,
		    y0, BAND_W, y1 - y0);
	}
	(void)fputs("</g>\n", out);
}

static void
draw_client(const struct model *m, const struct layout *L, FILE *out)
{
	double x = L->client_x;
	char sub[96];

	if (m->nconn > 1)
		snprintf(sub, sizeof sub, _("connections #1-#%lu"), m->nconn);
	else
		snprintf(sub, sizeof sub, "%s", _("the other end"));
	(void)fputs("<g class=\"client-lane\">\n", out);
	fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
	    "height=\"%.1f\" rx=\"5\" fill=\"#eef3fb\" stroke=\"#6f8fbf\"/>\n",
	    x - 14, HEAD_TOP, CLIENT_W - 20, HEAD_H);
	text_at(out, x - 4, HEAD_TOP + 16, "font-family=\"" FONT_SANS "\" "
	    "font-size=\"14\" font-weight=\"bold\" fill=\"" COLOR_INK "\"",
	    m->nconn > 1 ? _("clients") : _("client"));
	text_at(out, x - 4, HEAD_TOP + 31, "font-family=\"" FONT_SANS "\" "
	    "font-size=\"11\" fill=\"" COLOR_GREY "\"", sub);
	fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
	    "stroke=\"#6f8fbf\" stroke-width=\"1.5\"/>\n", x,
	    HEAD_TOP + HEAD_H, x, L->bottom);
	/* The wire: the gap between the server's lanes and the client. */
	text_at(out, (L->wire_x + L->client_x) / 2 - 10, HEAD_TOP + 24,
	    "font-family=\"" FONT_SANS "\" font-size=\"12\" "
	    "text-anchor=\"middle\" font-style=\"italic\" fill=\""
	    COLOR_GREY "\"", _("the wire"));
	(void)fputs("</g>\n", out);
}

static void
draw_cuts(const struct layout *L, FILE *out)
{
	size_t c;
	char what[160];

	for (c = 0; c < L->ncut; c++) {
		const struct cut *k = &L->cut[c];

		snprintf(what, sizeof what, _("%.3f s with no events, cut out "
		    "(not to scale)"), k->seconds);
		fprintf(out, "<g class=\"gap\" data-seconds=\"%.6f\">\n",
		    k->seconds);
		fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\" fill=\"#f3f3f3\"/>\n", 6.0, k->y0,
		    L->width - 12, k->y1 - k->y0);
		fprintf(out, "<path d=\"M6,%.1f H%.1f M6,%.1f H%.1f\" "
		    "stroke=\"#999999\" stroke-dasharray=\"6 3\"/>\n", k->y0,
		    L->width - 6, k->y1, L->width - 6);
		text_at(out, TIME_W + 10, (k->y0 + k->y1) / 2 + 4,
		    "font-family=\"" FONT_SANS "\" font-size=\"12\" "
		    "font-style=\"italic\" fill=\"#555555\"", what);
		(void)fputs("</g>\n", out);
	}
}

/* An arrow from (x1, y1) to (x2, y2). */
static void
arrow(FILE *out, double x1, double y1, double x2, double y2,
    const char *attrs, const char *head)
{
	fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
	    "%s marker-end=\"url(#%s)\"/>\n", x1, y1, x2, y2, attrs, head);
}

/* The lines between processes: fork, spawn and pass to the new holder,
 * reap from the child, the connection from the client. */
static void
draw_links(const struct model *m, const struct layout *L, size_t i,
    double end, FILE *out)
{
	const struct model_event *e = &m->ev[i];
	double y = L->y[i], ox;

	if (e->other_lane != MODEL_NONE) {
		ox = L->life_x[e->other_lane];
		if (e->kind == EV_REAP)
			arrow(out, ox, y, end + 4, y, "stroke=\"" COLOR_GREY
			    "\" stroke-width=\"1\" stroke-dasharray=\"2 3\"",
			    "head-grey");
		else
			arrow(out, end, y, ox - 5, y, "stroke=\""
			    COLOR_GREY "\" stroke-width=\"1.2\" "
			    "stroke-dasharray=\"5 3\"", "head-grey");
		if (e->kind == EV_FORK || e->kind == EV_SPAWN ||
		    e->kind == EV_PASS)
			fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
			    "fill=\"#555555\"/>\n", ox, y);
	}
	if (e->kind == EV_ACCEPT) {
		char what[64];

		arrow(out, L->client_x, y, end + 4, y, "stroke=\"#9fb3d1\" "
		    "stroke-width=\"1\"", "head-grey");
		snprintf(what, sizeof what, _("connection #%lu"), e->conn);
		text_at(out, L->client_x - 8, y - 5, "font-family=\"" FONT_SANS
		    "\" font-size=\"10.5\" text-anchor=\"end\" fill=\"#6f8fbf\"",
		    what);
	}
}

/* FIN or RST: an arrow from the event's label to the client, and its
 * name. */
static void
draw_wire(const struct model *m, const struct layout *L, size_t i,
    double end, FILE *out)
{
	const struct model_event *e = &m->ev[i];
	int fin = e->wire == WIRE_FIN;
	double y = L->y[i];
	char what[64];

	fprintf(out, "<g class=\"%s\" data-line=\"%lu\" data-pid=\"%ld\" "
	    "data-conn=\"%lu\">\n", fin ? "fin" : "rst", e->line, e->pid,
	    e->conn);
	if (fin)
		arrow(out, end, y, L->client_x - 2, y, "stroke=\""
		    COLOR_FIN "\" stroke-width=\"3\"", "head-fin");
	else
		arrow(out, end, y, L->client_x - 2, y, "stroke=\""
		    COLOR_RST "\" stroke-width=\"3\" stroke-dasharray=\"9 5\"",
		    "head-rst");
	if (m->nconn > 1 && e->conn != 0)
		/* TRANSLATORS: FIN or RST, then the connection it ends. */
		snprintf(what, sizeof what, _("%s to #%lu"), fin ? "FIN" :
		    "RST", e->conn);
	else
		snprintf(what, sizeof what, "%s", fin ? "FIN" : "RST");
	text_at(out, (L->wire_x + L->client_x) / 2, y - 7,
	    fin ? "font-family=\"" FONT_SANS "\" font-size=\"14\" "
	    "font-weight=\"bold\" text-anchor=\"middle\" fill=\"" COLOR_FIN "\"" :
	    "font-family=\"" FONT_SANS "\" font-size=\"14\" "
	    "font-weight=\"bold\" text-anchor=\"middle\" fill=\"" COLOR_RST "\"",
	    what);
	(void)fputs("</g>\n", out);
}

/* The event's mark on its lane. */
static void
draw_mark(const struct model_event *e, double x, double y, FILE *out)
{
	if (e->kind == EV_EXIT && e->role != ROLE_PARENT) {
		/* The end of a lifeline. */
		fprintf(out, "<path class=\"mark\" d=\"M%.1f,%.1f l10,10 "
		    "m0,-10 l-10,10\" stroke=\"" COLOR_INK "\" "
		    "stroke-width=\"2.2\"/>\n", x - 5, y - 5);
		return;
	}
	if (e->kind == EV_ERROR) {
		fprintf(out, "<path class=\"mark\" d=\"M%.1f,%.1f l6,6 l-6,6 "
		    "l-6,-6 z\" fill=\"" COLOR_RST "\"/>\n", x, y - 6);
		return;
	}
	fprintf(out, "<circle class=\"mark\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\" "
	    "fill=\"%s\" stroke=\"%s\" stroke-width=\"1.6\"/>\n", x, y,
	    e->wire == WIRE_FIN ? COLOR_FIN : e->wire == WIRE_RST ? COLOR_RST :
	    sent_nothing(e) ? "#ffffff" : COLOR_INK,
	    e->wire == WIRE_FIN ? COLOR_FIN : e->wire == WIRE_RST ? COLOR_RST :
	    COLOR_INK);
}

/* The badge, its left edge at x, on the row at y. */
static void
draw_badge(const struct model_event *e, const char *badge, double x,
    double y, FILE *out)
{
	fprintf(out, "<g class=\"%s\" data-line=\"%lu\" data-pid=\"%ld\" "
	    "data-conn=\"%lu\">\n", sent_nothing(e) ? "nothing-sent" :
	    "wire-unknown", e->line, e->pid, e->conn);
	fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
	    "height=\"17\" rx=\"8.5\" fill=\"#ffffff\" stroke=\"#555555\" "
	    "stroke-width=\"1.2\" stroke-dasharray=\"3 2\"/>\n", x, y - 13,
	    badge_width(badge));
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-family=\"" FONT_MONO
	    "\" font-size=\"11\" font-style=\"italic\" fill=\"#333333\">",
	    x + BADGE_PAD, y - 1);
	put_text(out, badge);
	(void)fputs("</text>\n", out);
	(void)fputs("</g>\n", out);
}

static void
draw_event(const struct model *m, const struct layout *L, size_t i,
    FILE *out)
{
	const struct model_event *e = &m->ev[i];
	double y = L->y[i], mx = mark_x(m, L, i), lx, w, end;
	char call[160], refs[32], why[WHY_MAX], t[32];
	const char *badge = badge_text(e);

	call_text(m, e, call, sizeof call);
	refs_text(e, refs, sizeof refs);
	why_text(e, why, sizeof why);
	snprintf(t, sizeof t, "%.3f", e->t);
	/* The call on the row's line, right of the lane's bands; the state
	 * and why just below.  Lines to other lanes start where the label
	 * ends. */
	lx = L->life_x[e->lane] + (L->slots[e->lane] > 1 ?
	    (L->slots[e->lane] - 1) * SLOT_DX : 0) + LABEL_DX;
	w = (double)(chars(call) + (refs[0] != '\0' ? 2 + chars(refs) : 0)) *
	    CHAR_W;
	end = lx + label_width(m, e) + 8;

	fprintf(out, "<g class=\"event\" data-line=\"%lu\" data-pid=\"%ld\" "
	    "data-event=\"%s\" data-conn=\"%lu\">\n", e->line, e->pid,
	    model_kind_name(e->kind), e->conn);
	text_at(out, TIME_W - 14, y + 4, "font-family=\"" FONT_MONO "\" "
	    "font-size=\"11\" text-anchor=\"end\" fill=\"" COLOR_GREY "\"", t);
	/* A faint guide from the time to the mark. */
	fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
	    "stroke=\"#e4e4e4\" stroke-dasharray=\"1 3\"/>\n", TIME_W - 8, y,
	    mx - 8, y);
	draw_links(m, L, i, end, out);
	draw_mark(e, mx, y, out);
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-family=\"" FONT_MONO
	    "\" font-size=\"12\" fill=\"%s\" stroke=\"#ffffff\" "
	    "stroke-width=\"3\" stroke-linejoin=\"round\" "
	    "paint-order=\"stroke\">", lx, y + 4,
	    e->kind == EV_ERROR ? COLOR_RST : COLOR_INK);
	put_text(out, call);
	if (refs[0] != '\0') {
		(void)fputs("  <tspan font-weight=\"bold\">", out);
		put_text(out, refs);
		(void)fputs("</tspan>", out);
	}
	(void)fputs("</text>\n", out);
	if (why[0] != '\0')
		text_at(out, lx, y + 18, "font-family=\"" FONT_MONO "\" "
		    "font-size=\"11\" fill=\"#666666\"", why);
	(void)fputs("</g>\n", out);
	if (badge != NULL)
		draw_badge(e, badge, lx + w + 10, y + 4, out);
	if (e->wire == WIRE_FIN || e->wire == WIRE_RST)
		draw_wire(m, L, i, end, out);
}

/* --- the captured segments (--wire) */

/* Short, as a learner says it: "SYN", "SYN-ACK", "data 6", "FIN",
 * "data 6+FIN", "RST". */
static void
seg_text(const struct model *m, const struct model_seg *g, char *buf,
    size_t len)
{
	unsigned f = g->flags;
	const char *what = (f & PCAP_RST) != 0 ? "RST" :
	    (f & PCAP_SYN) != 0 ? ((f & PCAP_ACK) != 0 ? "SYN-ACK" : "SYN") :
	    (f & PCAP_FIN) != 0 ? "FIN" : "";
	char conn[24] = "";

	if (m->nconn > 1)
		snprintf(conn, sizeof conn, "#%lu ", g->conn);
	if (g->len > 0)
		/* TRANSLATORS: a captured segment: "#1 " or nothing, the
		 * bytes of data it carries, then "+FIN" or the like. */
		snprintf(buf, len, _("%sdata %zu%s%s"), conn, g->len,
		    what[0] != '\0' ? "+" : "", what);
	else
		snprintf(buf, len, "%s%s", conn, what);
}

/* A segment: a thin arrow across the wire, its head at the receiver
 * (the client's lane, or the server's side of the wire), its label
 * above it, and its time beside the client's lane. */
static void
draw_seg(const struct model *m, const struct layout *L, size_t j,
    FILE *out)
{
	const struct model_seg *g = &m->seg[j];
	double y = L->seg_y[j], sx = L->wire_x + 6, cx = L->client_x;
	const char *color = (g->flags & PCAP_RST) != 0 ? COLOR_RST :
	    (g->flags & PCAP_FIN) != 0 ? COLOR_FIN : "#555555";
	const char *head = (g->flags & PCAP_RST) != 0 ? "head-rst" :
	    (g->flags & PCAP_FIN) != 0 ? "head-fin" : "head-grey";
	char what[96], attrs[256], t[32];

	seg_text(m, g, what, sizeof what);
	fprintf(out, "<g class=\"seg\" data-record=\"%lu\" data-conn=\"%lu\" "
	    "data-dir=\"%s\" data-flags=\"%s%s%s%s%s\" data-len=\"%zu\" "
	    "data-t=\"%.6f\" data-y=\"%.1f\">\n", g->record, g->conn,
	    g->to_server ? "to-server" : "to-client",
	    (g->flags & PCAP_SYN) != 0 ? "S" : "",
	    (g->flags & PCAP_FIN) != 0 ? "F" : "",
	    (g->flags & PCAP_RST) != 0 ? "R" : "",
	    (g->flags & PCAP_PSH) != 0 ? "P" : "",
	    (g->flags & PCAP_ACK) != 0 ? "." : "", g->len, g->t, y);
	snprintf(attrs, sizeof attrs, "stroke=\"%s\" stroke-width=\"1.3\"%s",
	    color, (g->flags & PCAP_RST) != 0 ?
	    " stroke-dasharray=\"5 3\"" : "");
	if (g->to_server)
		arrow(out, cx, y, sx, y, attrs, head);
	else
		arrow(out, sx, y, cx - 2, y, attrs, head);
	snprintf(attrs, sizeof attrs, "font-family=\"" FONT_SANS "\" "
	    "font-size=\"10.5\" text-anchor=\"middle\" fill=\"%s\"", color);
	text_at(out, (sx + cx) / 2, y - 4, attrs, what);
	snprintf(t, sizeof t, "%.3f", g->t);
	text_at(out, cx + 8, y + 4, "font-family=\"" FONT_MONO "\" "
	    "font-size=\"10\" fill=\"" COLOR_GREY "\"", t);
	(void)fputs("</g>\n", out);
}

/* What the marks mean, below the diagram. */
static void
draw_legend(const struct model *m, const struct svg_options *o,
    const struct layout *L, FILE *out)
{
	double y = L->bottom + 30, x = 24, bw, tx;
	const char *nothing = _("nothing sent");
	char scale[320];

	(void)fputs("<g class=\"legend\">\n", out);
	fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
	    "stroke=\"#dddddd\"/>\n", 6.0, y - 18, L->width - 6, y - 18);
	arrow(out, x, y, x + 50, y, "stroke=\"" COLOR_FIN "\" "
	    "stroke-width=\"3\"", "head-fin");
	text_at(out, x + 60, y + 4, "font-family=\"" FONT_SANS "\" "
	    "font-size=\"12\" fill=\"" COLOR_INK "\"", _("FIN sent"));
	x += 150;
	arrow(out, x, y, x + 50, y, "stroke=\"" COLOR_RST "\" "
	    "stroke-width=\"3\" stroke-dasharray=\"9 5\"", "head-rst");
	text_at(out, x + 60, y + 4, "font-family=\"" FONT_SANS "\" "
	    "font-size=\"12\" fill=\"" COLOR_INK "\"", _("RST sent"));
	x += 150;
	fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"#ffffff\" "
	    "stroke=\"" COLOR_INK "\" stroke-width=\"1.6\"/>\n", x + 5, y);
	/* The badge as the rows have it, and the words after it, moved
	 * right if a translation's badge is wider. */
	bw = badge_width(nothing);
	tx = 16 + bw + 10 > 130 ? 16 + bw + 10 : 130;
	fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
	    "height=\"17\" rx=\"8.5\" fill=\"#ffffff\" stroke=\"#555555\" "
	    "stroke-width=\"1.2\" stroke-dasharray=\"3 2\"/>\n", x + 16,
	    y - 9, bw);
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-family=\"" FONT_MONO
	    "\" font-size=\"11\" font-style=\"italic\" fill=\"#333333\">",
	    x + 16 + BADGE_PAD, y + 3);
	put_text(out, nothing);
	(void)fputs("</text>\n", out);
	text_at(out, x + tx, y + 4, "font-family=\"" FONT_SANS "\" "
	    "font-size=\"12\" fill=\"" COLOR_INK "\"",
	    _("a close or shutdown that put nothing on the wire"));
	y += 28;
	x = 24;
	fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
	    "height=\"18\" fill=\"" COLOR_HOLD "\" fill-opacity=\"0.75\" "
	    "stroke=\"#b06a00\" stroke-width=\"0.8\"/>\n", x + 20, y - 9,
	    BAND_W);
	text_at(out, x + 40, y + 4, "font-family=\"" FONT_SANS "\" "
	    "font-size=\"12\" fill=\"" COLOR_INK "\"",
	    _("holds a descriptor of the connection"));
	x += 300;
	fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"5\" height=\"18\" "
	    "fill=\"" COLOR_LISTEN "\" fill-opacity=\"0.4\"/>\n", x + 22,
	    y - 9);
	text_at(out, x + 40, y + 4, "font-family=\"" FONT_SANS "\" "
	    "font-size=\"12\" fill=\"" COLOR_INK "\"",
	    _("holds the listening socket"));
	x += 240;
	fprintf(out, "<path d=\"M%.1f,%.1f l10,10 m0,-10 l-10,10\" "
	    "stroke=\"" COLOR_INK "\" stroke-width=\"2.2\"/>\n", x + 15, y - 5);
	text_at(out, x + 40, y + 4, "font-family=\"" FONT_SANS "\" "
	    "font-size=\"12\" fill=\"" COLOR_INK "\"",
	    _("exit (dotted after it: a zombie)"));
	y += 26;
	snprintf(scale, sizeof scale, _("Time runs down, one row per "
	    "event; rows move apart by %.0f px per second between them; "
	    "quiet stretches over %g s are cut out."), o->px_per_second,
	    o->max_gap);
	text_at(out, 24, y + 4, "font-family=\"" FONT_SANS "\" "
	    "font-size=\"12\" fill=\"#555555\"", scale);
	if (m->nseg > 0) {
		/* The file's name alone: where it was kept is no part of
		 * the picture (make diagrams captures to a temporary
		 * directory). */
		const char *slash = strrchr(m->wire_path, '/');

		y += SEG_LEGEND_H;
		arrow(out, 24, y, 74, y, "stroke=\"#555555\" "
		    "stroke-width=\"1.3\"", "head-grey");
		/* TRANSLATORS: %s is the capture's file name. */
		(void)snprintf(scale, sizeof scale, _("a TCP segment from the "
		    "capture %s, at its time, time on the right (pure ACKs "
		    "left out)"), slash != NULL ? slash + 1 : m->wire_path);
		text_at(out, 84, y + 4, "font-family=\"" FONT_SANS "\" "
		    "font-size=\"12\" fill=\"" COLOR_INK "\"", scale);
	}
	(void)fputs("</g>\n", out);
}

int
svg_render(const struct model *m, const struct svg_options *o, FILE *out)
{
	struct layout L;
	char title[512], sub[512];
	size_t i, l;

	if (layout_make(m, o, &L) < 0) {
		layout_free(&L);
		return -1;
	}
	if (o->title != NULL)
		snprintf(title, sizeof title, "%s", o->title);
	else
		/* TRANSLATORS: the diagram's title; %s is the trace's
		 * file. */
		snprintf(title, sizeof title, _("forkechod trace %s"),
		    m->path);
	/* TRANSLATORS: the diagram's subtitle: the counts of events and
	 * of processes (lanes); refs is the labels' word ("refs 2→1"). */
	snprintf(sub, sizeof sub, m->nlane == 1 ? _("%zu events, %zu "
	    "process, from a forkechod --trace-json run; refs = descriptors "
	    "open on the socket, in all processes") : _("%zu events, %zu "
	    "processes, from a forkechod --trace-json run; refs = descriptors "
	    "open on the socket, in all processes"), m->nev, m->nlane);

	(void)fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n",
	    L.width, L.height, L.width, L.height);
	(void)fputs("<title>", out);
	put_text(out, title);
	(void)fputs("</title>\n<desc>", out);
	put_text(out, _("A sequence diagram drawn by forktrace: one lane per "
	    "process, the client at the right, time running down."));
	(void)fputs("</desc>\n", out);
	defs(out);
	fprintf(out, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
	    L.width, L.height);
	text_at(out, 24, 32, "font-family=\"" FONT_SANS "\" font-size=\"20\" "
	    "font-weight=\"bold\" fill=\"" COLOR_INK "\"", title);
	text_at(out, 24, 52, "font-family=\"" FONT_SANS "\" font-size=\"12\" "
	    "fill=\"" COLOR_GREY "\"", sub);
	text_at(out, TIME_W - 14, HEAD_TOP + 24, "font-family=\"" FONT_SANS
	    "\" font-size=\"11\" text-anchor=\"end\" fill=\"" COLOR_GREY "\"",
	    _("time (s)"));

	for (l = 0; l < m->nlane; l++)
		draw_lane(m, &L, l, out);
	draw_client(m, &L, out);
	draw_cuts(&L, out);
	for (i = 0; i < m->nev; i++)
		draw_event(m, &L, i, out);
	for (i = 0; i < m->nseg; i++)
		draw_seg(m, &L, i, out);
	draw_legend(m, o, &L, out);
	(void)fputs("</svg>\n", out);
	layout_free(&L);
	return ferror(out) ? -1 : 0;
}
