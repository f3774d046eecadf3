/*
 * What filesvc-inetd says about itself: the counts as one line of text,
 * sent as STATUS= to the service manager (at most once a second), logged
 * on SIGUSR1, and the start-up line with READY=1.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fs-limits.h"
#include "inetd.h"
#include "log.h"

/* With --proxy-protocol, the connections still owing their header hold -c slots too. */
void
report_text(const struct supervisor *sv, char *dst, size_t size)
{
	char waiting[64] = "", closed[64] = "";

	if (sv->opt->proxy) {
		(void)snprintf(waiting, sizeof(waiting), " and %zu awaiting a PROXY header",
		    sv->pend.live);
		(void)snprintf(closed, sizeof(closed), ", %" PRIu64 " closed without one",
		    sv->unproxied);
	}
	(void)snprintf(dst, size, "%zu connections%s (at most %u), %" PRIu64 " started, %" PRIu64
	    " over the per-source cap, %" PRIu64 " failed to start%s", sv->conns.live, waiting,
	    sv->opt->max_conn, sv->accepted, sv->refused, sv->failed, closed);
}

/*
 * The counts changed: send STATUS= within a second.  One datagram per
 * connection would cost more than the connection; a periodic timer would
 * wake an idle supervisor for nothing.  So: a one-shot timer, armed by the
 * first change after each update.
 */
void
report_changed(struct supervisor *sv)
{
	if (!notify_enabled(&sv->nt) || sv->status_armed)
		return;
	sv->status_armed = true;
	loop_timer_arm(sv->statusfd, 1000, false);
}

void
report_tick(struct supervisor *sv)
{
	char text[REPORT_TEXT_MAX];

	loop_timer_drain(sv->statusfd);
	sv->status_armed = false;
	report_text(sv, text, sizeof(text));
	notify_status(&sv->nt, text);
}

/* SIGUSR1: what STATUS= says, for an administrator with no service manager to ask. */
void
report_log(const struct supervisor *sv)
{
	char text[REPORT_TEXT_MAX];

	report_text(sv, text, sizeof(text));
	log_msg(LOG_NOTICE, 0, "status: %s", text);
}

/*
 * PROGRAM as found in PATH, and its arguments, escaped, for the start-up
 * line: it says what is served (--root ...), not only which program.
 */
static void
command_line(const struct supervisor *sv, char *dst, size_t size)
{
	char word[FS_LOG_LINE_MAX / 2];
	const char *arg;
	size_t n = 0;
	int i;

	dst[0] = '\0';
	for (i = 0; sv->opt->argv[i] != NULL && n + 1 < size; i++) {
		arg = i == 0 ? sv->sp.path : sv->opt->argv[i];
		log_escape(arg, strlen(arg), word, sizeof(word));
		/* A cut line is acceptable: the log line has a bound anyway. */
		n += (size_t)snprintf(dst + n, size - n, "%s%s", i > 0 ? " " : "", word);
	}
}

void
report_ready(struct supervisor *sv)
{
	char text[REPORT_TEXT_MAX], cmd[FS_LOG_LINE_MAX / 2];

	command_line(sv, cmd, sizeof(cmd));
	log_msg(LOG_NOTICE, 0, "running %s for at most %u connections (%u per source)",
	    cmd, sv->opt->max_conn, sv->opt->max_per_source);
	report_text(sv, text, sizeof(text));
	notify_ready(&sv->nt, text);
}
