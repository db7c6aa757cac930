/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "nls.h"
#include "pcap.h"

/* Accept events' clients may start this long before the accept (the
 * handshake, a backlog) and still be that connection's. */
#define ACCEPT_SLACK 1.0
#define LISTEN_MAX 16

/* One end of a connection, as a segment shows it. */
struct end {
	int family;		/* 4 or 6 */
	unsigned char addr[16];
	unsigned port;
};

/* "ADDR PORT" into e; an IPv4-mapped IPv6 address is taken as the IPv4
 * one, as the capture shows it.  Returns 0, or -1 if it is neither. */
static int
parse_end(const char *text, struct end *e)
{
	char host[64];
	const char *sp = strrchr(text, ' ');
	char *end;
	unsigned long port;
	size_t n;

	if (sp == NULL || (n = (size_t)(sp - text)) >= sizeof host)
		return -1;
	memcpy(host, text, n);
	host[n] = '\0';
	errno = 0;
	port = strtoul(sp + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == sp + 1 || port > 65535)
		return -1;
	e->port = (unsigned)port;
	memset(e->addr, 0, sizeof e->addr);
	if (inet_pton(AF_INET, host, e->addr) == 1) {
		e->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, host, e->addr) != 1)
		return -1;
	e->family = 6;
	if (memcmp(e->addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		memmove(e->addr, e->addr + 12, 4);
		memset(e->addr + 4, 0, 12);
		e->family = 4;
	}
	return 0;
}

static int
same_end(const struct end *e, int family, const unsigned char *addr,
    unsigned port)
{
	return e->family == family && e->port == port &&
	    memcmp(e->addr, addr, family == 4 ? 4 : 16) == 0;
}

/* The whole file at path, in *buf (to be freed). */
static int
slurp(const char *path, unsigned char **buf, size_t *len, char *err,
    size_t errlen)
{
	FILE *fp = fopen(path, "rb");
	size_t cap = 0, n;
	unsigned char *nb;

	*buf = NULL;
	*len = 0;
	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return MODEL_EOPEN;
	}
	for (;;) {
		if (*len == cap) {
			cap = cap != 0 ? cap * 2 : 65536;
			if (cap > ((size_t)-1) / 2 ||
			    (nb = realloc(*buf, cap)) == NULL) {
				(void)fclose(fp);
				snprintf(err, errlen, _("%s: out of memory"),
				    path);
				return MODEL_ENOMEM;
			}
			*buf = nb;
		}
		n = fread(*buf + *len, 1, cap - *len, fp);
		*len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		snprintf(err, errlen, _("%s: read: %s"), path,
		    strerror(errno));
		(void)fclose(fp);
		return MODEL_EREAD;
	}
	(void)fclose(fp);
	return 0;
}

/* The connection s belongs to (its index in conns), and its direction;
 * -1 if none. */
static long
conn_of(const struct pcap_seg *s, double t, const struct end *conns,
    const double *accept_t, size_t nconns, const unsigned *lports,
    size_t nlports, int *to_server)
{
	long best = -1;
	size_t i, k;

	for (i = 0; i < nconns; i++) {
		int up = same_end(&conns[i], s->family, s->src, s->sport),
		    down = same_end(&conns[i], s->family, s->dst, s->dport);
		unsigned other = up ? s->dport : s->sport;
		int ours = nlports == 0;

		if (!up && !down)
			continue;
		for (k = 0; k < nlports && !ours; k++)
			ours = lports[k] == other;
		if (!ours)
			continue;
		/* A client port used twice: the latest accept that the
		 * segment can belong to. */
		if (best < 0 || (accept_t[i] <= t + ACCEPT_SLACK &&
		    accept_t[i] >= accept_t[best]))
			best = (long)i;
		if (best == (long)i)
			*to_server = up;
	}
	return best;
}

