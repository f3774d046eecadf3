/*
 * --proxy-protocol: the first bytes of the connection are a PROXY header
 * from a load balancer (HAProxy), naming the real client.  Bytes that
 * arrive with it belong to the first request and go to the line buffer.
 * Anything else (no header, a malformed or over-long one) ends the
 * connection: without the header we cannot say who we serve.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include "handler.h"
#include "io.h"
#include "log.h"
#include "proxy.h"

static void
describe(const struct proxy_info *p, char *dst, size_t size)
{
	char port[ADDR_PORT_MAX];

	(void)snprintf(port, sizeof(port), "%u", (unsigned)p->src_port);	/* <= 65535 fits */
	addr_join(p->src_ip, port, dst, size);
}

int
proxyhdr_read(struct session *s)
{
	int64_t deadline = io_now_ms() + (int64_t)s->opt->timeout_s * 1000;
	uint8_t buf[PROXY_MAX];
	struct proxy_info p;
	size_t len = 0;
	int r = 0;

	while (r == 0) {
		ssize_t n;

		if ((r = io_wait(STDIN_FILENO, POLLIN, deadline)) <= 0) {
			log_msg(LOG_WARNING, r < 0 ? -r : 0, "%s: no PROXY header%s", s->peer,
			    r == 0 ? " before the timeout" : "");
			return -EPROTO;
		}
		n = read(STDIN_FILENO, buf + len, sizeof(buf) - len);
		if (n <= 0 && !(n == -1 && (errno == EINTR || errno == EAGAIN))) {
			log_msg(LOG_WARNING, n == 0 ? 0 : errno, "%s: connection ended before its PROXY header",
			    s->peer);
			return -EPROTO;
		}
		len += n > 0 ? (size_t)n : 0;
		r = proxy_parse(buf, len, &p);
	}
	if (r < 0) {
		log_msg(LOG_WARNING, 0, "%s: %s PROXY header, closing", s->peer,
		    r == -EMSGSIZE ? "over-long" : "missing or malformed");
		return -EPROTO;
	}
	if (!p.local)	/* LOCAL: the balancer's own health check; the socket's peer is the truth */
		describe(&p, s->peer, sizeof(s->peer));
	/* What followed the header is the start of the first request (at most PROXY_MAX bytes). */
	return line_feed(&s->in, buf + r, len - (size_t)r);
}
