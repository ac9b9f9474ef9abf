/* SPDX-License-Identifier: BSD-3-Clause */
/* Numeric HOST:PORT addresses of the control interfaces ([control]). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bs_config.h"

int
bs_hostport_parse(const char *addr, void *sa, unsigned int *len, char *err,
		size_t errlen)
{
	struct sockaddr_storage tmp;
	struct sockaddr_in6 *s6 = sa != NULL ? sa : (void *)&tmp;
	struct sockaddr_in *s4 = (void *)s6;
	unsigned int tmp_len;
	char host[64];
	const char *colon, *port_s;
	char *end;
	unsigned long port;
	size_t hl;

	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		if (close == NULL || close[1] != ':') {
			snprintf(err, errlen, "'%s': want [IPV6]:PORT", addr);
			return -1;
		}
		hl = (size_t)(close - addr - 1);
		memcpy(host, addr + 1, hl < sizeof(host) ? hl : 0);
		port_s = close + 2;
	} else {
		colon = strrchr(addr, ':');
		if (colon == NULL) {
			snprintf(err, errlen, "'%s': want HOST:PORT or [IPV6]:PORT", addr);
			return -1;
		}
		hl = (size_t)(colon - addr);
		memcpy(host, addr, hl < sizeof(host) ? hl : 0);
		port_s = colon + 1;
	}
	if (hl == 0 || hl >= sizeof(host)) {
		snprintf(err, errlen, "'%s': missing or too long address", addr);
		return -1;
	}
	host[hl] = '\0';
	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (*port_s < '0' || *port_s > '9' || *end != '\0' || errno != 0 || port > 65535) {
		snprintf(err, errlen, "'%s': bad port '%s' (0-65535)", addr, port_s);
		return -1;
	}
	if (len == NULL)
		len = &tmp_len;
	memset(s6, 0, sizeof(struct sockaddr_in6));
	if (addr[0] != '[' && inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 0;
	}
	if (addr[0] == '[' && inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	snprintf(err, errlen, "'%s': '%s' is not a numeric %s address%s", addr, host,
		addr[0] == '[' ? "IPv6" : "IPv4",
		addr[0] != '[' && strchr(host, ':') != NULL ? " (IPv6 goes in brackets: [::1]:9464)" : "");
	return -1;
}
