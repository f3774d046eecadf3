/*
 * Children's comings and goings: spawns the threads report back (the
 * child recorded, or the failure counted), and exits (reaped, logged,
 * their slot freed).  A pid is recorded before it is reaped, so an exit
 * is never mistaken for a stranger's.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "fs-limits.h"
#include "inetd.h"
#include "io.h"
#include "log.h"

/* One line per ended connection: at -v always, otherwise when it went wrong. */
static void
child_log(const struct supervisor *sv, const struct conntab_slot *s, int status)
{
	int64_t ms = io_now_ms() - s->start_ms;
	char peer[ADDR_PEER_MAX];

	addr_peer(&s->peer, peer, sizeof(peer));
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		/* Our own SIGTERM/SIGKILL after the grace time is no news. */
		bool ours = sv->phase >= PHASE_TERM && (sig == SIGTERM || sig == SIGKILL);

		log_msg(ours ? LOG_INFO : LOG_WARNING, 0,
		    "%s: pid %d killed by signal %d (%s)%s after %" PRId64 " ms", peer, (int)s->pid,
		    sig, strsignal(sig), WCOREDUMP(status) ? ", core dumped" : "", ms);
	} else {
		int code = WEXITSTATUS(status);

		log_msg(code == 0 ? LOG_INFO : LOG_WARNING, 0,
		    "%s: pid %d exited with status %d after %" PRId64 " ms", peer, (int)s->pid,
		    code, ms);
	}
}

/* Reap pid, which has exited, and end its connection if it was one. */
static bool
reap_one(struct supervisor *sv, pid_t pid)
{
	struct conntab_slot s;
	int status;

	if (waitpid(pid, &status, WNOHANG) != pid) {
		log_msg(LOG_WARNING, errno, "cannot reap pid %d", (int)pid);
		return false;
	}
	if (conntab_remove(&sv->conns, pid, &s) == 0) {	/* else one we inherited across exec */
		child_log(sv, &s, status);
		report_changed(sv);
	}
	return true;
}

/*
 * Whether an exited pid the table does not know may be reaped now.  A
 * child can exit before the thread that spawned it has handed us its pid;
 * reaping it then would free the pid for reuse before we could tell it
 * was ours.  So an unknown pid stays a zombie until every job submitted
 * before we saw it has come back (spawns finish in any order, so each
 * is counted by its seq in spawn_done(), which reaps again); if it is
 * still unknown then, it never was a connection's.
 */
static bool
unknown_reapable(struct supervisor *sv, pid_t pid)
{
	if (sv->unknown_pid != pid) {
		sv->unknown_pid = pid;
		sv->unknown_seq = sv->workers.submitted;
		sv->unknown_left = sv->workers.submitted - sv->workers.taken;
	}
	return sv->unknown_left == 0;
}

/*
 * One SIGCHLD may stand for many exits: reap until nothing is left.  Each
 * exit is looked at first (WNOWAIT) and reaped by its pid, see above.
 */
void
reap_exits(struct supervisor *sv)
{
	for (;;) {
		siginfo_t si = { .si_pid = 0 };

		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == -1) {
			if (errno != ECHILD)
				log_msg(LOG_WARNING, errno, "waitid");
			else
				sv->unknown_pid = 0;	/* no child at all: as below */
			break;
		}
		if (si.si_pid == 0) {
			/*
			 * None exited: a pid held back is no zombie any more
			 * (posix_spawn() reaps a child whose exec failed).  Kept,
			 * it would let a later child that reuses the number be
			 * reaped before its spawn is recorded.
			 */
			sv->unknown_pid = 0;
			break;
		}
		if (forkserve_reap(sv, si.si_pid))
			continue;	/* --fork-server's own exit: never a connection's */
		if (!conntab_has(&sv->conns, si.si_pid) && !unknown_reapable(sv, si.si_pid))
			break;
		sv->unknown_pid = 0;
		if (!reap_one(sv, si.si_pid))
			break;
	}
	admit_poll(sv);
}

/* A spawn came back: record the child, or count and log the failure. */
static void
spawn_done(struct supervisor *sv, uint32_t idx)
{
	const struct workers_job *job = &sv->workers.job[idx];
	struct conntab_slot *s = &sv->conns.slot[idx];
	char peer[ADDR_PEER_MAX];
	int r;

	if (sv->unknown_pid != 0 && job->seq <= sv->unknown_seq)
		sv->unknown_left--;
	if (job->err != 0) {
		addr_peer(&s->peer, peer, sizeof(peer));
		log_msg(LOG_ERR, job->err, "%s: cannot start %s", peer, sv->sp.path);
		sv->failed++;
		conntab_release(&sv->conns, s);
		return;
	}
	sv->accepted++;
	if ((r = conntab_bind(&sv->conns, s, job->pid)) < 0) {
		log_msg(LOG_ERR, -r, "pid %d: connection table inconsistent", (int)job->pid);
		conntab_release(&sv->conns, s);
		return;
	}
	stop_late_child(sv, s);
}

void
reap_spawns(struct supervisor *sv)
{
	uint32_t idx[64];
	size_t n, i;

	do {
		n = workers_take(&sv->workers, idx, sizeof(idx) / sizeof(idx[0]));
		for (i = 0; i < n; i++)
			spawn_done(sv, idx[i]);
	} while (n == sizeof(idx) / sizeof(idx[0]));
	report_changed(sv);
	if (sv->unknown_pid != 0)
		reap_exits(sv);	/* an exit we held back may be ours now */
	forkserve_stop(sv);	/* stopping: the fork server's last request may be back */
	admit_poll(sv);	/* the workers have room again */
}
