/*
 * The service manager's side of filesvc-inetd: sockets passed by systemd
 * and sd_notify() messages.  notify.c is the only file that calls sd_*;
 * built without libsystemd, every function here is a harmless no-op.
 */
#ifndef FS_INETD_NOTIFY_H
#define FS_INETD_NOTIFY_H

#include <stdbool.h>

/* The first fd systemd passes (SD_LISTEN_FDS_START). */
#define NOTIFY_FDS_START	3

/*
 * How many sockets systemd passed, from fd NOTIFY_FDS_START on; LISTEN_*
 * is removed from the environment either way, so no child inherits it.
 * Returns n >= 0, or -EPROTONOSUPPORT when LISTEN_FDS is set but this
 * build has no libsystemd, or another -errno from sd_listen_fds().
 */
int notify_listen_fds(void);

/* Whether a service manager listens (NOTIFY_SOCKET set, libsystemd built in). */
bool notify_enabled(void);

/*
 * Send READY=1, STATUS=, STOPPING=1: status is the STATUS= text, or NULL.
 * Failures are not ours to act on (the manager may be gone): ignored.
 */
void notify_ready(const char *status);
void notify_status(const char *status);
void notify_stopping(const char *status);

#endif
