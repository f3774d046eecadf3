/*
 * load: the benchmark's load generator.  One thread, one epoll set, N
 * connections to ADDR:PORT with at most C open at once.  Each sends one
 * request, half-closes (unless -k), reads the whole answer until EOF and checks its
 * length: a filesvc answer (`OK n ...` LF, then exactly n bytes) or an
 * HTTP one (a body of exactly -e bytes).  Prints one line of key=value.
 * Not part of filesvc; it trusts nothing it reads but only counts bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX	4096		/* bytes of each answer kept to find its header */
#define READ_BUF	(256u * 1024)

struct conn {
	int		 fd;
	bool		 sent;
	size_t		 head_len;
	uint64_t	 total;
	double		 start;
	char		 head[HEAD_MAX];
};

struct load {
	struct sockaddr_in	 sa;
	const char		*req;
	size_t			 req_len;
	unsigned		 n, c;
	int64_t			 expect;	/* body bytes, -1: take the OK header's word */
	bool			 trailing_ok;	/* bytes after the body (xinetd: stderr is the socket) */
	bool			 keep_writing;	/* no half-close: nginx takes it for an abort */
	double			 timeout_s;
	int			 epfd;
	struct conn		*conns;
	unsigned		 started, done, errors;
	double			*lat;		/* seconds, one per finished connection */
	uint64_t		 body_bytes;
	char			 buf[READ_BUF];
};

static double
now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		abort();	/* cannot happen with CLOCK_MONOTONIC */
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Turn "\n", "\r" and "\\" into the bytes, in place; returns the length. */
static size_t
unescape(char *s)
{
	size_t i, n = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\\' && (s[i + 1] == 'n' || s[i + 1] == 'r' || s[i + 1] == '\\')) {
			i++;
			s[n++] = s[i] == 'n' ? '\n' : (s[i] == 'r' ? '\r' : '\\');
		} else {
			s[n++] = s[i];
		}
	}
	s[n] = '\0';
	return n;
}

static int
conn_open(struct load *l, struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	*c = (struct conn){ .fd = -1, .start = now() };
	l->started++;
	if (fd == -1)
		return -errno;
	if (connect(fd, (struct sockaddr *)&l->sa, sizeof(l->sa)) == -1 && errno != EINPROGRESS) {
		(void)close(fd);
		return -errno;
	}
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		(void)close(fd);
		return -errno;
	}
	c->fd = fd;
	return 0;
}

/* The body length the answer promised, or -1 if the header is not (yet) there. */
static int64_t
promised(const struct load *l, const struct conn *c, size_t *ret_hlen)
{
	const char *lf, *end;
	uint64_t v = 0;
	size_t i;

	if (c->head_len >= 5 && memcmp(c->head, "HTTP/", 5) == 0) {
		end = memmem(c->head, c->head_len, "\r\n\r\n", 4);
		if (end == NULL)
			return -1;
		*ret_hlen = (size_t)(end - c->head) + 4;
		return l->expect;
	}
	if (c->head_len < 3 || memcmp(c->head, "OK ", 3) != 0 ||
	    (lf = memchr(c->head, '\n', c->head_len)) == NULL)
		return -1;
	for (i = 3; c->head[i] >= '0' && c->head[i] <= '9' && v < UINT64_MAX / 10; i++)
		v = v * 10 + (uint64_t)(c->head[i] - '0');
	*ret_hlen = (size_t)(lf - c->head) + 1;
	if (i == 3 || (l->expect >= 0 && v != (uint64_t)l->expect))
		return -1;
	return (int64_t)v;
}

static bool
answer_ok(const struct load *l, const struct conn *c)
{
	size_t hlen = 0;
	int64_t body = promised(l, c, &hlen);

	if (body < 0 || c->total < hlen + (uint64_t)body)
		return false;
	return l->trailing_ok || c->total == hlen + (uint64_t)body;
}

static void
conn_end(struct load *l, struct conn *c, bool ok)
{
	size_t hlen = 0;
	int64_t body;

	(void)close(c->fd);	/* closing drops it from the epoll set */
	c->fd = -1;
	ok = ok && answer_ok(l, c);
	if (ok) {
		body = promised(l, c, &hlen);
		l->body_bytes += (uint64_t)body;
		l->lat[l->done - l->errors] = now() - c->start;
	} else {
		l->errors++;
	}
	l->done++;
	while (l->started < l->n && conn_open(l, c) < 0) {
		l->errors++;
		l->done++;
	}
}

static void
conn_send(struct load *l, struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	ssize_t n = send(c->fd, l->req, l->req_len, MSG_NOSIGNAL);

	/* A request is far below the socket buffer: one send, or the connection failed. */
	if (n != (ssize_t)l->req_len || (!l->keep_writing && shutdown(c->fd, SHUT_WR) == -1) ||
	    epoll_ctl(l->epfd, EPOLL_CTL_MOD, c->fd, &ev) == -1) {
		conn_end(l, c, false);
		return;
	}
	c->sent = true;
}

