/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * wire: the TCP segments of a packet capture (pcap.h) that belong to a
 * trace's connections, on the trace's clock, for forktrace --wire.
 *
 * A segment belongs to connection N when one end is the client address
 * and port of N's accept event ("peer") and the other a port the server
 * listened on; segments of other connections are left out, and so are
 * pure ACKs (no payload, no SYN, FIN or RST), which would only crowd the
 * picture.  Its time is the capture's minus the wall clock at the trace's
 * t = 0 (the listen event's "wall").  A FIN or RST from the server is
 * tied to the event whose "wire" says it sent one, so that it is never
 * drawn before the close that caused it, whatever the clocks say.
 */
#ifndef FORKTRACE_WIRE_H
#define FORKTRACE_WIRE_H

#include <stddef.h>

#include "model.h"

/*
 * Reads the capture at path into m->seg.  Returns 0, or MODEL_EOPEN,
 * MODEL_EDATA (a bad capture, or a trace without "wall" or "peer"),
 * MODEL_EREAD or MODEL_ENOMEM, with a message in err that names the file
 * (and the record: "PATH: record N: reason").
 */
int wire_read(struct model *m, const char *path, char *err, size_t errlen);

#endif
