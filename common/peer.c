/*
 * The peer's address for log lines: what the super-server put in the
 * environment if it did (it may know better than the socket: behind a
 * balancer, filesvc-inetd --proxy-protocol names the client the PROXY
 * header names), else the socket on fd 0.  Environment values are
 * escaped like any remote-controlled string.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "log.h"
#include "peer.h"

bool
peer_address(int fd, struct addr_text *ret)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return false;
	/* A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d: addr_format() writes IPv4. */
	return addr_format((struct sockaddr *)&ss, len, ret) == 0;
}

void
peer_describe(char *dst, size_t size)
{
	static const char *const vars[][2] = {
		{ "REMOTE_ADDR", "REMOTE_PORT" },	/* systemd Accept=yes */
		{ "TCPREMOTEIP", "TCPREMOTEPORT" },	/* UCSPI: tcpserver, filesvc-inetd */
	};
	struct addr_text t;
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *a = getenv(vars[i][0]), *p = getenv(vars[i][1]);

		if (a == NULL)
			continue;
		/* Escaped, and cut at what an address and a port can be. */
		log_escape(a, strlen(a), t.ip, sizeof(t.ip));
		log_escape(p != NULL ? p : "-", p != NULL ? strlen(p) : 1, t.port, sizeof(t.port));
		addr_peer(&t, dst, size);
		return;
	}
	if (peer_address(0, &t))
		addr_peer(&t, dst, size);
	else
		(void)snprintf(dst, size, "-");
}
