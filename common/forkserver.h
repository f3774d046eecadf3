/*
 * The fork-server protocol: how filesvc-inetd --fork-server asks a
 * resident command (filesvc-tlsd) for each connection's process instead
 * of exec'ing one.  A command that pays a costly set-up per process
 * (OpenSSL 3's) pays it once, then clones itself per connection.
 *
 * filesvc-inetd creates an AF_UNIX SOCK_SEQPACKET socketpair and starts
 * the command once with the server's end on fd FORKSERVER_FD and
 * FORKSERVER_ENV=<that fd> in its environment.  The command sets itself
 * up and sends FORKSERVER_READY as its first datagram.  Then, one at a
 * time:
 *   request: one datagram whose SCM_RIGHTS hold exactly one fd, the
 *            connection, and whose payload (at most FORKSERVER_REQUEST_MAX
 *            bytes) is the connection's variables, each NAME=VALUE ended
 *            by '\0' (TCPREMOTEIP=..., as filesvc-inetd sets for a spawn);
 *   reply:   one datagram, a struct forkserver_reply.
 * The server clones itself with CLONE_PARENT, so the connection's process
 * is filesvc-inetd's child, reaped and counted as a spawned one is.  When
 * filesvc-inetd closes its end the server exits 0.
 */
#ifndef FS_FORKSERVER_H
#define FS_FORKSERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FORKSERVER_ENV		"FILESVC_FORK_SERVER"
#define FORKSERVER_FD		3
#define FORKSERVER_READY	"filesvc-fork-server 1"
#define FORKSERVER_REQUEST_MAX	4096
#define FORKSERVER_VARS_MAX	32

struct forkserver_reply {
	int32_t	pid;	/* > 0: the connection's process, a child of the requester */
	int32_t	err;	/* when pid is 0: the errno of why there is none */
};

/*
 * Pack n "NAME=VALUE" strings into buf as the request payload.  Returns
 * its length, or -EINVAL (an entry that is not NAME=VALUE, too many) or
 * -ENOBUFS (more than size bytes).
 */
ssize_t forkserver_vars_pack(const char *const vars[], size_t n, char *buf, size_t size);

/*
 * Split a request payload of len bytes into at most max entries, each
 * a NAME=VALUE (NAME: a letter or '_', then letters, digits, '_') ended
 * by '\0'; out[] points into buf.  Returns the count, or -EINVAL.
 */
int forkserver_vars_split(char *buf, size_t len, char *out[], size_t max);

/* Send a request: conn and the packed variables.  Returns 0 or -errno. */
int forkserver_send(int sock, int conn, const char *vars, size_t len);

/*
 * Receive a request into buf (size bytes): *ret_conn gets its fd
 * (close-on-exec), *ret_len the payload's length.  Returns 1, 0 at the
 * end (the requester closed its end), or -errno: -EBADMSG for a
 * datagram that does not hold exactly one fd or was cut, whose fds are
 * closed.
 */
int forkserver_recv(int sock, char *buf, size_t size, size_t *ret_len, int *ret_conn);

#endif
