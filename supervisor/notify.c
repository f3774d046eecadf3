/*
 * The service manager's side: sockets systemd passes (sd_listen_fds, the
 * only libsystemd call), and readiness messages to NOTIFY_SOCKET.
 *
 * NOTIFY_SOCKET is connected once, at start-up: sd_notify() connects
 * anew for each message, which fails once -u has dropped root when the
 * socket is root's (start-stop-daemon --notify-await makes it in a 0700
 * directory).  The protocol is one datagram of NAME=VALUE lines, which
 * also works in a build without libsystemd.  The variable stays in our
 * environment; the children's leaves it out (spawn.c).
 *
 * libsystemd and what it links (libgcrypt, liblzma, libzstd, liblz4,
 * libcap) are a large share of filesvc-inetd's resident memory
 * (bench/results/2026-12-07-0551-vm.md, section 4, has filesvc-inetd
 * standalone and started by systemd side by side): so it is loaded
 * only when a service manager passed sockets, and a host without systemd
 * need not have it at all.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "notify.h"
#include "sv-config.h"

/*
 * Connect to NOTIFY_SOCKET, a path or "@abstract".  Returns the fd, or
 * -errno (-EINVAL for a name that does not fit).
 */
static int
notify_connect(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	socklen_t salen;
	int fd, e;

	if ((name[0] != '/' && name[0] != '@') || len < 2 || len >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, name, len);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (name[0] == '/'));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, salen) == -1) {
		e = errno;
		io_close_unwritten(fd);
		return -e;
	}
	return fd;
}

static void
notify_socket_open(struct notify *n)
{
	const char *name = getenv("NOTIFY_SOCKET");
	int fd;

	if (name == NULL)
		return;
	if ((fd = notify_connect(name)) < 0) {
		log_msg(LOG_WARNING, -fd, "cannot connect to NOTIFY_SOCKET %s: not notifying the "
		    "service manager", name);
		return;
	}
	n->fd = fd;
}

#if HAVE_LIBSYSTEMD
#include <dlfcn.h>
#include <systemd/sd-daemon.h>

_Static_assert(NOTIFY_FDS_START == SD_LISTEN_FDS_START, "systemd's first passed fd");

/*
 * dlsym() returns a void *; POSIX guarantees it holds a function's
 * address, ISO C has no cast for it: copy the bytes.
 */
static void
symbol(void *lib, const char *name, void *fn, size_t size)
{
	void *sym = dlsym(lib, name);

	_Static_assert(sizeof(sym) == sizeof(int (*)(int)), "function and object pointers");
	memcpy(fn, &sym, size);
}

int
notify_open(struct notify *n)
{
	const char *why;

	*n = (struct notify){ .fd = -1 };
	notify_socket_open(n);
	if (getenv("LISTEN_FDS") == NULL)
		return 0;
	if ((n->lib = dlopen(NOTIFY_LIBSYSTEMD, RTLD_NOW | RTLD_LOCAL)) != NULL) {
		symbol(n->lib, "sd_listen_fds", &n->listen_fds, sizeof(n->listen_fds));
		if (n->listen_fds != NULL)
			return 0;
	}
	why = dlerror();
	log_msg(LOG_ERR, 0, "LISTEN_FDS is set, but %s cannot be loaded: %s", NOTIFY_LIBSYSTEMD,
	    why != NULL ? why : "unknown error");
	notify_close(n);
	return -ELIBACC;
}

void
notify_close(struct notify *n)
{
	if (n->lib != NULL)
		(void)dlclose(n->lib);	/* only fails for a handle we do not hold */
	if (n->fd >= 0)
		io_close_unwritten(n->fd);
	*n = (struct notify){ .fd = -1 };
}

int
notify_listen_fds(const struct notify *n)
{
	return n->listen_fds != NULL ? n->listen_fds(1) : 0;
}

#else

int
notify_open(struct notify *n)
{
	*n = (struct notify){ .fd = -1 };
	notify_socket_open(n);
	return 0;
}

void
notify_close(struct notify *n)
{
	if (n->fd >= 0)
		io_close_unwritten(n->fd);
	*n = (struct notify){ .fd = -1 };
}

int
notify_listen_fds(const struct notify *n)
{
	bool passed = getenv("LISTEN_FDS") != NULL;

	(void)n;
	(void)unsetenv("LISTEN_FDS");	/* only fails for a bad name */
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDNAMES");
	return passed ? -EPROTONOSUPPORT : 0;
}

#endif

bool
notify_enabled(const struct notify *n)
{
	return n->fd >= 0;
}

static void
send_state(const struct notify *n, const char *state, const char *status)
{
	char msg[512];
	int len;

	if (n->fd < 0)
		return;
	if (status == NULL)
		len = snprintf(msg, sizeof(msg), "%s", state);
	else
		len = snprintf(msg, sizeof(msg), "%s%sSTATUS=%s", state != NULL ? state : "",
		    state != NULL ? "\n" : "", status);
	if (len < 0)
		return;
	/* The manager being gone or busy is not our failure; serving goes on. */
	(void)send(n->fd, msg, (size_t)len < sizeof(msg) ? (size_t)len : sizeof(msg) - 1,
	    MSG_DONTWAIT | MSG_NOSIGNAL);
}

void
notify_ready(const struct notify *n, const char *status)
{
	send_state(n, "READY=1", status);
}

void
notify_status(const struct notify *n, const char *status)
{
	send_state(n, NULL, status);
}

void
notify_stopping(const struct notify *n, const char *status)
{
	send_state(n, "STOPPING=1", status);
}
