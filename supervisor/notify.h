/*
 * The service manager's side of filesvc-inetd: sockets passed by systemd
 * and sd_notify() messages.  notify.c is the only file that calls sd_*.
 * libsystemd is loaded (dlopen) only when a service manager started us:
 * run on its own, filesvc-inetd maps none of it.  Built without
 * libsystemd, every function here is a harmless no-op.
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
	int	(*send)(int unset_environment, const char *state);
	bool	 enabled;			/* a manager reads our messages */
};

/*
 * Load libsystemd if LISTEN_FDS or NOTIFY_SOCKET is set.  Returns 0
 * (loaded, or not needed), or -ELIBACC when LISTEN_FDS is set and the
 * library cannot be loaded (logged, with the loader's reason); without
 * NOTIFY_SOCKET's library we only warn and serve on without notifying.
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

/* Whether a service manager listens (NOTIFY_SOCKET set, libsystemd loaded). */
bool notify_enabled(const struct notify *n);

/*
 * Send READY=1, STATUS=, STOPPING=1: status is the STATUS= text, or NULL.
 * Failures are not ours to act on (the manager may be gone): ignored.
 */
void notify_ready(const struct notify *n, const char *status);
void notify_status(const struct notify *n, const char *status);
void notify_stopping(const struct notify *n, const char *status);

#endif
