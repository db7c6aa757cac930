/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "pcap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nls.h"

#define GLOBAL_LEN 24
#define RECORD_LEN 16

/* Link types (www.tcpdump.org/linktypes.html). */
#define LINK_EN10MB 1
#define LINK_RAW_OLD 12		/* raw IP, as some systems number it */
#define LINK_RAW 101
#define LINK_SLL 113
#define LINK_SLL2 276

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8

#define PROTO_TCP 6
#define IPV6_EXT_MAX 8		/* extension headers followed, at most */

/* Where the record being read is, and where its error goes. */
struct ctx {
	unsigned long record;	/* 0: the file's own header */
	char *err;
	size_t errlen;
};

static int bad(const struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "record N: reason" (or the reason alone, for the file's header);
 * returns PCAP_EDATA for the caller to pass on. */
static int
bad(const struct ctx *c, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof why, fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized) */
	va_end(ap);
	if (c->record != 0)
		/* TRANSLATORS: the capture's record (its number, from 1),
		 * then what is wrong with it. */
		snprintf(c->err, c->errlen, _("record %lu: %s"), c->record,
		    why);
	else
		snprintf(c->err, c->errlen, "%s", why);
	return PCAP_EDATA;
}

/* Numbers in the network's byte order (IP, TCP, the link headers). */
static unsigned
be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static unsigned long
be32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
	    (unsigned long)p[2] << 8 | p[3];
}

/* The file's own numbers: in the byte order of the machine that wrote
 * it, which the magic tells. */
static unsigned long
u32(const unsigned char *p, int big)
{
	return big ? be32(p) : (unsigned long)p[3] << 24 |
	    (unsigned long)p[2] << 16 | (unsigned long)p[1] << 8 | p[0];
}

static int
add_seg(struct pcap_file *pf, const struct pcap_seg *s)
{
	struct pcap_seg *n;
	size_t ncap;

	if (pf->nseg == pf->cap) {
		ncap = pf->cap != 0 ? pf->cap * 2 : 64;
		if (ncap > (size_t)-1 / sizeof *n / 2)
			return PCAP_ENOMEM;
		n = realloc(pf->seg, ncap * sizeof *n);
		if (n == NULL)
			return PCAP_ENOMEM;
		pf->seg = n;
		pf->cap = ncap;
	}
	pf->seg[pf->nseg++] = *s;
	return 0;
}

/* The TCP header at p (n bytes captured), payload bytes left in the IP
 * packet after it computed from iplen (the IP payload's length). */
static int
read_tcp(const struct ctx *c, const unsigned char *p, size_t n,
    size_t iplen, struct pcap_seg *s)
{
	size_t off;

	if (n < 20)
		return bad(c, _("TCP header cut short (%zu of 20 bytes)"), n);
	off = (size_t)(p[12] >> 4) * 4;
	if (off < 20)
		return bad(c, _("TCP data offset %zu is below 20 bytes"), off);
	if (off > n)
		return bad(c, _("TCP header cut short (%zu of %zu bytes)"), n,
		    off);
	if (off > iplen)
		return bad(c, _("TCP header (%zu bytes) is longer than the IP "
		    "payload (%zu)"), off, iplen);
	s->sport = be16(p);
	s->dport = be16(p + 2);
	s->seq = be32(p + 4);
	s->ack = be32(p + 8);
	s->flags = p[13];
	s->len = iplen - off;
	return 1;
}

/* An IPv4 packet: 1 with *s filled, 0 if not TCP (or not the first
 * fragment), or an error. */
static int
read_ipv4(const struct ctx *c, const unsigned char *p, size_t n,
    struct pcap_seg *s)
{
	size_t ihl, total;

	if (n < 20)
		return bad(c, _("IPv4 header cut short (%zu of 20 bytes)"), n);
	ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > n)
		return bad(c, _("IPv4 header length %zu does not fit (%zu "
		    "bytes captured)"), ihl, n);
	if (p[9] != PROTO_TCP || (be16(p + 6) & 0x1fff) != 0)
		return 0;
	total = be16(p + 2);
	/* 0: a segmentation-offload packet whose length the capture does
	 * not carry; the bytes captured are all there is to go by. */
	if (total == 0)
		total = n;
	if (total < ihl)
		return bad(c, _("IPv4 total length %zu is below its header's "
		    "%zu"), total, ihl);
	s->family = 4;
	memcpy(s->src, p + 12, 4);
	memcpy(s->dst, p + 16, 4);
	return read_tcp(c, p + ihl, n - ihl, total - ihl, s);
}

/* An IPv6 packet, its extension headers followed to TCP. */
static int
read_ipv6(const struct ctx *c, const unsigned char *p, size_t n,
    struct pcap_seg *s)
{
	size_t plen, at = 40, hl;
	unsigned next;
	int i;

	if (n < 40)
		return bad(c, _("IPv6 header cut short (%zu of 40 bytes)"), n);
	plen = be16(p + 4);
	if (plen == 0)		/* a jumbogram, or offload: as for IPv4 */
		plen = n - 40;
	next = p[6];
	for (i = 0; next != PROTO_TCP; i++) {
		/* Hop-by-hop, routing, destination options; a fragment
		 * header, of which only the first fragment has TCP's. */
		if (i == IPV6_EXT_MAX || (next != 0 && next != 43 &&
		    next != 60 && next != 44))
			return 0;
		if (n - at < 8)
			return bad(c, "%s", _("IPv6 extension header cut "
			    "short"));
		if (next == 44) {
			if ((be16(p + at + 2) & 0xfff8) != 0)
				return 0;
			hl = 8;
		} else
			hl = ((size_t)p[at + 1] + 1) * 8;
		if (hl > n - at || hl > plen - (at - 40))
			return bad(c, _("IPv6 extension header (%zu bytes) "
			    "does not fit"), hl);
		next = p[at];
		at += hl;
	}
	if (plen < at - 40)
		return bad(c, _("IPv6 payload length %zu is below its "
		    "headers'"), plen);
	s->family = 6;
	memcpy(s->src, p + 8, 16);
	memcpy(s->dst, p + 24, 16);
	return read_tcp(c, p + at, n - at, plen - (at - 40), s);
}

