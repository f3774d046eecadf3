/*
 * sd-daemon glue, and the only place libsystemd is called.  Messages go
 * to NOTIFY_SOCKET, which stays in our environment for sd_notify() to
 * read each time; the children's environment leaves it out (spawn.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "notify.h"
#include "sv-config.h"

#if HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>

_Static_assert(NOTIFY_FDS_START == SD_LISTEN_FDS_START, "systemd's first passed fd");

int
notify_listen_fds(void)
{
	return sd_listen_fds(1);
}

bool
notify_enabled(void)
{
	return getenv("NOTIFY_SOCKET") != NULL;
}

static void
send_state(const char *state, const char *status)
{
	/* The manager being gone or busy is not our failure; serving goes on. */
	if (status == NULL)
		(void)sd_notify(0, state);
	else if (state == NULL)
		(void)sd_notifyf(0, "STATUS=%s", status);
	else
		(void)sd_notifyf(0, "%s\nSTATUS=%s", state, status);
}

#else

int
notify_listen_fds(void)
{
	bool passed = getenv("LISTEN_FDS") != NULL;

	(void)unsetenv("LISTEN_FDS");	/* only fails for a bad name */
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDNAMES");
	return passed ? -EPROTONOSUPPORT : 0;
}

bool
notify_enabled(void)
{
	return false;
}

static void
send_state(const char *state, const char *status)
{
	(void)state;
	(void)status;
}

#endif

void
notify_ready(const char *status)
{
	send_state("READY=1", status);
}

void
notify_status(const char *status)
{
	send_state(NULL, status);
}

void
notify_stopping(const char *status)
{
	send_state("STOPPING=1", status);
}
