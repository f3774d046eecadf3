/*
 * A fork server for filesvc-inetd --fork-server's tests
 * (inetd_forkserver_test.py), speaking common/forkserver.c's protocol.
 * Each connection's process is a CLONE_PARENT clone, so filesvc-inetd's
 * child.  It writes one line on the connection:
 *   PROTO=.. TCPREMOTEIP=.. TCPREMOTEPORT=.. TCPLOCALPORT=.. PPID=.. PID=.. SERVER=..
 * then reads one: a number is its exit status; at EOF it exits with STATUS.
 *
 * Usage: forkserver_echo STATUS [STALL]
 * With STALL, the server stops answering after STALL requests (it keeps
 * the socket open and reads nothing more), as a wedged server would.
 * With FORKSERVER_ECHO_HOLD naming a file that exists, a server starting
 * waits as many milliseconds as the file says before its greeting, or,
 * if it says "exit", exits 1 instead: a slow or failing restart.  With
 * FORKSERVER_ECHO_SLOW=N it says "forkserver_echo: request" on stderr
 * for each request, then waits N hundredths of a second before it clones.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "forkserver.h"

static int
number(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v > 255) {
		fprintf(stderr, "forkserver_echo: bad number '%s'\n", s);
		exit(2);
	}
	return (int)v;
}

static const char *
var(const char *name)
{
	const char *v = getenv(name);

	return v != NULL ? v : "-";
}

/* The connection's process: report, then exit as told. */
static _Noreturn void
child(int conn, char *vars[], int n, int status, pid_t server)
{
	char line[512], in[16];
	ssize_t got;
	int i, len;

	for (i = 0; i < n; i++)
		if (putenv(vars[i]) != 0)
			_exit(100);
	(void)setpgid(0, 0);	/* as filesvc-inetd's spawned children: a group of its own */
	len = snprintf(line, sizeof(line), "PROTO=%s TCPREMOTEIP=%s TCPREMOTEPORT=%s "
	    "TCPLOCALPORT=%s PPID=%d PID=%d SERVER=%d\n", var("PROTO"), var("TCPREMOTEIP"),
	    var("TCPREMOTEPORT"), var("TCPLOCALPORT"), (int)getppid(), (int)getpid(), (int)server);
	if (write(conn, line, (size_t)len) != len)
		_exit(101);
	got = read(conn, in, sizeof(in) - 1);
	if (got > 0) {
		in[got] = '\0';
		in[strcspn(in, "\r\n")] = '\0';
		status = number(in);
	}
	_exit(status);
}

static void
slow(void)
{
	const char *ms = getenv("FORKSERVER_ECHO_SLOW");

	if (ms == NULL)
		return;
	fputs("forkserver_echo: request\n", stderr);
	usleep((useconds_t)number(ms) * 10000);
}

/* FORKSERVER_ECHO_OWN_CHILD set: a clone of our own, not filesvc-inetd's (a broken server). */
static unsigned long
clone_flags(void)
{
	return getenv("FORKSERVER_ECHO_OWN_CHILD") != NULL ? SIGCHLD : CLONE_PARENT | SIGCHLD;
}

/* One request: a clone for it, and the reply. */
static void
serve_one(int sock, int status)
{
	char buf[FORKSERVER_REQUEST_MAX], *vars[FORKSERVER_VARS_MAX];
	struct forkserver_reply rep = { 0, 0 };
	pid_t server = getpid();
	size_t len;
	int conn, n, r;
	long pid;

	if ((r = forkserver_recv(sock, buf, sizeof(buf), &len, &conn)) == 0)
		exit(0);	/* filesvc-inetd closed its end */
	if (r < 0) {
		fprintf(stderr, "forkserver_echo: bad request: %s\n", strerror(-r));
		exit(3);
	}
	slow();
	if ((n = forkserver_vars_split(buf, len, vars, FORKSERVER_VARS_MAX)) < 0) {
		rep.err = EINVAL;
	} else if ((pid = syscall(SYS_clone, clone_flags(), 0, 0, 0, 0)) == 0) {
		close(sock);
		child(conn, vars, n, status, server);
	} else if (pid == -1) {
		rep.err = errno;
	} else {
		rep.pid = (int32_t)pid;
	}
	close(conn);
	if (send(sock, &rep, sizeof(rep), MSG_NOSIGNAL) != (ssize_t)sizeof(rep))
		exit(4);
}

static void
hold(void)
{
	const char *path = getenv("FORKSERVER_ECHO_HOLD");
	char buf[32] = "";
	FILE *f;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	if (strcmp(buf, "exit") == 0)
		exit(1);
	usleep((useconds_t)strtoul(buf, NULL, 10) * 1000);
}

int
main(int argc, char *argv[])
{
	const char *fd = getenv(FORKSERVER_ENV);
	long served = 0, stall;
	int status;

	if (argc < 2 || argc > 3) {
		fputs("usage: forkserver_echo STATUS [STALL]\n", stderr);
		return 2;
	}
	status = number(argv[1]);
	stall = argc == 3 ? number(argv[2]) : -1;
	if (fd == NULL || strcmp(fd, "3") != 0) {
		fprintf(stderr, "forkserver_echo: %s is not 3\n", FORKSERVER_ENV);
		return 1;
	}
	hold();
	if (send(FORKSERVER_FD, FORKSERVER_READY, strlen(FORKSERVER_READY), MSG_NOSIGNAL) == -1) {
		perror("forkserver_echo: greeting");
		return 1;
	}
	for (;; served++) {
		if (served == stall)
			for (;;)
				pause();
		serve_one(FORKSERVER_FD, status);
	}
}
