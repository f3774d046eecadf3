/*
 * The fork-server protocol's request: packing and splitting the
 * connection's variables, and the datagram that carries them with the
 * connection's fd.  Both ends are ours, but the splitter still checks
 * every byte: a bad request costs one connection, never the server.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forkserver.h"
#include "io.h"

static bool
name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool
name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

/* Length of the NAME in "NAME=VALUE" (up to len bytes), or 0 if it is not one. */
static size_t
var_name_len(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !name_start(s[0]))
		return 0;
	for (i = 1; i < len && name_char(s[i]); i++)
		continue;
	return i < len && s[i] == '=' ? i : 0;
}

ssize_t
forkserver_vars_pack(const char *const vars[], size_t n, char *buf, size_t size)
{
	size_t i, off = 0;

	if (n > FORKSERVER_VARS_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		size_t len = strlen(vars[i]);

		if (var_name_len(vars[i], len) == 0)
			return -EINVAL;
		if (len + 1 > size - off)
			return -ENOBUFS;
		memcpy(buf + off, vars[i], len + 1);
		off += len + 1;
	}
	return (ssize_t)off;
}

int
forkserver_vars_split(char *buf, size_t len, char *out[], size_t max)
{
	size_t off = 0, n = 0;

	while (off < len) {
		const char *end = memchr(buf + off, '\0', len - off);
		size_t vlen;

		if (end == NULL || n == max)
			return -EINVAL;
		vlen = (size_t)(end - (buf + off));
		if (var_name_len(buf + off, vlen) == 0)
			return -EINVAL;
		out[n++] = buf + off;
		off += vlen + 1;
	}
	return (int)n;
}

int
forkserver_send(int sock, int conn, const char *vars, size_t len)
{
	union {
		char		buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} u = { .buf = { 0 } };
	/* A datagram of 0 bytes would read as the end: send at least the NUL. */
	struct iovec iov = { .iov_base = (void *)(len > 0 ? vars : ""), .iov_len = len > 0 ? len : 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &conn, sizeof(int));
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) == -1)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* Close every fd a received message holds; returns how many there were. */
static size_t
fds_close(struct msghdr *msg, int *first)
{
	struct cmsghdr *c;
	size_t n = 0;

	*first = -1;
	for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		size_t i, k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++, n++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (n == 0)
				*first = fd;
			else
				io_close_unwritten(fd);
		}
	}
	return n;
}

int
forkserver_recv(int sock, char *buf, size_t size, size_t *ret_len, int *ret_conn)
{
	union {
		char		buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr	align;
	} u;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	ssize_t n;
	int conn;

	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) == -1)
		if (errno != EINTR)
			return -errno;
	if (n == 0 && msg.msg_controllen == 0)
		return 0;
	if (fds_close(&msg, &conn) != 1 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
		if (conn >= 0)
			io_close_unwritten(conn);
		return -EBADMSG;
	}
	/* The sender's lone NUL for no variables. */
	*ret_len = n == 1 && buf[0] == '\0' ? 0 : (size_t)n;
	*ret_conn = conn;
	return 1;
}
