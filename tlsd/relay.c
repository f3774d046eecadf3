/*
 * The relay: TLS records on fds 0/1, plain bytes on the command's
 * socket, one bounded buffer per direction.  Each step tries whatever is
 * not known to be blocked; poll() waits only for what an operation said
 * it needs (SSL_ERROR_WANT_READ/WRITE, EAGAIN) or what a read that found
 * the socket drained foretells, so bytes OpenSSL holds (SSL_has_pending)
 * are read without waiting for the socket, and nothing spins.  A
 * half-close passes on: the client's close_notify or EOF becomes
 * shutdown(SHUT_WR) towards the command, the command's EOF becomes
 * close_notify towards the client.
 */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "relaybuf.h"
#include "tlsd.h"

struct relay {
	struct tlsd	*t;
	struct relaybuf	 up;		/* client -> command */
	struct relaybuf	 down;		/* command -> client */
	int		 rd_wait;	/* what SSL_read waits for: 0 or SSL_ERROR_WANT_* */
	int		 wr_wait;	/* likewise SSL_write and SSL_shutdown */
	bool		 child_rd_blocked, child_wr_blocked;
	bool		 client_eof;	/* close_notify or EOF from the client */
	bool		 child_shut;	/* shutdown(SHUT_WR) passed it on */
	bool		 child_gone;	/* the command reads no more: drop the up direction */
	bool		 child_eof;	/* the command wrote its last byte */
	bool		 notified;	/* close_notify sent */
	bool		 failed;	/* the client is gone or broke TLS: stop */
};

/* SSL_read/SSL_write's result: bytes moved (> 0), 0 when it must wait, -1 otherwise. */
static int
tls_result(struct relay *rl, int ret, int *wait)
{
	int err;

	if (ret > 0)
		return ret;
	err = SSL_get_error(rl->t->ssl, ret);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
		*wait = err;
		return 0;
	}
	return -1;
}

static bool
from_client(struct relay *rl)
{
	unsigned char *p;
	size_t room;
	int ret, n;

	if (rl->client_eof || rl->child_gone || rl->rd_wait != 0 ||
	    (room = relaybuf_room(&rl->up, &p)) == 0)
		return false;
	ERR_clear_error();
	ret = SSL_read(rl->t->ssl, p, room > INT32_MAX ? INT32_MAX : (int)room);
	if ((n = tls_result(rl, ret, &rl->rd_wait)) > 0) {
		relaybuf_added(&rl->up, (size_t)n);
		/*
		 * The client sends requests, each read whole (read-ahead): with
		 * nothing left in OpenSSL the socket is most likely empty, so
		 * wait for it rather than read it for EAGAIN; if bytes did come,
		 * poll says so at once.
		 */
		if (!SSL_has_pending(rl->t->ssl))
			rl->rd_wait = SSL_ERROR_WANT_READ;
	} else if (n < 0 && SSL_get_error(rl->t->ssl, ret) == SSL_ERROR_ZERO_RETURN)
		rl->client_eof = true;	/* close_notify, or EOF (SSL_OP_IGNORE_UNEXPECTED_EOF) */
	else if (n < 0)
		rl->failed = true;
	return n != 0;
}

static bool
to_child(struct relay *rl)
{
	const unsigned char *p;
	size_t held = relaybuf_out(&rl->up, &p);
	ssize_t n;

	if (held > 0 && !rl->child_wr_blocked && !rl->child_gone) {
		n = write(rl->t->child_fd, p, held);
		if (n > 0) {
			relaybuf_sent(&rl->up, (size_t)n);
			return true;
		}
		if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
			rl->child_wr_blocked = errno == EAGAIN;
			return false;
		}
		rl->child_gone = true;	/* EPIPE, ECONNRESET: it reads no more */
		relaybuf_sent(&rl->up, held);
		return true;
	}
	if (held == 0 && rl->client_eof && !rl->child_shut && !rl->child_gone) {
		if (shutdown(rl->t->child_fd, SHUT_WR) == -1)
			rl->child_gone = true;	/* ENOTCONN: it has closed already */
		rl->child_shut = true;
		return true;
	}
	return false;
}

static bool
from_child(struct relay *rl)
{
	unsigned char *p;
	size_t room;
	ssize_t n;

	/*
	 * Only once less than a record is left to encrypt: topping the buffer
	 * up after each record would be a read per record.
	 */
	if (rl->child_eof || rl->child_rd_blocked || relaybuf_held(&rl->down) >= FS_RELAY_RECORD ||
	    (room = relaybuf_room(&rl->down, &p)) == 0)
		return false;
	n = read(rl->t->child_fd, p, room);
	if (n > 0) {
		relaybuf_added(&rl->down, (size_t)n);
		/* Less than asked: the socket was empty, and a read now would most likely say EAGAIN. */
		rl->child_rd_blocked = (size_t)n < room;
		return true;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		rl->child_rd_blocked = errno == EAGAIN;
		return false;
	}
	rl->child_eof = true;	/* EOF, or ECONNRESET: nothing more will come */
	return true;
}

