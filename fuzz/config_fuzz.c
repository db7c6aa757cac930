/*
 * A libFuzzer target for the config file parser (make fuzz).  Each input
 * is read as a whole config file, from memory, into fresh settings; what
 * counts is that nothing crashes, leaks or hangs, whatever the bytes.
 */
#include <netdb.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The build wraps getaddrinfo (ld --wrap): a "listen" line naming a
 * host must not send the fuzzer to a DNS server, where it would wait for
 * answers instead of finding bugs.  Numeric addresses still parse. */
int __real_getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res);
int __wrap_getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res);

int
__wrap_getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	struct addrinfo h = { 0 };

	if (hints != NULL)
		h = *hints;
	h.ai_flags |= AI_NUMERICHOST | AI_NUMERICSERV;
	return __real_getaddrinfo(node, service, &h, res);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server_config cfg;
	char err[512];
	FILE *fp;

	/* fmemopen() refuses a zero-length buffer. */
	fp = size > 0 ? fmemopen((void *)(uintptr_t)data, size, "r") :
	    fopen("/dev/null", "r");
	if (fp == NULL)
		return 0;
	options_defaults(&cfg);
	(void)config_read(&cfg, fp, "fuzz", err, sizeof err);
	(void)fclose(fp);
	return 0;
}
