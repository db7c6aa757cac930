/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * A libFuzzer target for forktrace's pcap reader (forktrace/pcap.c).  The
 * input is one whole capture file.
 *
 * Besides crashes, leaks and hangs (the reader must not read one byte
 * beyond the input: ASan sees to that, as the input is libFuzzer's own
 * buffer of exactly size bytes), what pcap.h promises is checked: a
 * refusal says why; what is accepted has its records numbered in order,
 * within the number read, each with a sane time and a payload no longer
 * than an IP packet can be.
 */
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "pcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcap_file pf = { 0, 0, NULL, 0, 0 };
	char err[256] = "";
	unsigned long last = 0;
	size_t i;
	int rc;

	rc = pcap_parse(&pf, data, size, err, sizeof err);
	if (rc == PCAP_EDATA)
		fuzz_expect_message("pcap_parse", err);
	else if (rc == 0) {
		for (i = 0; i < pf.nseg; i++) {
			const struct pcap_seg *s = &pf.seg[i];

			if (s->record <= last || s->record > pf.nrec)
				fuzz_fail("segment %zu: record %lu after %lu, "
				    "of %lu", i, s->record, last, pf.nrec);
			last = s->record;
			if (!(s->t >= 0 && s->t < 4294967297.0))
				fuzz_fail("record %lu: time %f", s->record,
				    s->t);
			if (s->len > 65535 || (s->family != 4 &&
			    s->family != 6))
				fuzz_fail("record %lu: %zu bytes of IPv%d",
				    s->record, s->len, s->family);
		}
		if (pf.nrec > size / 16)
			fuzz_fail("%lu records in %zu bytes", pf.nrec, size);
	} else if (rc != PCAP_ENOMEM)
		fuzz_fail("pcap_parse returned %d", rc);
	pcap_free(&pf);
	return 0;
}
