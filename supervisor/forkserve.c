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

/* Why a start failed, for a log line: "it exited with status 1", say. */
static void
failure_text(int r, int status, char *dst, size_t size)
{
	char what[64];

	switch (r) {
	case FORKSPAWN_EXITED:
		status_text(status, what, sizeof(what));
		(void)snprintf(dst, size, "it %s", what);
		break;
	case FORKSPAWN_WRONG:
		(void)snprintf(dst, size, "it does not speak the fork-server protocol (its first "
		    "message is not \"%s\")", FORKSERVER_READY);
		break;
	case FORKSPAWN_MUTE:
		(void)snprintf(dst, size, "it does not speak the fork-server protocol (no \"%s\" "
		    "within %d s)", FORKSERVER_READY, FORKSPAWN_READY_MS / 1000);
		break;
	default:
		(void)snprintf(dst, size, "%s", strerror(-r));
		break;
	}
}

static void
ready_log(const struct supervisor *sv)
{
	log_msg(LOG_NOTICE, 0, "fork server %s ready: pid %d", sv->opt->argv[0], (int)sv->fs.pid);
}

/*
 * The first start, before we serve: waited for (nothing else to do yet),
 * and fatal when it fails.
 */
void
forkserve_setup(struct supervisor *sv)
{
	char why[128];
	int status = 0, r;

	if (!sv->opt->fork_server)
		return;
	if ((r = forkspawn_init(&sv->fs)) < 0)
		die(FS_EXIT_FAIL, -r, "cannot set up the fork server's lock");
	sv->fs_start_ms = io_now_ms();
	if ((r = forkspawn_start(&sv->fs, &sv->sp, &status)) != 0) {
		failure_text(r, status, why, sizeof(why));
		die(FS_EXIT_FAIL, 0, "fork server %s did not start: %s", sv->opt->argv[0], why);
	}
	ready_log(sv);
	sv->sp.fs = &sv->fs;
}

/* Start another no sooner than FORKSERVE_RESTART_MS after the last start. */
static void
restart_arm(struct supervisor *sv)
{
	int64_t wait = sv->fs_start_ms + FORKSERVE_RESTART_MS - io_now_ms();

	loop_timer_arm(sv->forkfd, wait < 1 ? 1 : wait, false);
}

/* A later start failed: say why once, and (for all but an exit) end it; its exit comes back. */
static void
restart_failed(struct supervisor *sv, int r, int status)
{
	char why[128];

	failure_text(r, status, why, sizeof(why));
	log_msg(LOG_ERR, 0, "fork server %s did not start: %s; trying again in 1 s",
	    sv->opt->argv[0], why);
	sv->fs_failed = true;
	if (r != FORKSPAWN_EXITED && sv->fs.pid != 0) {
		(void)kill(sv->fs.pid, SIGKILL);	/* unreaped, so still ours; first, as in forkspawn.c */
		forkspawn_close(&sv->fs);
	}
}

/*
 * Later starts are not waited for: the loop goes on reaping and
 * answering signals, the greeting is one more event (forkserve_greeting)
 * and the deadline is forkfd's (forkserve_timer).  Until it is ready the
 * listeners are not polled (forkserve_down).
 */
static void
restart(struct supervisor *sv)
{
	int r;

	sv->fs_start_ms = io_now_ms();
	sv->fs_failed = false;
	if ((r = forkspawn_launch(&sv->fs, &sv->sp)) < 0) {
		log_msg(LOG_ERR, -r, "cannot start fork server %s; trying again in 1 s",
		    sv->opt->argv[0]);
		restart_arm(sv);
		return;
	}
	loop_ctl(sv->epfd, EPOLL_CTL_ADD, sv->fs.pending, SV_TAG_FORK_GREETING);
	loop_timer_arm(sv->forkfd, FORKSPAWN_READY_MS, false);
}

void
forkserve_greeting(struct supervisor *sv)
{
	int r;

	if (sv->fs.pending < 0)
		return;	/* stale: closed since */
	if ((r = forkspawn_greeting(&sv->fs)) == FORKSPAWN_WAIT)
		return;
	loop_ctl(sv->epfd, EPOLL_CTL_DEL, sv->fs.pending, SV_TAG_FORK_GREETING);
	if (r == FORKSPAWN_END)
		return;	/* its exit follows (forkserve_reap), or the deadline */
	if (r != 0) {
		restart_failed(sv, r, 0);
		return;
	}
	forkspawn_ready(&sv->fs);
	loop_timer_arm(sv->forkfd, 0, false);	/* the deadline is met */
	ready_log(sv);
	admit_poll(sv);
}

void
forkserve_timer(struct supervisor *sv)
{
	loop_timer_drain(sv->forkfd);
	/* At a stop, one still starting is stop_escalate()'s. */
	if (sv->fs.pid != 0 && !sv->fs.ready && !sv->fs_failed && sv->phase == PHASE_RUN)
		restart_failed(sv, FORKSPAWN_MUTE, 0);	/* the greeting's deadline */
	else if (sv->fs.pid == 0 && sv->phase == PHASE_RUN)
		restart(sv);
}

/*
 * An exit while we serve is a fault, logged as one; after we closed our
 * end at a stop, exiting 0 is what it should do.  Its connections run on.
 */
bool
forkserve_reap(struct supervisor *sv, pid_t pid)
{
	bool was_ready = sv->fs.ready;
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
	if (was_ready)
		log_msg(LOG_WARNING, 0, "fork server pid %d %s; starting another", (int)pid, why);
	else if (!sv->fs_failed)
		restart_failed(sv, FORKSPAWN_EXITED, status);
	restart_arm(sv);
	admit_poll(sv);
	return true;
}

/*
 * Once stopping, the server is told to exit when the spawner threads
 * have no job left: a client accepted before the signal still gets its
 * process, as it would from posix_spawn().
 */
void
forkserve_stop(struct supervisor *sv)
{
	if (!sv->opt->fork_server || sv->phase == PHASE_RUN)
		return;
	if (sv->workers.submitted == sv->workers.taken)
		forkspawn_close(&sv->fs);	/* a pending greeting's socket too */
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
