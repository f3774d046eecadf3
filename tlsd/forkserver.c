/*
 * filesvc-tlsd as a fork server (common/forkserver.h): started once by
 * filesvc-inetd --fork-server, it builds the context, warms OpenSSL up,
 * then clones itself per connection.  The clone is filesvc-inetd's child
 * (CLONE_PARENT), so the supervisor reaps, counts and stops it as it
 * would a spawned tlsd; from the clone on, the connection runs exactly
 * as in an exec'd tlsd (connection.c).  The certificate and key are
 * looked at before each clone and read again when they changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "forkserver.h"
#include "fs-limits.h"
#include "io.h"
#include "log.h"
#include "parse.h"
#include "peer.h"
#include "tlsd.h"

/* What identifies a version of the certificate and key files. */
struct files_seen {
	struct stat	cert, key;
};

struct forkserver {
	const struct options	*opt;
	SSL_CTX			*ctx;
	struct files_seen	 loaded;	/* the files ctx was built from */
	struct files_seen	 refused;	/* the last version that failed to load */
	bool			 has_refused;
	int			 look_err;	/* the last stat() failure's errno, logged once */
	int			 sock;
};

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static bool
same_files(const struct files_seen *a, const struct files_seen *b)
{
	return same_file(&a->cert, &b->cert) && same_file(&a->key, &b->key);
}

/* stat() both files (following links, as certbot's live/ are); 0 or -errno. */
static int
files_look(const struct options *opt, struct files_seen *f)
{
	memset(f, 0, sizeof(*f));
	if (stat(opt->cert, &f->cert) == -1 || stat(opt->key, &f->key) == -1)
		return -errno;
	return 0;
}

/*
 * Before a clone: if the files changed since the context was built, build
 * it again.  A version that fails to load (a renewal half written, a key
 * that does not match) is logged once and the last good context serves
 * on: one bad renewal must not take the service down.
 */
static void
context_refresh(struct forkserver *fs)
{
	struct files_seen now;
	SSL_CTX *ctx;

	int r;

	if ((r = files_look(fs->opt, &now)) < 0) {
		if (fs->look_err != -r)
			log_msg(LOG_ERR, -r, "cannot look at %s or %s: serving the certificate "
			    "loaded before", fs->opt->cert, fs->opt->key);
		fs->look_err = -r;
		return;
	}
	fs->look_err = 0;
	if (same_files(&now, &fs->loaded) || (fs->has_refused && same_files(&now, &fs->refused)))
		return;
	if ((ctx = tls_context(fs->opt)) == NULL) {	/* logged, naming the file */
		/* Left queued, the errors would be the clone's: SSL_get_error() reads them. */
		ERR_clear_error();
		log_msg(LOG_ERR, 0, "serving the certificate loaded before");
		fs->refused = now;
		fs->has_refused = true;
		return;
	}
	SSL_CTX_free(fs->ctx);
	fs->ctx = ctx;
	fs->loaded = now;
	fs->has_refused = false;
	log_msg(LOG_INFO, 0, "fork server: read %s and %s again", fs->opt->cert, fs->opt->key);
}

/* In the clone: the connection on fds 0/1, its variables, then the connection's life. */
static _Noreturn void
clone_serve(struct forkserver *fs, int conn, char *vars[], int nvars)
{
	struct tlsd t = { .opt = fs->opt, .ctx = fs->ctx, .child_fd = -1 };
	int i;

	log_forked();
	io_close_unwritten(fs->sock);	/* the server's, not the connection's */
	/*
	 * A group of its own, as a spawned tlsd leads (POSIX_SPAWN_SETPGROUP):
	 * filesvc-inetd's stop signals the group, which is then this clone and
	 * the command it starts, never the server or another connection.
	 */
	if (setpgid(0, 0) == -1) {
		log_msg(LOG_ERR, errno, "cannot lead a process group");
		_exit(FS_EXIT_FAIL);
	}
	if (dup2(conn, STDIN_FILENO) == -1 || dup2(conn, STDOUT_FILENO) == -1) {
		log_msg(LOG_ERR, errno, "cannot put the connection on fds 0 and 1");
		_exit(FS_EXIT_FAIL);
	}
	io_close_unwritten(conn);
	for (i = 0; i < nvars; i++)
		if (putenv(vars[i]) != 0) {
			log_msg(LOG_ERR, errno, "cannot set %s", vars[i]);
			_exit(FS_EXIT_FAIL);
		}
	peer_describe(t.peer, sizeof(t.peer));
	/*
	 * The context and OpenSSL's tables are the server's, copied: freeing
	 * them here would only dirty pages the clone shares with it, for a
	 * process about to end.  Hence a reference of the clone's own (the
	 * connection drops it, not the context), and _exit() past OpenSSL's
	 * exit-time clean-up.
	 */
	if (SSL_CTX_up_ref(t.ctx) != 1)
		_exit(FS_EXIT_FAIL);
	_exit(connection_run(&t));
}