static void
conn_read(struct load *l, struct conn *c)
{
	for (;;) {
		ssize_t n = read(c->fd, l->buf, sizeof(l->buf));

		if (n > 0) {
			size_t keep = HEAD_MAX - c->head_len;

			if (keep > (size_t)n)
				keep = (size_t)n;
			memcpy(c->head + c->head_len, l->buf, keep);
			c->head_len += keep;
			c->total += (uint64_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		conn_end(l, c, n == 0);
		return;
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
report(struct load *l, double secs)
{
	unsigned ok = l->done - l->errors, i;
	double p50 = 0, p99 = 0;

	for (i = 0; i < l->c; i++)
		if (l->conns[i].fd != -1)
			l->errors++;	/* still open at the deadline */
	if (ok > 0) {
		qsort(l->lat, ok, sizeof(*l->lat), cmp_double);
		p50 = l->lat[(ok - 1) / 2];
		p99 = l->lat[(size_t)((ok - 1) * 0.99)];
	}
	printf("conns=%u errors=%u secs=%.3f conn_per_s=%.1f p50_ms=%.3f p99_ms=%.3f "
	    "bytes_per_s=%.0f gb_per_s=%.3f\n", ok, l->errors, secs, ok / secs, p50 * 1e3,
	    p99 * 1e3, (double)l->body_bytes / secs, (double)l->body_bytes / secs / 1e9);
}

static int
run(struct load *l)
{
	struct epoll_event ev[64];
	double t0 = now(), deadline = t0 + l->timeout_s;
	unsigned i;
	int n, k;

	for (i = 0; i < l->c && l->started < l->n; i++)
		if (conn_open(l, &l->conns[i]) < 0) {
			l->errors++;
			l->done++;
		}
	while (l->done < l->n && now() < deadline) {
		if ((n = epoll_wait(l->epfd, ev, 64, 100)) == -1) {
			if (errno == EINTR)
				continue;
			perror("load: epoll_wait");
			return 1;
		}
		for (k = 0; k < n; k++) {
			struct conn *c = ev[k].data.ptr;

			if (c->fd == -1)
				continue;
			if (!c->sent && (ev[k].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
				conn_send(l, c);
			else if (c->sent)
				conn_read(l, c);
		}
	}
	report(l, now() - t0);
	return l->errors == 0 ? 0 : 1;
}

static int
usage(int status)
{
	fputs("Usage: load -p PORT [-a IPV4] [-n CONNS] [-c CONCURRENCY] [-q REQUEST] [-e BYTES]\n"
	    "            [-x] [-k] [-t SECONDS] [-1]\n"
	    "  -q REQUEST  sent as is after \\n, \\r, \\\\ are decoded (default \"GET /1k\\n\")\n"
	    "  -e BYTES    expected body length (needed for HTTP answers)\n"
	    "  -x          allow bytes after the promised body\n"
	    "  -k          do not half-close after the request (the server must close)\n"
	    "  -1          one download (-n 1 -c 1): read gb_per_s\n", status ? stderr : stdout);
	return status;
}

int
main(int argc, char *argv[])
{
	static struct load l = { .n = 1000, .c = 1, .expect = -1, .timeout_s = 60 };
	static char defreq[] = "GET /1k\\n";
	char *req = defreq;
	int opt, port = 0;

	l.sa = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	while ((opt = getopt(argc, argv, "a:p:n:c:q:e:xkt:1h")) != -1) {
		switch (opt) {
		case 'a':
			if (inet_pton(AF_INET, optarg, &l.sa.sin_addr) != 1)
				return usage(2);
			break;
		case 'p': port = atoi(optarg); break;
		case 'n': l.n = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'c': l.c = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'q': req = optarg; break;
		case 'e': l.expect = strtoll(optarg, NULL, 10); break;
		case 'x': l.trailing_ok = true; break;
		case 'k': l.keep_writing = true; break;
		case 't': l.timeout_s = strtod(optarg, NULL); break;
		case '1': l.n = l.c = 1; break;
		case 'h': return usage(0);
		default: return usage(2);
		}
	}
	if (port <= 0 || port > 65535 || l.n == 0 || l.c == 0 || l.timeout_s <= 0)
		return usage(2);
	if (l.c > l.n)
		l.c = l.n;
	l.sa.sin_port = htons((uint16_t)port);
	l.req_len = unescape(req);
	l.req = req;
	l.conns = calloc(l.c, sizeof(*l.conns));
	l.lat = calloc(l.n, sizeof(*l.lat));
	if (l.conns == NULL || l.lat == NULL || (l.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("load");
		return 1;
	}
	for (unsigned i = 0; i < l.c; i++)
		l.conns[i].fd = -1;
	return run(&l);
}