int
wire_read(struct model *m, const char *path, char *err, size_t errlen)
{
	struct pcap_file pf;
	struct end *conns = NULL, lend;
	unsigned long *conn_no = NULL;
	double *accept_t = NULL, wall = 0;
	unsigned lports[LISTEN_MAX];
	unsigned char *buf, *used = NULL;
	size_t len, i, k, nconns = 0, nlports = 0;
	char why[256];
	int rc, nopeer = 0;

	m->wire_path = path;
	for (i = 0; i < m->nev; i++) {
		const struct model_event *e = &m->ev[i];

		if (e->kind == EV_LISTEN && e->wall > 0 && wall == 0)
			wall = e->wall;
		if (e->kind == EV_LISTEN && nlports < LISTEN_MAX &&
		    parse_end(e->addr, &lend) == 0)
			lports[nlports++] = lend.port;
		if (e->kind == EV_ACCEPT && e->peer[0] == '\0')
			nopeer = 1;
	}
	if (wall == 0 || nopeer) {
		/* TRANSLATORS: the trace file, the missing field's name, then
		 * the capture file. */
		snprintf(err, errlen, _("%s: no '%s' field in the trace, which "
		    "--wire needs to place the capture %s (a trace from an "
		    "older forkechod?)"), m->path, wall == 0 ? "wall" : "peer",
		    path);
		return MODEL_EDATA;
	}

	if ((rc = slurp(path, &buf, &len, err, errlen)) != 0) {
		free(buf);
		return rc;
	}
	memset(&pf, 0, sizeof pf);
	rc = pcap_parse(&pf, buf, len, why, sizeof why);
	free(buf);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		pcap_free(&pf);
		return rc == PCAP_ENOMEM ? MODEL_ENOMEM : MODEL_EDATA;
	}

	conns = calloc(m->nev + 1, sizeof *conns);
	conn_no = calloc(m->nev + 1, sizeof *conn_no);
	accept_t = calloc(m->nev + 1, sizeof *accept_t);
	used = calloc(m->nev + 1, 1);
	m->seg = calloc(pf.nseg + 1, sizeof *m->seg);
	if (conns == NULL || conn_no == NULL || accept_t == NULL ||
	    used == NULL || m->seg == NULL) {
		snprintf(err, errlen, _("%s: out of memory"), path);
		rc = MODEL_ENOMEM;
		goto out;
	}
	for (i = 0; i < m->nev; i++) {
		const struct model_event *e = &m->ev[i];

		if (e->kind != EV_ACCEPT)
			continue;
		if (parse_end(e->peer, &conns[nconns]) < 0) {
			snprintf(err, errlen, _("%s:%lu: field '%s' is '%s', "
			    "not \"ADDR PORT\""), m->path, e->line, "peer",
			    e->peer);
			rc = MODEL_EDATA;
			goto out;
		}
		conn_no[nconns] = e->conn;
		accept_t[nconns++] = e->t;
	}

	for (k = 0; k < pf.nseg; k++) {
		const struct pcap_seg *s = &pf.seg[k];
		struct model_seg *g = &m->seg[m->nseg];
		double t = s->t - wall;
		int up = 0;
		long c;

		if ((s->flags & (PCAP_SYN | PCAP_FIN | PCAP_RST)) == 0 &&
		    s->len == 0)
			continue;
		c = conn_of(s, t, conns, accept_t, nconns, lports, nlports,
		    &up);
		if (c < 0)
			continue;
		g->record = s->record;
		g->t = t;
		g->conn = conn_no[c];
		g->to_server = up;
		g->flags = s->flags;
		g->len = s->len;
		g->after = MODEL_NONE;
		/* The server's first FIN (RST) of a connection is the one
		 * its event says it sent: drawn after that event. */
		if (!up && (s->flags & (PCAP_FIN | PCAP_RST)) != 0) {
			enum model_wire want = (s->flags & PCAP_RST) != 0 ?
			    WIRE_RST : WIRE_FIN;

			for (i = 0; i < m->nev; i++)
				if (!used[i] && m->ev[i].conn == g->conn &&
				    m->ev[i].wire == want) {
					used[i] = 1;
					g->after = i;
					break;
				}
		}
		m->nseg++;
	}
	rc = 0;
out:
	free(conns);
	free(conn_no);
	free(accept_t);
	free(used);
	pcap_free(&pf);
	return rc;
}
