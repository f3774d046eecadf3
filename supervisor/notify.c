/*
 * sd-daemon glue, and the only place libsystemd is called.  Messages go
 * to NOTIFY_SOCKET, which stays in our environment for sd_notify() to
 * read each time; the children's environment leaves it out (spawn.c).
 *
 * libsystemd and what it links (libgcrypt, liblzma, libzstd, liblz4,
 * libcap) were 1.2 of filesvc-inetd's 2.9 MiB resident: so they are
 * loaded only when a service manager started us, and a host without
 * systemd need not have them at all.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "notify.h"
#include "sv-config.h"

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
	bool fds = getenv("LISTEN_FDS") != NULL, sock = getenv("NOTIFY_SOCKET") != NULL;
	const char *why;

	*n = (struct notify){ 0 };
	if (!fds && !sock)
		return 0;
	if ((n->lib = dlopen(NOTIFY_LIBSYSTEMD, RTLD_NOW | RTLD_LOCAL)) != NULL) {
		symbol(n->lib, "sd_listen_fds", &n->listen_fds, sizeof(n->listen_fds));
		symbol(n->lib, "sd_notify", &n->send, sizeof(n->send));
		if (n->listen_fds != NULL && n->send != NULL) {
			n->enabled = sock;
			return 0;
		}
	}
	why = dlerror();
	notify_close(n);
	if (fds) {
		log_msg(LOG_ERR, 0, "LISTEN_FDS is set, but %s cannot be loaded: %s",
		    NOTIFY_LIBSYSTEMD, why != NULL ? why : "unknown error");
		return -ELIBACC;
	}
	log_msg(LOG_WARNING, 0, "cannot load %s (%s): not notifying the service manager",
	    NOTIFY_LIBSYSTEMD, why != NULL ? why : "unknown error");
	return 0;
}

void
notify_close(struct notify *n)
{
	if (n->lib != NULL)
		(void)dlclose(n->lib);	/* only fails for a handle we do not hold */
	*n = (struct notify){ 0 };
}

int
notify_listen_fds(const struct notify *n)
{
	return n->listen_fds != NULL ? n->listen_fds(1) : 0;
}

bool
notify_enabled(const struct notify *n)
{
	return n->enabled;
}

static void
send_state(const struct notify *n, const char *state, const char *status)
{
	char msg[512];

	if (!n->enabled)
		return;
	if (status == NULL)
		(void)snprintf(msg, sizeof(msg), "%s", state);
	else
		(void)snprintf(msg, sizeof(msg), "%s%sSTATUS=%s", state != NULL ? state : "",
		    state != NULL ? "\n" : "", status);
	/* The manager being gone or busy is not our failure; serving goes on. */
	(void)n->send(0, msg);
}

#else

int
notify_open(struct notify *n)
{
	*n = (struct notify){ 0 };
	return 0;
}

void
notify_close(struct notify *n)
{
	(void)n;
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

bool
notify_enabled(const struct notify *n)
{
	(void)n;
	return false;
}

static void
send_state(const struct notify *n, const char *state, const char *status)
{
	(void)n;
	(void)state;
	(void)status;
}

#endif

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