/* A raw clone: glibc's fork() has no way to name our parent as the child's. */
static pid_t
clone_parent(void)
{
	return (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
}

static void
reply(struct forkserver *fs, pid_t pid, int err)
{
	struct forkserver_reply r = { .pid = pid > 0 ? pid : 0, .err = err };

	/* Lost only if filesvc-inetd is gone; the recv() that follows then ends the loop. */
	if (send(fs->sock, &r, sizeof(r), MSG_NOSIGNAL) == -1)
		log_msg(LOG_WARNING, errno, "fork server: cannot reply to filesvc-inetd");
}

/* One request: a clone for the connection, or the reason there is none. */
static void
request_serve(struct forkserver *fs, char *buf, size_t len, int conn)
{
	char *vars[FORKSERVER_VARS_MAX];
	int n, err;
	pid_t pid;

	if ((n = forkserver_vars_split(buf, len, vars, FORKSERVER_VARS_MAX)) < 0) {
		log_msg(LOG_ERR, 0, "fork server: a request with malformed variables: refused");
		io_close_unwritten(conn);
		reply(fs, 0, EINVAL);
		return;
	}
	context_refresh(fs);
	if ((pid = clone_parent()) == 0)
		clone_serve(fs, conn, vars, n);
	/* Kept before close and the log line touch errno: a reply of no pid and no errno is malformed. */
	err = pid == -1 ? errno : 0;
	io_close_unwritten(conn);
	if (pid == -1)
		log_msg(LOG_ERR, err, "fork server: cannot clone for a connection");
	reply(fs, pid, err);
}

/* The fd filesvc-inetd named, checked to be a SEQPACKET socket. */
static int
server_socket(const char *value)
{
	uint64_t fd;
	int type;
	socklen_t len = sizeof(type);

	if (parse_u64_range(value, 3, 1023, &fd) < 0)
		return -EINVAL;
	if (getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
		return -errno;
	if (type != SOCK_SEQPACKET)
		return -EPROTOTYPE;
	if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) == -1)
		return -errno;
	return (int)fd;
}

int
forkserver_run(const struct options *opt, const char *fdtext)
{
	struct forkserver fs = { .opt = opt };
	char buf[FORKSERVER_REQUEST_MAX];
	size_t len;
	int r, conn;

	if ((fs.sock = server_socket(fdtext)) < 0)
		die(FS_EXIT_USAGE, -fs.sock, "%s=%s is not a fork-server socket", FORKSERVER_ENV, fdtext);
	if (unsetenv(FORKSERVER_ENV) != 0)	/* not for the commands the clones run */
		die(FS_EXIT_FAIL, errno, "cannot unset %s", FORKSERVER_ENV);
	if ((r = lockdown_nodump()) < 0)
		die(FS_EXIT_FAIL, -r, "cannot make the process non-dumpable");
	if ((r = files_look(opt, &fs.loaded)) < 0 || (fs.ctx = tls_context(opt)) == NULL) {
		if (r < 0)
			log_msg(LOG_ERR, -r, "cannot read %s or %s", opt->cert, opt->key);
		return FS_EXIT_FAIL;
	}
	if ((r = lockdown_early()) < 0)
		die(FS_EXIT_FAIL, -r, "cannot set no_new_privs");
	tls_warm_up(fs.ctx);
	if (send(fs.sock, FORKSERVER_READY, strlen(FORKSERVER_READY), MSG_NOSIGNAL) == -1)
		die(FS_EXIT_FAIL, errno, "fork server: cannot say it is ready");
	while ((r = forkserver_recv(fs.sock, buf, sizeof(buf), &len, &conn)) != 0) {
		if (r == -EBADMSG) {
			log_msg(LOG_ERR, 0, "fork server: a request without exactly one connection: refused");
			reply(&fs, 0, EBADMSG);
		} else if (r < 0) {
			die(FS_EXIT_FAIL, -r, "fork server: cannot read a request");
		} else {
			request_serve(&fs, buf, len, conn);
		}
	}
	SSL_CTX_free(fs.ctx);
	return FS_EXIT_OK;	/* filesvc-inetd closed its end: it is stopping */
}