/* One record's bytes, after its link header: IPv4, IPv6 or neither. */
static int
read_ip(const struct ctx *c, unsigned type, const unsigned char *p,
    size_t n, struct pcap_seg *s)
{
	if (type == ETHERTYPE_IPV4)
		return read_ipv4(c, p, n, s);
	if (type == ETHERTYPE_IPV6)
		return read_ipv6(c, p, n, s);
	return 0;
}

/* One record's captured bytes: 1 with *s filled, 0 if it holds no TCP
 * segment, or an error. */
static int
read_frame(const struct ctx *c, unsigned long link, const unsigned char *p,
    size_t n, struct pcap_seg *s)
{
	size_t at;
	unsigned type;

	switch (link) {
	case LINK_EN10MB:
		if (n < 14)
			return bad(c, _("Ethernet header cut short (%zu of 14 "
			    "bytes)"), n);
		type = be16(p + 12);
		at = 14;
		/* A VLAN tag or two before the type. */
		while ((type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) &&
		    at < 22) {
			if (n - at < 4)
				return bad(c, "%s", _("VLAN tag cut short"));
			type = be16(p + at + 2);
			at += 4;
		}
		return read_ip(c, type, p + at, n - at, s);
	case LINK_SLL:
		if (n < 16)
			return bad(c, _("Linux cooked header cut short (%zu of "
			    "16 bytes)"), n);
		return read_ip(c, be16(p + 14), p + 16, n - 16, s);
	case LINK_SLL2:
		if (n < 20)
			return bad(c, _("Linux cooked v2 header cut short (%zu "
			    "of 20 bytes)"), n);
		return read_ip(c, be16(p), p + 20, n - 20, s);
	default:	/* raw IP: the version says which */
		if (n < 1)
			return bad(c, "%s", _("empty raw IP packet"));
		return read_ip(c, (p[0] >> 4) == 4 ? ETHERTYPE_IPV4 :
		    (p[0] >> 4) == 6 ? ETHERTYPE_IPV6 : 0, p, n, s);
	}
}

int
pcap_parse(struct pcap_file *pf, const unsigned char *buf, size_t len,
    char *err, size_t errlen)
{
	struct ctx c = { 0, err, errlen };
	unsigned long magic, incl, sec, frac;
	size_t at;
	double unit;
	int big, rc;

	if (len < GLOBAL_LEN)
		return bad(&c, _("not a pcap file: %zu bytes, shorter than its "
		    "%d-byte header"), len, GLOBAL_LEN);
	magic = u32(buf, 0);
	if (magic == 0xa1b2c3d4UL || magic == 0xa1b23c4dUL)
		big = 0;
	else if (magic == 0xd4c3b2a1UL || magic == 0x4d3cb2a1UL)
		big = 1;
	else
		return bad(&c, _("not a pcap file: magic 0x%08lx (pcapng is "
		    "not read: tcpdump -w writes pcap on Linux)"), magic);
	magic = u32(buf, big);
	unit = magic == 0xa1b23c4dUL ? 1e-9 : 1e-6;
	/* Two 16-bit numbers, major and minor. */
	if ((big ? be16(buf + 4) : (unsigned)buf[5] << 8 | buf[4]) != 2)
		return bad(&c, _("pcap version %u, not 2"),
		    big ? be16(buf + 4) : (unsigned)buf[5] << 8 | buf[4]);
	/* The upper bits may carry the frame check sequence's length. */
	pf->link = u32(buf + 20, big) & 0xffff;
	if (pf->link != LINK_EN10MB && pf->link != LINK_RAW_OLD &&
	    pf->link != LINK_RAW && pf->link != LINK_SLL &&
	    pf->link != LINK_SLL2)
		return bad(&c, _("link type %lu is not read (Ethernet 1, raw "
		    "IP 101 and 12, Linux cooked 113 and 276 are)"), pf->link);

	for (at = GLOBAL_LEN; at < len; at += RECORD_LEN + incl) {
		struct pcap_seg s;

		c.record = ++pf->nrec;
		if (len - at < RECORD_LEN)
			return bad(&c, _("truncated: %zu bytes of its %d-byte "
			    "header"), len - at, RECORD_LEN);
		sec = u32(buf + at, big);
		frac = u32(buf + at + 4, big);
		incl = u32(buf + at + 8, big);
		if ((double)frac * unit >= 1)
			return bad(&c, _("timestamp fraction %lu is not below "
			    "one second"), frac);
		if (incl > len - at - RECORD_LEN)
			return bad(&c, _("truncated: %zu bytes of the %lu "
			    "captured"), len - at - RECORD_LEN, incl);
		memset(&s, 0, sizeof s);
		s.record = c.record;
		s.t = (double)sec + (double)frac * unit;
		rc = read_frame(&c, pf->link, buf + at + RECORD_LEN,
		    (size_t)incl, &s);
		if (rc < 0)
			return rc;
		if (rc > 0 && (rc = add_seg(pf, &s)) < 0) {
			snprintf(err, errlen, "%s", _("out of memory"));
			return rc;
		}
	}
	return 0;
}

void
pcap_free(struct pcap_file *pf)
{
	free(pf->seg);
	memset(pf, 0, sizeof *pf);
}
