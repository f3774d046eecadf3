/*
 * The fork server's mechanism: starting it with our end of a SEQPACKET
 * socketpair, waiting for its greeting, and one request/reply exchange
 * per connection.  The server is our program, but a reply is still
 * checked before its pid is believed (the right size, and a pid that is
 * our child): a wrong pid in the connection table would have stop.c
 * signal a stranger.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "forkserver.h"
#include "forkspawn.h"
#include "io.h"

int
forkspawn_init(struct forkspawn *fs)
{
	fs->sock = -1;
	fs->pending = -1;
	fs->pid = 0;
	fs->ready = false;
	return -pthread_mutex_init(&fs->lock, NULL);
}

void
forkspawn_fini(struct forkspawn *fs)
{
	forkspawn_close(fs);
	(void)pthread_mutex_destroy(&fs->lock);	/* no thread holds it any more */
}

/*
 * The server's environment: what every child inherits, and where its end
 * of the socketpair is.  Its stdin and stdout are /dev/null (connections
 * come over the socket), fd 2 is ours, and the attributes are a spawned
 * child's (clean signal state, a process group of its own).
 */
static int
server_spawn(const struct spawner *sp, int end, pid_t *ret_pid)
{
	posix_spawn_file_actions_t fa;
	char var[sizeof(FORKSERVER_ENV) + 16], **envp;
	int r;

	(void)snprintf(var, sizeof(var), "%s=%d", FORKSERVER_ENV, FORKSERVER_FD);
	if ((envp = calloc(sp->nkept + 2, sizeof(*envp))) == NULL)
		return -ENOMEM;
	memcpy(envp, sp->kept, sp->nkept * sizeof(*envp));
	envp[sp->nkept] = var;
	if ((r = posix_spawn_file_actions_init(&fa)) != 0) {
		free(envp);
		return -r;
	}
	r = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (r == 0)
		r = posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	/* end is never FORKSERVER_FD (see sockets_open), so dup2 clears its FD_CLOEXEC. */
	if (r == 0)
		r = posix_spawn_file_actions_adddup2(&fa, end, FORKSERVER_FD);
	if (r == 0)
		r = posix_spawn(ret_pid, sp->path, &fa, &sp->attr, sp->argv, envp);
	(void)posix_spawn_file_actions_destroy(&fa);
	free(envp);
	return -r;
}

/* A request or reply deadline on our end, both ways: 0 or -errno. */
static int
deadline_set(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1)
		return -errno;
	return 0;
}

/*
 * fd[0] ours, fd[1] the server's.  Its end must not already be
 * FORKSERVER_FD: dup2() onto itself would leave FD_CLOEXEC set.
 */
static int
sockets_open(int fd[2])
{
	int moved, r;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fd) == -1)
		return -errno;
	if (fd[1] == FORKSERVER_FD) {
		if ((moved = fcntl(fd[1], F_DUPFD_CLOEXEC, FORKSERVER_FD + 1)) == -1) {
			r = -errno;
			io_close_unwritten(fd[0]);
			io_close_unwritten(fd[1]);
			return r;
		}
		io_close_unwritten(fd[1]);
		fd[1] = moved;
	}
	if ((r = deadline_set(fd[0], FORKSPAWN_REPLY_MS)) < 0) {
		io_close_unwritten(fd[0]);
		io_close_unwritten(fd[1]);
	}
	return r;
}

/*
 * Without a pidfd (a kernel before 5.3) an exit is only noticed as the
 * socket's end, or at the deadline: slower, not wrong.
 */
static int
pidfd_open_or_not(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int
forkspawn_greeting(struct forkspawn *fs)
{
	char buf[64];
	ssize_t n;

	if ((n = recv(fs->pending, buf, sizeof(buf), MSG_DONTWAIT)) == -1)
		return errno == EAGAIN || errno == EINTR ? FORKSPAWN_WAIT : -errno;
	if (n == 0)
		return FORKSPAWN_END;
	if ((size_t)n == strlen(FORKSERVER_READY) && memcmp(buf, FORKSERVER_READY, (size_t)n) == 0)
		return 0;
	return FORKSPAWN_WRONG;
}

int
forkspawn_launch(struct forkspawn *fs, const struct spawner *sp)
{
	int fd[2], r;
	pid_t pid;

	if ((r = sockets_open(fd)) < 0)
		return r;
	r = server_spawn(sp, fd[1], &pid);
	io_close_unwritten(fd[1]);
	if (r < 0) {
		io_close_unwritten(fd[0]);
		return r;
	}
	fs->pending = fd[0];
	fs->ready = false;
	(void)pthread_mutex_lock(&fs->lock);	/* the workers' kill() reads pid */
	fs->pid = pid;
	(void)pthread_mutex_unlock(&fs->lock);
	return 0;
}

void
forkspawn_ready(struct forkspawn *fs)
{
	(void)pthread_mutex_lock(&fs->lock);
	fs->sock = fs->pending;
	(void)pthread_mutex_unlock(&fs->lock);
	fs->pending = -1;
	fs->ready = true;
}

/*
 * Until the greeting, the server's exit, or the deadline.  An exit is
 * reaped here, with *ret_status; the caller kills and reaps otherwise.
 */
static int
greeting_wait(struct forkspawn *fs, int *ret_status)
{
	int64_t deadline = io_now_ms() + FORKSPAWN_READY_MS;
	struct pollfd p[2] = { { .fd = fs->pending, .events = POLLIN },
	    { .fd = pidfd_open_or_not(fs->pid), .events = POLLIN } };
	int n, r;

	for (;;) {
		int64_t left = deadline - io_now_ms();

		r = FORKSPAWN_MUTE;
		if (left <= 0 || (n = poll(p, 2, (int)left)) == 0)
			break;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = -errno;
			break;
		}
		if (p[1].revents != 0)
			break;	/* it exited: found below */
		if (p[0].revents == 0)
			continue;
		if ((r = forkspawn_greeting(fs)) == FORKSPAWN_END)
			p[0].fd = -1;	/* it closed the socket: its exit should follow */
		else if (r != FORKSPAWN_WAIT)
			break;
	}
	if (p[1].fd >= 0)
		io_close_unwritten(p[1].fd);
	if (r != 0 && waitpid(fs->pid, ret_status, WNOHANG) == fs->pid)
		return FORKSPAWN_EXITED;
	return r;
}

