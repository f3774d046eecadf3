/*
 * --proxy-protocol: each accepted connection first delivers a PROXY v1/v2
 * header naming the real client (from HAProxy, say), read here without
 * blocking inside the event loop, with a deadline.  The header's bytes
 * are untrusted: common/proxy.c parses them, bounded.  We peek, then take
 * exactly the header, so the child sees only the request stream.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fs-limits.h"
#include "inetd.h"
#include "io.h"
#include "log.h"
#include "proxy.h"

/* The timer fires by the oldest deadline; later ones are looked at then. */
static void
timer_update(struct supervisor *sv)
{
	struct pending *p = pending_oldest(&sv->pend);
	int64_t ms;

	if (p == NULL || sv->proxy_armed)
		return;
	ms = p->deadline_ms - io_now_ms();
	loop_timer_arm(sv->proxyfd, ms < 1 ? 1 : ms, false);	/* 0 would disarm it */
	sv->proxy_armed = true;
}

/* Forget p: out of the epoll set (a child may share the socket), out of the table. */
static int
release(struct supervisor *sv, struct pending *p)
{
	int fd = p->fd;

	if (epoll_ctl(sv->epfd, EPOLL_CTL_DEL, fd, NULL) == -1)
		log_msg(LOG_ERR, errno, "cannot remove fd %d from the epoll set", fd);
	pending_remove(&sv->pend, p);
	admit_changed(sv);	/* a -c slot is free again */
	return fd;
}

/* Close p with the one log line the issue asks for, naming the socket's peer. */
static void
unproxied_close(struct supervisor *sv, struct pending *p, int err, const char *why)
{
	struct addr_text t;
	char peer[ADDR_PEER_MAX] = "?";

	if (addr_format((const struct sockaddr *)&p->peer, p->peerlen, &t) == 0)
		addr_peer(&t, peer, sizeof(peer));
	log_msg(LOG_WARNING, err, "%s: %s: closed", peer, why);
	sv->unproxied++;
	io_close_unwritten(release(sv, p));
}

void
proxyin_accepted(struct supervisor *sv, uint32_t listener, int fd,
    const struct sockaddr_storage *ss, socklen_t len)
{
	struct pending *p = pending_add(&sv->pend, fd, io_now_ms() + SV_PROXY_DEADLINE_S * 1000);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET };

	if (p == NULL) {	/* the accept loop stops at the cap: cannot happen */
		log_msg(LOG_ERR, 0, "no slot for a connection waiting for its PROXY header");
		io_close_unwritten(fd);
		return;
	}
	p->listener = listener;
	p->peer = *ss;
	p->peerlen = len;
	/*
	 * Edge-triggered: we only peek, so the bytes stay queued and a
	 * level-triggered set would report them again and again while we
	 * wait for the rest of the header.  Each new segment is a new edge.
	 */
	ev.data.u64 = SV_TAG_PENDING + pending_index(&sv->pend, p);
	if (epoll_ctl(sv->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		log_msg(LOG_ERR, errno, "cannot add a connection to the epoll set");
		pending_remove(&sv->pend, p);
		io_close_unwritten(fd);
		return;
	}
	timer_update(sv);
	admit_changed(sv);
}

/* The header is taken: start the child for the client it names. */
static void
start(struct supervisor *sv, struct pending *p, const struct proxy_info *info)
{
	struct sockaddr_storage ss = p->peer;
	socklen_t len = p->peerlen;
	const struct listener *l = &sv->ls[p->listener];	/* kept after listen_close() */
	int fd, r;

	/* LOCAL is the balancer's own health check: the socket's peer is the truth. */
	if (!info->local &&
	    (r = addr_from_ip(info->family, info->src_ip, info->src_port, &ss, &len)) < 0) {
		unproxied_close(sv, p, -r, "unusable address in PROXY header");
		return;
	}
	fd = release(sv, p);
	/* The child gets the socket as it would without the option: blocking. */
	if ((r = io_set_nonblock(fd, 0)) < 0) {
		log_msg(LOG_ERR, -r, "cannot make a connection blocking");
		io_close_unwritten(fd);
		return;
	}
	admit_conn(sv, l, fd, &ss, len);
}

/*
 * events: EPOLLRDHUP says the client has sent all it will; a header still
 * incomplete then never will be (the bytes we only peeked at hide the end
 * of the stream from recv()).
 */
void
proxyin_event(struct supervisor *sv, uint64_t idx, uint32_t events)
{
	struct pending *p = pending_at(&sv->pend, idx);
	uint8_t buf[PROXY_MAX];
	struct proxy_info info;
	ssize_t n;
	int r;

	if (p == NULL)
		return;	/* stale: dropped earlier in this batch of events */
	n = recv(p->fd, buf, sizeof(buf), MSG_PEEK);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		unproxied_close(sv, p, n == 0 ? 0 : errno, "connection ended before its PROXY header");
		return;
	}
	/* 0: a prefix of a header; the next segment is a new edge, the deadline bounds it. */
	if ((r = proxy_parse(buf, (size_t)n, &info)) == 0) {
		if (events & EPOLLRDHUP)
			unproxied_close(sv, p, 0, "connection ended before its PROXY header");
		return;
	}
	if (r < 0) {
		unproxied_close(sv, p, 0, r == -EMSGSIZE ? "over-long PROXY header" :
		    "missing or malformed PROXY header");
		return;
	}
	/* Exactly the header: the bytes after it are the first request, the child's. */
	if ((n = recv(p->fd, buf, (size_t)r, 0)) != r) {
		unproxied_close(sv, p, n == -1 ? errno : 0, "cannot read its PROXY header");
		return;
	}
	start(sv, p, &info);
}

void
proxyin_expire(struct supervisor *sv)
{
	int64_t now = io_now_ms();
	struct pending *p;
	char why[64];

	loop_timer_drain(sv->proxyfd);
	sv->proxy_armed = false;
	(void)snprintf(why, sizeof(why), "no PROXY header within %d s", SV_PROXY_DEADLINE_S);
	while ((p = pending_oldest(&sv->pend)) != NULL && p->deadline_ms <= now)
		unproxied_close(sv, p, 0, why);
	timer_update(sv);
}

/* The grace time is over: connections still without a header will not be served. */
void
proxyin_close_all(struct supervisor *sv)
{
	struct pending *p;

	while ((p = pending_oldest(&sv->pend)) != NULL)
		unproxied_close(sv, p, 0, "shutting down before its PROXY header");
}
