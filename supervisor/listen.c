/*
 * Listening sockets: the ones -l names, bound here, and the ones systemd
 * passes (LISTEN_FDS).  All are non-blocking and close-on-exec, so no
 * child ever holds one.  Failures here are startup failures: die().
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fs-limits.h"
#include "inetd.h"
#include "io.h"
#include "log.h"
#include "notify.h"

static void
listener_add(struct supervisor *sv, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct listener *l;
	int r;

	if (sv->nls == SV_LISTEN_MAX)
		die(FS_EXIT_FAIL, 0, "too many listening sockets (at most %d)", SV_LISTEN_MAX);
	l = &sv->ls[sv->nls++];
	l->fd = fd;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		die(FS_EXIT_FAIL, errno, "cannot read the address of listening fd %d", fd);
	if ((r = addr_format((struct sockaddr *)&ss, len, &l->local)) < 0)
		die(FS_EXIT_FAIL, -r, "listening fd %d is not an IPv4 or IPv6 socket", fd);
	addr_peer(&l->local, l->name, sizeof(l->name));
	/* A wildcard socket's connections differ in local address: ask per accept. */
	l->local_known = !addr_is_any((struct sockaddr *)&ss, len);
	log_msg(LOG_NOTICE, 0, "listening on %s", l->name);
}

static int
set_flag(int fd, int level, int name)
{
	int one = 1;

	return setsockopt(fd, level, name, &one, sizeof(one)) == -1 ? -errno : 0;
}

/* One bound, listening socket for ai, or -errno. */
static int
bind_one(const struct addrinfo *ai, const struct options *opt)
{
	int fd, r;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		return -errno;
	r = set_flag(fd, SOL_SOCKET, SO_REUSEADDR);
	if (r == 0 && opt->reuseport)
		r = set_flag(fd, SOL_SOCKET, SO_REUSEPORT);
	/* "*:70" binds 0.0.0.0 and :: side by side: :: must not claim IPv4 too. */
	if (r == 0 && ai->ai_family == AF_INET6)
		r = set_flag(fd, IPPROTO_IPV6, IPV6_V6ONLY);
	if (r == 0 && bind(fd, ai->ai_addr, ai->ai_addrlen) == -1)
		r = -errno;
	if (r == 0 && listen(fd, (int)opt->backlog) == -1)
		r = -errno;
	if (r < 0) {
		io_close_unwritten(fd);
		return r;
	}
	return fd;
}

static void
name_of(const struct addrinfo *ai, char *dst, size_t size)
{
	struct addr_text t;

	if (addr_format(ai->ai_addr, ai->ai_addrlen, &t) < 0)
		(void)snprintf(dst, size, "?");
	else
		addr_peer(&t, dst, size);
}

static void
listen_arg(struct supervisor *sv, const char *arg)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	    .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
	struct addr_spec spec;
	char port[ADDR_PORT_MAX], name[ADDR_PEER_MAX];
	size_t bound = 0;
	int r;

	if (addr_parse_listen(arg, &spec) < 0)	/* options_parse() checked it */
		die(FS_EXIT_USAGE, 0, "invalid listen address '%s'", arg);
	(void)snprintf(port, sizeof(port), "%u", spec.port);
	if ((r = getaddrinfo(spec.any ? NULL : spec.host, port, &hints, &res)) != 0)
		die(FS_EXIT_FAIL, r == EAI_SYSTEM ? errno : 0, "cannot resolve %s: %s", arg,
		    gai_strerror(r));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		int fd = bind_one(ai, sv->opt);

		name_of(ai, name, sizeof(name));
		/* "*" means the families this host has: one missing is no error. */
		if (spec.any && (fd == -EAFNOSUPPORT || fd == -EADDRNOTAVAIL)) {
			log_msg(LOG_NOTICE, -fd, "skipping %s", name);
			continue;
		}
		if (fd < 0)
			die(FS_EXIT_FAIL, -fd, "cannot bind %s", name);
		listener_add(sv, fd);
		bound++;
	}
	freeaddrinfo(res);
	if (bound == 0)
		die(FS_EXIT_FAIL, 0, "cannot bind %s: no usable address", arg);
}

static bool
sockopt_is(int fd, int name, int want)
{
	int v;
	socklen_t len = sizeof(v);

	return getsockopt(fd, SOL_SOCKET, name, &v, &len) == 0 && v == want;
}

/* Take the sockets systemd passed; LISTEN_* leaves the environment either way. */
static void
listen_adopt(struct supervisor *sv)
{
	int n = notify_listen_fds(&sv->nt), fd, r;

	if (n == -EPROTONOSUPPORT) {
		log_msg(LOG_WARNING, 0, "ignoring LISTEN_FDS: built without libsystemd");
		return;
	}
	if (n < 0)
		die(FS_EXIT_FAIL, -n, "cannot take the sockets systemd passed");
	for (fd = NOTIFY_FDS_START; fd < NOTIFY_FDS_START + n; fd++) {
		if (!sockopt_is(fd, SO_ACCEPTCONN, 1) || !sockopt_is(fd, SO_TYPE, SOCK_STREAM) ||
		    !(sockopt_is(fd, SO_DOMAIN, AF_INET) || sockopt_is(fd, SO_DOMAIN, AF_INET6)))
			die(FS_EXIT_FAIL, 0, "fd %d from systemd is not a listening TCP socket "
			    "(Accept=no, ListenStream= wanted)", fd);
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
			die(FS_EXIT_FAIL, errno, "cannot set close-on-exec on fd %d", fd);
		if ((r = io_set_nonblock(fd, 1)) < 0)
			die(FS_EXIT_FAIL, -r, "cannot make fd %d non-blocking", fd);
		listener_add(sv, fd);
	}
}

void
listen_setup(struct supervisor *sv)
{
	size_t i;

	listen_adopt(sv);
	for (i = 0; i < sv->opt->nlisten; i++)
		listen_arg(sv, sv->opt->listen[i]);
	if (sv->nls == 0)
		die(FS_EXIT_FAIL, 0, "no listening sockets: give -l ADDRESS, or start under "
		    "systemd socket activation");
}

void
listen_close(struct supervisor *sv)
{
	size_t i;

	/* Closing also drops each from the epoll set; the backlog is reset. */
	for (i = 0; i < sv->nls; i++)
		io_close_unwritten(sv->ls[i].fd);
	sv->nls = 0;
}
