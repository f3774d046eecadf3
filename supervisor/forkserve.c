/*
 * --fork-server, as the supervisor lives with it: the server started
 * before we serve, its exit reaped and logged (it is our child, never a
 * connection), a new one started at most once per FORKSERVE_RESTART_MS,
 * and our end closed when we stop.  The connections it started are our
 * children too (CLONE_PARENT): they outlive it and are reaped as usual.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "forkserver.h"
#include "fs-limits.h"
#include "inetd.h"
#include "io.h"
#include "log.h"

/* "exited with status N" or "was killed by signal N (NAME)", for a wait status. */
static void
status_text(int status, char *dst, size_t size)
{
	if (WIFSIGNALED(status))
		(void)snprintf(dst, size, "was killed by signal %d (%s)", WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else
		(void)snprintf(dst, size, "exited with status %d", WEXITSTATUS(status));
}

/* Start one and say how that went; 0, or < 0 once the failure is logged at prio. */
static int
server_start(struct supervisor *sv, int prio, const char *then)
{
	const char *name = sv->opt->argv[0];
	char why[96];
	int status = 0, r;

	sv->fs_start_ms = io_now_ms();
	r = forkspawn_start(&sv->fs, &sv->sp, &status);
	if (r == 0) {
		log_msg(LOG_NOTICE, 0, "fork server %s ready: pid %d", name, (int)sv->fs.pid);
		return 0;
	}
	if (r < 0) {
		log_msg(prio, -r, "cannot start fork server %s%s", name, then);
		return r;
	}
	if (r == FORKSPAWN_EXITED)
		status_text(status, why, sizeof(why));
	else
		(void)snprintf(why, sizeof(why), "does not speak the fork-server protocol (no "
		    "\"%s\" within %d s)", FORKSERVER_READY, FORKSPAWN_READY_MS / 1000);
	log_msg(prio, 0, "fork server %s did not start: it %s%s", name, why, then);
	return -EPROTO;
}

void
forkserve_setup(struct supervisor *sv)
{
	int r;

	if (!sv->opt->fork_server)
		return;
	if ((r = forkspawn_init(&sv->fs)) < 0)
		die(FS_EXIT_FAIL, -r, "cannot set up the fork server's lock");
	if (server_start(sv, LOG_ERR, "") < 0)
		exit(FS_EXIT_FAIL);	/* logged: die() would say it twice */
	sv->sp.fs = &sv->fs;
}

/* Start another no sooner than FORKSERVE_RESTART_MS after the last start. */
static void
restart_arm(struct supervisor *sv)
{
	int64_t wait = sv->fs_start_ms + FORKSERVE_RESTART_MS - io_now_ms();

	loop_timer_arm(sv->forkfd, wait < 1 ? 1 : wait, false);
}

/*
 * An exit while we serve is a fault, logged as one; after we closed our
 * end at a stop, exiting 0 is what it should do.  Its connections run on.
 */
bool
forkserve_reap(struct supervisor *sv, pid_t pid)
{
	char why[96];
	int status;

	if (!sv->opt->fork_server || pid != sv->fs.pid || pid == 0)
		return false;
	forkspawn_exited(&sv->fs);	/* before the reap: a worker's kill() must not outlive it */
	if (waitpid(pid, &status, WNOHANG) != pid) {
		log_msg(LOG_WARNING, errno, "cannot reap fork server pid %d", (int)pid);
		return true;
	}
	status_text(status, why, sizeof(why));
	if (sv->phase != PHASE_RUN) {
		log_msg(status == 0 ? LOG_INFO : LOG_WARNING, 0, "fork server pid %d %s", (int)pid,
		    why);
		return true;
	}
	log_msg(LOG_WARNING, 0, "fork server pid %d %s; starting another", (int)pid, why);
	restart_arm(sv);
	admit_poll(sv);
	return true;
}

void
forkserve_restart(struct supervisor *sv)
{
	loop_timer_drain(sv->forkfd);
	if (sv->phase != PHASE_RUN || sv->fs.pid != 0)
		return;
	if (server_start(sv, LOG_ERR, "; trying again in 1 s") < 0)
		restart_arm(sv);
	admit_poll(sv);
}

void
forkserve_stop(struct supervisor *sv)
{
	if (sv->opt->fork_server)
		forkspawn_close(&sv->fs);
}

/*
 * One that did not exit at the end of its socket gets what the
 * connections get.  Not its process group: its clones may share it.
 */
void
forkserve_kill(struct supervisor *sv, int sig)
{
	if (!sv->opt->fork_server || sv->fs.pid == 0)
		return;
	log_msg(LOG_NOTICE, 0, "fork server pid %d still running: sending %s", (int)sv->fs.pid,
	    sig == SIGKILL ? "SIGKILL" : "SIGTERM");
	(void)kill(sv->fs.pid, sig);	/* unreaped, so still ours */
}
