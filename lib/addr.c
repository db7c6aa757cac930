/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 the forkecho authors */
#include "addr.h"

#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nls.h"
#include "num.h"

int
addr_parse_listen(const char *text, const char *default_port,
    struct addr *out, char *err, size_t errlen)
{
	char host[256], why[256];
	const char *port;
	const char *colon;
	unsigned long portnum;

	if (text[0] == '[') {
		/* "[::1]:7007": the brackets keep the port apart from the
		 * colons of an IPv6 address. */
		const char *close = strchr(text, ']');

		if (close == NULL || (close[1] != ':' && close[1] != '\0')) {
			snprintf(err, errlen, _("%s: expected [IPV6]:PORT"),
			    text);
			return -1;
		}
		if ((size_t)(close - text - 1) >= sizeof host) {
			snprintf(err, errlen, _("%s: address too long"), text);
			return -1;
		}
		memcpy(host, text + 1, (size_t)(close - text - 1));
		host[close - text - 1] = '\0';
		port = close[1] == ':' ? close + 2 : default_port;
	} else {
		colon = strrchr(text, ':');
		if (colon != NULL && strchr(text, ':') != colon) {
			snprintf(err, errlen,
			    _("%s: write IPv6 addresses as [ADDR]:PORT"), text);
			return -1;
		}
		if (colon == NULL) {
			if (strlen(text) >= sizeof host) {
				snprintf(err, errlen, _("%s: address too long"),
				    text);
				return -1;
			}
			memcpy(host, text, strlen(text) + 1);
			port = default_port;
		} else {
			if ((size_t)(colon - text) >= sizeof host) {
				snprintf(err, errlen, _("%s: address too long"),
				    text);
				return -1;
			}
			memcpy(host, text, (size_t)(colon - text));
			host[colon - text] = '\0';
			port = colon + 1;
		}
	}
	if (host[0] == '\0') {
		snprintf(err, errlen, _("%s: missing address"), text);
		return -1;
	}
	if (num_parse_ulong(port, 0, 65535, &portnum) < 0) {
		snprintf(err, errlen, _("%s: port '%s' is not a number from 0 "
		    "to 65535"), text, port);
		return -1;
	}

	if (addr_resolve(host, port, 1, out, why, sizeof why) < 0) {
		snprintf(err, errlen, "%s: %s", text, why);
		return -1;
	}
	return 0;
}

int
addr_resolve(const char *host, const char *port, int passive,
    struct addr *out, char *err, size_t errlen)
{
	struct addrinfo hints, *res;
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "%s", gai_strerror(rc));
		return -1;
	}
	memset(out, 0, sizeof *out);
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int
addr_numeric(const struct sockaddr *sa, socklen_t len, char *host,
    size_t hostlen, unsigned *port)
{
	char serv[16];

	if (getnameinfo(sa, len, host, (socklen_t)hostlen, serv, sizeof serv,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return -1;
	*port = (unsigned)strtoul(serv, NULL, 10);
	return 0;
}

void
addr_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t buflen)
{
	char host[INET6_ADDRSTRLEN + 16];
	unsigned port;

	if (addr_numeric(sa, len, host, sizeof host, &port) < 0)
		snprintf(buf, buflen, "(unknown address)");
	else
		snprintf(buf, buflen, "%s %u", host, port);
}

int
addr_same_host(const struct addr *a, const struct addr *b)
{
	if (a->ss.ss_family != b->ss.ss_family)
		return 0;
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)&a->ss;
		const struct sockaddr_in *y = (const struct sockaddr_in *)&b->ss;

		return x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *x =
		    (const struct sockaddr_in6 *)&a->ss;
		const struct sockaddr_in6 *y =
		    (const struct sockaddr_in6 *)&b->ss;

		return memcmp(&x->sin6_addr, &y->sin6_addr,
		    sizeof x->sin6_addr) == 0;
	}
	return 0;
}
