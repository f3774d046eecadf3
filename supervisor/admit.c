/*
 * Admission: whether filesvc-inetd takes connections now (the -c cap,
 * busy spawner threads, out of fds, stopping), accepting them, the -C
 * per-source cap, and handing each admitted one to a spawner thread.
 * Client addresses come from accept4() or a PROXY header (proxyin.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fs-limits.h"
#include "inetd.h"
#include "io.h"
#include "log.h"

/*
 * Connections waiting for their PROXY header count against -c like
 * children do: each holds an fd and a slot until its header comes or its
 * deadline passes, so the cap still bounds what a crowd can make us hold.
 */
bool
admit_full(const struct supervisor *sv)
{
	return sv->conns.live + sv->pend.live >= sv->conns.max;
}

/* Whether to take one more connection now; see admit_poll(). */
static bool
accepting(const struct supervisor *sv)
{
	return sv->phase == PHASE_RUN && !sv->paused && !admit_full(sv) &&
	    !workers_busy(&sv->workers) && !forkserve_down(sv);
}

/*
 * Poll the listeners only while we would accept: not at the -c cap (the
 * kernel's backlog holds the rest until a child exits), not while every
 * spawner thread has work queued (until one comes back), not while out
 * of fds, not while the fork server is being replaced, not after SIGTERM.
 */
void
admit_poll(struct supervisor *sv)
{
	bool want = accepting(sv);
	size_t i;

	if (want == sv->polling)
		return;
	for (i = 0; i < sv->nls; i++)
		loop_ctl(sv->epfd, want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, sv->ls[i].fd, i);
	sv->polling = want;
}

void
admit_changed(struct supervisor *sv)
{
	admit_poll(sv);
	report_changed(sv);
}

void
admit_setup(struct supervisor *sv)
{
	sv->pause_log_ms = io_now_ms() - SV_PAUSE_LOG_MS;	/* the first pause is logged */
	admit_poll(sv);
}

/* Out of fds or kernel memory: stop accepting briefly instead of spinning. */
static void
accept_pause(struct supervisor *sv, int err)
{
	int64_t now = io_now_ms();

	/*
	 * By time, not per burst: with descriptors for about one connection,
	 * each child's exit lets one accept succeed and the next fail, so a
	 * line per burst was a line per connection.
	 */
	if (now - sv->pause_log_ms < SV_PAUSE_LOG_MS) {
		sv->pauses_quiet++;
	} else {
		if (sv->pauses_quiet == 0)
			log_msg(LOG_ERR, err, "cannot accept; pausing accepts for %d ms", SV_PAUSE_MS);
		else
			log_msg(LOG_ERR, err, "cannot accept; pausing accepts for %d ms (paused %"
			    PRIu64 " more times since the last such line)", SV_PAUSE_MS,
			    sv->pauses_quiet);
		sv->pause_log_ms = now;
		sv->pauses_quiet = 0;
	}
	sv->paused = true;
	loop_timer_arm(sv->pausefd, SV_PAUSE_MS, false);
	admit_poll(sv);
}

void
admit_pause_end(struct supervisor *sv)
{
	loop_timer_drain(sv->pausefd);
	sv->paused = false;
	admit_poll(sv);
}

/* Returns true when this listener has nothing more for now. */
static bool
accept_failed(struct supervisor *sv, const struct listener *l, int err)
{
	switch (err) {
	case EAGAIN:
		return true;
	case EINTR:
	case ECONNABORTED:	/* the client left while queued: its problem, not ours */
	case EPROTO:
	case EPERM:		/* a firewall said no to this one */
	case ENETDOWN:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
		return false;
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		accept_pause(sv, err);
		return true;
	default:
		/* Unknown: log it and pause too, rather than spin on it. */
		log_msg(LOG_ERR, err, "cannot accept on %s", l->name);
		accept_pause(sv, err);
		return true;
	}
}

int
admit_accept(struct supervisor *sv, const struct listener *l, struct sockaddr_storage *ss,
    socklen_t *len)
{
	/* With --proxy-protocol the header is read in the loop, so the socket must not block us. */
	int flags = SOCK_CLOEXEC | (sv->opt->proxy ? SOCK_NONBLOCK : 0);
	int fd;

	if (!accepting(sv))
		return -EAGAIN;
	*len = sizeof(*ss);
	if ((fd = accept4(l->fd, (struct sockaddr *)ss, len, flags)) == -1)
		return accept_failed(sv, l, errno) ? -EAGAIN : -EINTR;
	return fd;
}

/* A connection's addresses as text: t[0] the client's, t[1] ours. */
static int
addresses(const struct listener *l, int fd, const struct sockaddr *sa, socklen_t len,
    struct addr_text t[2])
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	int r;

	if ((r = addr_format(sa, len, &t[0])) < 0)
		return r;
	if (l->local_known) {
		t[1] = l->local;
		return 0;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1)
		return -errno;
	return addr_format((struct sockaddr *)&ss, sslen, &t[1]);
}

/* One over the per-source cap: accepted (so it leaves the backlog), closed, logged. */
static void
source_refuse(struct supervisor *sv, const struct addr_text *remote, int fd)
{
	char peer[ADDR_PEER_MAX];

	addr_peer(remote, peer, sizeof(peer));
	log_msg(LOG_WARNING, 0, "%s: over %u connections from one source: closed", peer,
	    sv->opt->max_per_source);
	sv->refused++;
	report_changed(sv);
	io_close_unwritten(fd);	/* protocol-agnostic: we say nothing, we only close */
}

void
admit_conn(struct supervisor *sv, const struct listener *l, int fd,
    const struct sockaddr_storage *ss, socklen_t len)
{
	struct addr_text t[2];	/* remote, local */
	struct workers_job *job;
	struct conntab_slot *s;
	struct addr_key key;
	uint32_t idx;
	int r;

	if ((r = addr_source_key((const struct sockaddr *)ss, len, &key)) < 0 ||
	    (r = addresses(l, fd, (const struct sockaddr *)ss, len, t)) < 0) {
		log_msg(LOG_ERR, -r, "%s: cannot read a connection's addresses", l->name);
		io_close_unwritten(fd);
		return;
	}
	if (conntab_source_full(&sv->conns, &key)) {
		source_refuse(sv, &t[0], fd);
		return;
	}
	if ((s = conntab_reserve(&sv->conns, &key)) == NULL) {	/* admit_full() said there was room */
		log_msg(LOG_ERR, 0, "connection table inconsistent: %zu live", sv->conns.live);
		io_close_unwritten(fd);
		return;
	}
	s->peer = t[0];
	s->start_ms = io_now_ms();
	idx = conntab_index(&sv->conns, s);
	job = &sv->workers.job[idx];
	job->fd = fd;
	job->remote = t[0];
	job->local = t[1];
	workers_submit(&sv->workers, idx);
}
