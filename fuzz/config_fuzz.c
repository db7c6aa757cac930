/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * A libFuzzer target for the config file parser (make fuzz).  Each input
 * is read as a whole config file, from memory, into fresh settings; what
 * counts is that nothing crashes, leaks or hangs, whatever the bytes, and
 * that every refusal says why.  A "listen" line never reaches DNS: see
 * no_dns.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "config.h"
#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server_config cfg;
	char err[512] = "";
	FILE *fp;

	/* fmemopen() refuses a zero-length buffer. */
	fp = size > 0 ? fmemopen((void *)(uintptr_t)data, size, "r") :
	    fopen("/dev/null", "r");
	if (fp == NULL)
		return 0;
	options_defaults(&cfg);
	if (config_read(&cfg, fp, "fuzz", err, sizeof err) < 0)
		fuzz_expect_message("config_read", err);
	(void)fclose(fp);
	return 0;
}
