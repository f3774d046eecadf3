/*
 * The service manager's side of filesvc-inetd: sockets passed by systemd
 * and readiness messages (systemd, start-stop-daemon --notify-await, s6).
 * notify.c is the only file that calls sd_*.  libsystemd is loaded
 * (dlopen) only when systemd passed sockets: run on its own, filesvc-inetd
 * maps none of it.  Built without libsystemd, LISTEN_FDS is refused.
 */
#ifndef FS_INETD_NOTIFY_H
#define FS_INETD_NOTIFY_H

#include <stdbool.h>

/* The first fd systemd passes (SD_LISTEN_FDS_START). */
#define NOTIFY_FDS_START	3

/* The library, as the dynamic linker knows it (its ABI has kept this name since 2014). */
#define NOTIFY_LIBSYSTEMD	"libsystemd.so.0"

struct notify {
	void	*lib;				/* NULL: not loaded */
	int	(*listen_fds)(int unset_environment);
	int	 fd;				/* NOTIFY_SOCKET, connected; -1: none */
};

/*
 * Connect to NOTIFY_SOCKET if it is set (before dropping privileges: the
 * socket may be root's; a failure is logged, and we serve on without
 * notifying), and load libsystemd if LISTEN_FDS is set.  Returns 0, or
 * -ELIBACC when LISTEN_FDS is set and the library cannot be loaded
 * (logged, with the loader's reason).
 */
int notify_open(struct notify *n);
void notify_close(struct notify *n);

/*
 * How many sockets systemd passed, from fd NOTIFY_FDS_START on; LISTEN_*
 * is removed from the environment either way, so no child inherits it.
 * Returns n >= 0, or -EPROTONOSUPPORT when LISTEN_FDS is set but this
 * build has no libsystemd, or another -errno from sd_listen_fds().
 */
int notify_listen_fds(const struct notify *n);

/* Whether a service manager listens (NOTIFY_SOCKET set and connected). */
bool notify_enabled(const struct notify *n);

/*
 * Send READY=1, STATUS=, STOPPING=1: status is the STATUS= text, or NULL.
 * Failures are not ours to act on (the manager may be gone): ignored.
 */
void notify_ready(const struct notify *n, const char *status);
void notify_status(const struct notify *n, const char *status);
void notify_stopping(const struct notify *n, const char *status);

#endif