int
forkspawn_start(struct forkspawn *fs, const struct spawner *sp, int *ret_status)
{
	pid_t pid;
	int status, r;

	if ((r = forkspawn_launch(fs, sp)) < 0)
		return r;
	if ((r = greeting_wait(fs, &status)) == 0) {
		forkspawn_ready(fs);
		return 0;
	}
	pid = fs->pid;
	forkspawn_exited(fs);
	if (r == FORKSPAWN_EXITED) {
		*ret_status = status;
		return r;
	}
	(void)kill(pid, SIGKILL);	/* our unreaped child: the pid is still its own */
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		continue;
	return r;
}

/* The reply to the request just sent; 0 with *rep believable, or -errno. */
static int
reply_read(int sock, struct forkserver_reply *rep)
{
	ssize_t n;

	while ((n = recv(sock, rep, sizeof(*rep), 0)) == -1 && errno == EINTR)
		continue;
	if (n == -1)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	if (n == 0)
		return -EPIPE;
	if ((size_t)n != sizeof(*rep) || rep->pid < 0 || (rep->pid == 0 && rep->err <= 0))
		return -EBADMSG;
	return 0;
}

/*
 * Whether pid is our child, as CLONE_PARENT makes it: one that is not
 * would never be reaped, and its number could be anyone's by the time a
 * stop signals it.  WNOWAIT: a child that already exited stays for the
 * event loop to reap (which it does not before this job is back).
 */
static bool
our_child(pid_t pid)
{
	siginfo_t si;

	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0;
}

/*
 * Under the lock: the server answered late or wrongly, so its replies and
 * our requests are out of step for good.  Kill it, then stop asking it:
 * it is unreaped (the event loop clears pid before reaping), so the
 * signal cannot reach a stranger; killed first, it cannot take the
 * closed socket for a stop and exit 0 instead (its exit line then says
 * what happened).
 */
static void
server_broken(struct forkspawn *fs)
{
	if (fs->pid != 0)
		(void)kill(fs->pid, SIGKILL);
	io_close_unwritten(fs->sock);
	fs->sock = -1;
}

int
forkspawn_request(struct forkspawn *fs, const struct spawn_env *env, int conn, pid_t *ret_pid)
{
	const char *vars[ENV_OURS];
	char buf[FORKSERVER_REQUEST_MAX];
	struct forkserver_reply rep;
	ssize_t len;
	size_t i;
	int r;

	for (i = 0; i < ENV_OURS; i++)
		vars[i] = env->var[i].buf;
	if ((len = forkserver_vars_pack(vars, ENV_OURS, buf, sizeof(buf))) < 0)
		return (int)len;
	(void)pthread_mutex_lock(&fs->lock);	/* cannot fail for a default mutex */
	if (fs->sock < 0) {
		r = -EAGAIN;
	} else if ((r = forkserver_send(fs->sock, conn, buf, (size_t)len)) < 0 ||
	    (r = reply_read(fs->sock, &rep)) < 0) {
		server_broken(fs);
	} else if (rep.pid > 0 && !our_child(rep.pid)) {
		r = -ECHILD;	/* it does not clone as the protocol says */
		server_broken(fs);
	} else if (rep.pid == 0) {
		r = -rep.err;	/* its own failure (fork: EAGAIN, say): it still serves */
	} else {
		*ret_pid = rep.pid;
	}
	(void)pthread_mutex_unlock(&fs->lock);
	return r;
}

void
forkspawn_close(struct forkspawn *fs)
{
	(void)pthread_mutex_lock(&fs->lock);
	if (fs->sock >= 0)
		io_close_unwritten(fs->sock);
	fs->sock = -1;
	(void)pthread_mutex_unlock(&fs->lock);
	if (fs->pending >= 0)
		io_close_unwritten(fs->pending);	/* out of the epoll set with it */
	fs->pending = -1;
	fs->ready = false;
}

void
forkspawn_exited(struct forkspawn *fs)
{
	forkspawn_close(fs);
	(void)pthread_mutex_lock(&fs->lock);
	fs->pid = 0;
	(void)pthread_mutex_unlock(&fs->lock);
}