static bool
to_client(struct relay *rl)
{
	const unsigned char *p;
	size_t held = relaybuf_out(&rl->down, &p);
	int n;

	if (rl->wr_wait != 0 || rl->notified)
		return false;
	ERR_clear_error();
	if (held > 0) {
		n = tls_result(rl, SSL_write(rl->t->ssl, p, held > INT32_MAX ? INT32_MAX : (int)held),
		    &rl->wr_wait);
		if (n > 0)
			relaybuf_sent(&rl->down, (size_t)n);
		rl->failed |= n < 0;
		return n != 0;
	}
	if (!rl->child_eof)
		return false;
	/* 0: sent, the client's not seen yet; we go on reading it, as TLS 1.3 allows. */
	if ((n = SSL_shutdown(rl->t->ssl)) < 0 && tls_result(rl, n, &rl->wr_wait) == 0)
		return false;
	rl->notified = true;
	rl->failed |= n < 0;
	/* A FIN after it, for clients that wait for one; on a pipe this fails, harmlessly. */
	(void)shutdown(STDOUT_FILENO, SHUT_WR);
	return true;
}

static bool
finished(const struct relay *rl)
{
	return rl->failed || ((rl->child_shut || rl->child_gone) && rl->notified);
}

/* The poll set for what the operations said they wait for; returns its size. */
static nfds_t
wanted(const struct relay *rl, struct pollfd pfd[3])
{
	short tls_in = 0, tls_out = 0, child = 0;

	if (rl->rd_wait == SSL_ERROR_WANT_READ || rl->wr_wait == SSL_ERROR_WANT_READ)
		tls_in = POLLIN;
	if (rl->rd_wait == SSL_ERROR_WANT_WRITE || rl->wr_wait == SSL_ERROR_WANT_WRITE)
		tls_out = POLLOUT;
	if (rl->child_rd_blocked)
		child |= POLLIN;
	if (rl->child_wr_blocked)
		child |= POLLOUT;
	pfd[0] = (struct pollfd){ .fd = tls_in != 0 ? STDIN_FILENO : -1, .events = tls_in };
	pfd[1] = (struct pollfd){ .fd = tls_out != 0 ? STDOUT_FILENO : -1, .events = tls_out };
	/*
	 * After the command's EOF, POLLHUP (never asked for, always told)
	 * says it closed its end for good; before it, a POLLHUP while our
	 * buffer is full would wake us again and again.
	 */
	pfd[2] = (struct pollfd){ .fd = child != 0 || (rl->child_eof && !rl->child_gone) ?
	    rl->t->child_fd : -1, .events = child };
	return 3;
}

static void
woken(struct relay *rl, const struct pollfd pfd[3])
{
	if (pfd[0].revents != 0) {
		rl->rd_wait = rl->rd_wait == SSL_ERROR_WANT_READ ? 0 : rl->rd_wait;
		rl->wr_wait = rl->wr_wait == SSL_ERROR_WANT_READ ? 0 : rl->wr_wait;
	}
	if (pfd[1].revents != 0) {
		rl->rd_wait = rl->rd_wait == SSL_ERROR_WANT_WRITE ? 0 : rl->rd_wait;
		rl->wr_wait = rl->wr_wait == SSL_ERROR_WANT_WRITE ? 0 : rl->wr_wait;
	}
	if (pfd[2].revents & (POLLIN | POLLERR | POLLHUP))
		rl->child_rd_blocked = false;
	if (pfd[2].revents & (POLLOUT | POLLERR | POLLHUP))
		rl->child_wr_blocked = false;
	/* Closed both ways once its output is read to the end: it takes no more input. */
	if ((pfd[2].revents & (POLLHUP | POLLERR)) && rl->child_eof)
		rl->child_gone = true;
}

/*
 * Idle: end as the handler does at its timeout, cleanly, with close_notify
 * (one try, not waited for) -- but only with nothing of the command's
 * unsent: a close_notify after a cut would pass a truncation for an end.
 */
static void
idle_close(struct relay *rl)
{
	if (!rl->notified && rl->wr_wait == 0 && relaybuf_held(&rl->down) == 0)
		(void)SSL_shutdown(rl->t->ssl);	/* the connection ends either way */
}

static void
relay_loop(struct relay *rl)
{
	int64_t idle_ms = (int64_t)rl->t->opt->timeout_s * 1000, deadline = io_now_ms() + idle_ms;
	struct pollfd pfd[3];
	int64_t left;
	int n;

	for (;;) {
		bool moved = false;

		moved |= from_client(rl);
		moved |= to_child(rl);
		moved |= from_child(rl);
		moved |= to_client(rl);
		if (finished(rl))
			return;
		if (moved) {
			deadline = io_now_ms() + idle_ms;
			continue;	/* try again before waiting: each try ends blocked or stuck */
		}
		left = deadline - io_now_ms();
		n = poll(pfd, wanted(rl, pfd), left > 0 ? (int)left : 0);
		if (n == -1 && errno != EINTR) {
			log_msg(LOG_ERR, errno, "poll");
			return;
		}
		if (n == 0) {
			log_msg(LOG_INFO, 0, "%s: idle for %u s, closing", rl->t->peer,
			    rl->t->opt->timeout_s);
			idle_close(rl);
			return;
		}
		if (n > 0)
			woken(rl, pfd);
	}
}

void
relay_run(struct tlsd *t)
{
	struct relay *rl = calloc(1, sizeof(*rl));	/* 128 KiB of buffers: not on the stack */

	if (rl == NULL) {
		log_msg(LOG_ERR, ENOMEM, "cannot relay for %s", t->peer);
		return;
	}
	rl->t = t;
	/*
	 * A record in one read(2) of as much as the socket holds, not its
	 * header and then its body in two: bytes read ahead stay in OpenSSL,
	 * and SSL_read serves them before it reads the socket again.
	 */
	SSL_set_read_ahead(t->ssl, 1);
	relay_loop(rl);
	free(rl);
}
