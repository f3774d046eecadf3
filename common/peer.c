/*
 * The peer's address for log lines: what the super-server put in the
 * environment if it did (it may know better than the socket: behind a
 * balancer, filesvc-inetd --proxy-protocol names the client the PROXY
 * header names), else the socket on fd 0.  Environment values are
 * escaped like any remote-controlled string.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "peer.h"

bool
peer_address(int fd, char *ip, size_t ipsize, unsigned *ret_port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const void *addr;
	int family = AF_INET;
	unsigned port;

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return false;
	if (ss.ss_family == AF_INET) {
		addr = &((const struct sockaddr_in *)&ss)->sin_addr;
		port = ntohs(((const struct sockaddr_in *)&ss)->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;

		/* A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d: name them as IPv4. */
		addr = IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) ? (const void *)&in6->sin6_addr.s6_addr[12]
		    : (const void *)&in6->sin6_addr;
		family = IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) ? AF_INET : AF_INET6;
		port = ntohs(in6->sin6_port);
	} else {
		return false;
	}
	if (inet_ntop(family, addr, ip, (socklen_t)ipsize) == NULL)
		return false;
	*ret_port = port;
	return true;
}

static bool
peer_from_socket(char *dst, size_t size)
{
	char ip[INET6_ADDRSTRLEN];
	unsigned port;

	if (!peer_address(0, ip, sizeof(ip), &port))
		return false;
	(void)snprintf(dst, size, strchr(ip, ':') != NULL ? "[%s]:%u" : "%s:%u", ip, port);
	return true;
}

void
peer_describe(char *dst, size_t size)
{
	static const char *const vars[][2] = {
		{ "REMOTE_ADDR", "REMOTE_PORT" },	/* systemd Accept=yes */
		{ "TCPREMOTEIP", "TCPREMOTEPORT" },	/* UCSPI: tcpserver, filesvc-inetd */
	};
	char ip[64], port[16];
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *a = getenv(vars[i][0]), *p = getenv(vars[i][1]);

		if (a == NULL)
			continue;
		log_escape(a, strlen(a), ip, sizeof(ip));
		log_escape(p != NULL ? p : "-", p != NULL ? strlen(p) : 1, port, sizeof(port));
		(void)snprintf(dst, size, strchr(ip, ':') != NULL ? "[%s]:%s" : "%s:%s", ip, port);
		return;
	}
	if (!peer_from_socket(dst, size))
		(void)snprintf(dst, size, "-");
}
