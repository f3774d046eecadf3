/*
 * The stop sequence: on SIGTERM or SIGINT, close the listeners and give
 * running connections the grace time (-t); then SIGTERM them, and SIGKILL
 * SV_KILL_DELAY_S later.  A second signal skips the wait.
 */
#include <inttypes.h>
#include <signal.h>
#include <string.h>

#include "fs-limits.h"
#include "inetd.h"
#include "io.h"
#include "log.h"

/* Signal a child's process group, or the child alone if it has left it. */
static void
group_kill(pid_t pid, int sig)
{
	if (kill(-pid, sig) == -1)
		(void)kill(pid, sig);	/* it left its group; ESRCH: it is exiting */
}

/*
 * Signal the child of slot s, and say so: a transfer cut here would
 * otherwise end without a line, since a handler killed by SIGKILL cannot
 * log, and one that dies of SIGTERM need not.
 */
static void
kill_logged(const struct conntab_slot *s, int sig)
{
	char peer[ADDR_PEER_MAX];

	addr_peer(&s->peer, peer, sizeof(peer));
	log_msg(LOG_NOTICE, 0, "%s: pid %d still running after %" PRId64 " ms: sending %s", peer,
	    (int)s->pid, io_now_ms() - s->start_ms, sig == SIGKILL ? "SIGKILL" : "SIGTERM");
	group_kill(s->pid, sig);
}

/*
 * Send sig to every child.  Each is a process group leader (spawn.c), so
 * the group takes anything the program started too.  An unreaped child
 * keeps its pid, so this can never hit a stranger.  Children still being
 * spawned get sig when they come back (stop_late_child).
 */
static void
kill_all(struct supervisor *sv, int sig)
{
	size_t i;

	for (i = 0; i < sv->conns.max; i++)
		if (sv->conns.slot[i].pid != 0)
			kill_logged(&sv->conns.slot[i], sig);
}

void
stop_late_child(struct supervisor *sv, const struct conntab_slot *s)
{
	if (sv->phase == PHASE_TERM)
		kill_logged(s, SIGTERM);
	else if (sv->phase == PHASE_KILL)
		kill_logged(s, SIGKILL);
}

void
stop_escalate(struct supervisor *sv)
{
	loop_timer_drain(sv->stopfd);
	if (sv->phase == PHASE_GRACE) {
		log_msg(LOG_NOTICE, 0, "sending SIGTERM to %zu connections", sv->conns.live);
		sv->phase = PHASE_TERM;
		kill_all(sv, SIGTERM);
		forkserve_kill(sv, SIGTERM);
		proxyin_close_all(sv);
		loop_timer_arm(sv->stopfd, SV_KILL_DELAY_S * 1000, false);
	} else if (sv->phase == PHASE_TERM) {
		log_msg(LOG_NOTICE, 0, "sending SIGKILL to %zu connections", sv->conns.live);
		sv->phase = PHASE_KILL;
		kill_all(sv, SIGKILL);
		forkserve_kill(sv, SIGKILL);
	}
}

void
stop_begin(struct supervisor *sv, int sig)
{
	char text[REPORT_TEXT_MAX];

	if (sv->phase != PHASE_RUN) {
		log_msg(LOG_NOTICE, 0, "%s again: not waiting any longer", strsignal(sig));
		stop_escalate(sv);
		return;
	}
	listen_close(sv);	/* new clients get a refusal, not a wait */
	sv->polling = false;
	sv->phase = PHASE_GRACE;
	forkserve_stop(sv);	/* or when the spawns under way are back (reap_spawns) */
	report_text(sv, text, sizeof(text));
	notify_stopping(&sv->nt, text);
	log_msg(LOG_NOTICE, 0, "%s: stopped listening; %zu connections have %u s to finish",
	    strsignal(sig), sv->conns.live, sv->opt->grace_s);
	if (sv->opt->grace_s == 0)
		stop_escalate(sv);
	else
		loop_timer_arm(sv->stopfd, (int64_t)sv->opt->grace_s * 1000, false);
}
