/* The fork-server request: its variables' packing and splitting, and the datagram over a real socketpair. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forkserver.h"
#include "unit.h"

START_TEST(pack_split_round_trip)
{
	const char *vars[] = { "PROTO=TCP", "TCPREMOTEIP=::1", "TCPREMOTEPORT=5", "EMPTY=" };
	char buf[FORKSERVER_REQUEST_MAX], *out[FORKSERVER_VARS_MAX];
	ssize_t n = forkserver_vars_pack(vars, 4, buf, sizeof(buf));
	int i;

	ck_assert_int_eq(n, 10 + 16 + 16 + 7);
	ck_assert_int_eq(forkserver_vars_split(buf, (size_t)n, out, FORKSERVER_VARS_MAX), 4);
	for (i = 0; i < 4; i++)
		ck_assert_str_eq(out[i], vars[i]);
	ck_assert_int_eq(forkserver_vars_split(buf, 0, out, FORKSERVER_VARS_MAX), 0);
}
END_TEST

START_TEST(pack_refuses)
{
	const char *bad[] = { "NOEQUALS" }, *lead[] = { "=x" }, *digit[] = { "1A=x" },
	    *dash[] = { "A-B=x" }, *ok[] = { "A=xyz" };
	const char *many[FORKSERVER_VARS_MAX + 1];
	char buf[8];
	int i;

	for (i = 0; i < FORKSERVER_VARS_MAX + 1; i++)
		many[i] = "A=1";
	ck_assert_int_eq(forkserver_vars_pack(bad, 1, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(forkserver_vars_pack(lead, 1, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(forkserver_vars_pack(digit, 1, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(forkserver_vars_pack(dash, 1, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(forkserver_vars_pack(many, FORKSERVER_VARS_MAX + 1, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(forkserver_vars_pack(ok, 1, buf, 6), 6);	/* "A=xyz" and its NUL: exactly */
	ck_assert_int_eq(forkserver_vars_pack(ok, 1, buf, 5), -ENOBUFS);
}
END_TEST

/* clang-format off */
static const struct {
	const char	*in;
	size_t		 len;
	int		 r;
} split_cases[] = {
	{ "A=1\0B=2", 8, 2 },
	{ "A=1\0B=2", 7, -EINVAL },		/* the last entry not ended */
	{ "A=1", 3, -EINVAL },
	{ "\0", 1, -EINVAL },			/* an empty entry */
	{ "A=1\0\0", 5, -EINVAL },
	{ "=1\0", 3, -EINVAL },
	{ "A\0", 2, -EINVAL },			/* no '=' */
	{ "A\0=1\0", 5, -EINVAL },		/* NUL inside the name */
	{ "A B=1\0", 6, -EINVAL },
	{ "_x9=\xff\n\0", 7, 1 },		/* a value is any bytes */
	{ "A=1\0B=2\0C=3\0", 12, -EINVAL },	/* more than max (2) */
};
/* clang-format on */

START_TEST(split_table)
{
	char buf[32], *out[2];

	memcpy(buf, split_cases[_i].in, split_cases[_i].len);
	ck_assert_int_eq(forkserver_vars_split(buf, split_cases[_i].len, out, 2), split_cases[_i].r);
}
END_TEST

static void
pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

START_TEST(send_recv)
{
	char buf[FORKSERVER_REQUEST_MAX], got[8];
	int sv[2], p[2], conn = -1;
	size_t len = 99;

	pair(sv);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(forkserver_send(sv[0], p[1], "A=1", 4), 0);
	ck_assert_int_eq(forkserver_recv(sv[1], buf, sizeof(buf), &len, &conn), 1);
	ck_assert_uint_eq(len, 4);
	ck_assert_str_eq(buf, "A=1");
	ck_assert_int_ne(conn, p[1]);
	ck_assert_int_eq(fcntl(conn, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_int_eq(write(conn, "xy", 2), 2);	/* the same pipe */
	ck_assert_int_eq(read(p[0], got, sizeof(got)), 2);
	close(conn);
	/* No variables: still a datagram, read as none. */
	ck_assert_int_eq(forkserver_send(sv[0], p[1], NULL, 0), 0);
	ck_assert_int_eq(forkserver_recv(sv[1], buf, sizeof(buf), &len, &conn), 1);
	ck_assert_uint_eq(len, 0);
	close(conn);
	close(sv[0]);
	ck_assert_int_eq(forkserver_recv(sv[1], buf, sizeof(buf), &len, &conn), 0);	/* the end */
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* A datagram with no fd, two fds, or cut short is refused, and no fd is left open. */
START_TEST(recv_refuses)
{
	char buf[16], big[64] = "A=1";
	int sv[2], p[2], conn = 7, two[2];
	size_t len;
	struct msghdr msg = { 0 };
	union {
		char		buf[CMSG_SPACE(sizeof(two))];
		struct cmsghdr	align;
	} u = { .buf = { 0 } };
	struct iovec iov = { .iov_base = big, .iov_len = 4 };
	struct cmsghdr *c;

	pair(sv);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(send(sv[0], "A=1", 4, 0), 4);
	ck_assert_int_eq(forkserver_recv(sv[1], buf, sizeof(buf), &len, &conn), -EBADMSG);
	two[0] = p[0];
	two[1] = p[1];
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(two));
	memcpy(CMSG_DATA(c), two, sizeof(two));
	ck_assert_int_eq(sendmsg(sv[0], &msg, 0), 4);
	ck_assert_int_eq(forkserver_recv(sv[1], buf, sizeof(buf), &len, &conn), -EBADMSG);
	ck_assert_int_eq(forkserver_send(sv[0], p[1], big, sizeof(big)), 0);
	ck_assert_int_eq(forkserver_recv(sv[1], buf, sizeof(buf), &len, &conn), -EBADMSG);
	/* Every received copy was closed: only the pipe's two ends and the pair remain. */
	close(sv[0]);
	ck_assert_int_eq(forkserver_recv(sv[1], buf, sizeof(buf), &len, &conn), 0);
	close(p[1]);
	ck_assert_int_eq(read(p[0], buf, 1), 0);	/* no writer left anywhere */
	close(p[0]);
	close(sv[1]);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("forkserver");
	TCase *tc = tcase_create("forkserver");

	tcase_add_test(tc, pack_split_round_trip);
	tcase_add_test(tc, pack_refuses);
	tcase_add_loop_test(tc, split_table, 0, ARRAY_LEN(split_cases));
	tcase_add_test(tc, send_recv);
	tcase_add_test(tc, recv_refuses);
	suite_add_tcase(s, tc);
	return s;
}
