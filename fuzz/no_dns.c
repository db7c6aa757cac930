/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
/*
 * Every fuzz target is linked with ld --wrap=getaddrinfo, so that each
 * call the code under test makes to getaddrinfo() comes here.  An input
 * that names a host must not send the fuzzer to a DNS server, where it
 * would wait for answers instead of finding bugs, and would find
 * different things from one network to the next.  Numeric addresses
 * and ports still parse, through the real function.
 */
#include <netdb.h>
#include <stddef.h>

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
