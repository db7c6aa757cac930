/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * pcap: a small reader of the classic pcap file format, what tcpdump -w
 * writes, enough to find the TCP segments in it, so that forktrace needs
 * no libpcap (the project's dependencies are POSIX and libc).
 *
 * The file: a 24-byte global header (magic 0xa1b2c3d4 for microsecond or
 * 0xa1b23c4d for nanosecond timestamps, in either byte order; its link
 * type), then records, each a 16-byte header (the time, the bytes
 * captured, the bytes on the wire) and the bytes captured.  Link types
 * read: Ethernet (1, what tcpdump -i lo gives on Linux), Linux cooked
 * capture (113, and v2: 276) and raw IP (101, and 12).  IPv4 and IPv6,
 * with IPv6's extension headers; TCP's ports, flags, sequence and
 * acknowledgment numbers and payload length.
 *
 * Everything is bounds-checked against the bytes present: this reads
 * files from anywhere.  A record that is not TCP over IP (ARP, UDP, a
 * later IP fragment) is skipped; one that claims more bytes than the file
 * has, or whose IP or TCP header is cut or inconsistent, is an error
 * naming the record.  pcapng (tcpdump's default elsewhere) is not read.
 */
#ifndef FORKTRACE_PCAP_H
#define FORKTRACE_PCAP_H

#include <stddef.h>

/* TCP's flags, as in the header's 13th byte. */
#define PCAP_FIN 0x01
#define PCAP_SYN 0x02
#define PCAP_RST 0x04
#define PCAP_PSH 0x08
#define PCAP_ACK 0x10

/* One TCP segment. */
struct pcap_seg {
	unsigned long record;	/* in the file, from 1 */
	double t;		/* the capture's time, seconds since the epoch */
	int family;		/* 4 or 6 */
	unsigned char src[16], dst[16];	/* IPv4: the first 4 bytes */
	unsigned sport, dport;
	unsigned flags;		/* PCAP_FIN, ... */
	unsigned long seq, ack;
	size_t len;		/* payload bytes, as the IP header says */
};

struct pcap_file {
	unsigned long link;	/* the link type */
	unsigned long nrec;	/* records read */
	struct pcap_seg *seg;
	size_t nseg, cap;
};

#define PCAP_EDATA (-1)		/* not a pcap file we read: see err */
#define PCAP_ENOMEM (-2)	/* out of memory */

/*
 * Reads the len bytes at buf, a whole pcap file, into pf, which must be
 * zeroed.  Returns 0, or PCAP_EDATA with the reason in err ("record 3:
 * ...", or about the file's header), or PCAP_ENOMEM.  pf is to be freed
 * with pcap_free either way.
 */
int pcap_parse(struct pcap_file *pf, const unsigned char *buf, size_t len,
    char *err, size_t errlen);

void pcap_free(struct pcap_file *pf);

#endif
