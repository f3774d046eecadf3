/*
 * The progress bar on a terminal's stderr: an optional label (the file's
 * name, or "files done/total" for -r), bar, percent, bytes, rate and ETA,
 * redrawn at most ten times a second.  Fields are dropped, least useful
 * first, so a frame never reaches the terminal's last column (which would
 * scroll a new line on every redraw), however narrow the terminal.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fget.h"
#include "io.h"

#define BAR_MIN		5
#define LINE_MAX_W	400
#define ETA_MAX_S	(100 * 3600)	/* shown as --:--:-- from here on */

/*
 * Whether a frame without its newline is on stderr's current line.  The
 * terminal is one per process, like log.c's program name: this is the
 * one piece of state progress_break() (called before every message) needs.
 */
static bool line_open;

void
progress_size(uint64_t v, char *buf, size_t size)
{
	static const char units[] = "BKMGTPE";
	double d = (double)v;
	size_t u = 0;

	while (d >= 1024 && u + 1 < sizeof(units) - 1) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		(void)snprintf(buf, size, "%" PRIu64 "B", v);
	else
		(void)snprintf(buf, size, d < 10 ? "%.1f%c" : "%.0f%c", d, units[u]);
}

/*
 * s seconds as hh:mm:ss.  A double, checked before any conversion: an
 * ETA from a size of 2^64-1 at a few bytes a second does not fit an
 * int64_t, and converting it would be undefined.
 */
void
progress_time(double s, char *buf, size_t size)
{
	int64_t t;

	if (!(s >= 0 && s < ETA_MAX_S)) {	/* also NaN */
		(void)snprintf(buf, size, "--:--:--");
		return;
	}
	t = (int64_t)s;
	(void)snprintf(buf, size, "%02d:%02d:%02d", (int)(t / 3600), (int)(t / 60 % 60),
	    (int)(t % 60));
}

static int
term_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == -1 || ws.ws_col == 0)
		return 80;
	return ws.ws_col > LINE_MAX_W ? LINE_MAX_W : ws.ws_col;
}

struct fields {
	char	label[LINE_MAX_W + 1];	/* "" or "NAME " */
	char	pct[16], sz[48], eta[24], rate[24];
	double	frac;
};

static void
fields_make(const struct progress *p, bool final, struct fields *fl)
{
	char done[16], total[16], rate[16], t[16];
	int64_t ms = io_now_ms() - p->t0;
	double secs = ms > 0 ? (double)ms / 1000 : 0.001;
	double bps = (double)(p->done - p->base) / secs;

	fl->frac = p->total > 0 ? (double)p->done / (double)p->total : 1.0;
	fl->frac = fl->frac > 1.0 ? 1.0 : fl->frac;
	(void)snprintf(fl->pct, sizeof(fl->pct), " %5.1f%%", fl->frac * 100);
	progress_size(p->done, done, sizeof(done));
	progress_size(p->total, total, sizeof(total));
	if (p->files)
		(void)snprintf(fl->sz, sizeof(fl->sz), " %s/%s", done, total);
	else
		(void)snprintf(fl->sz, sizeof(fl->sz), " %7s", done);
	progress_size((uint64_t)bps, rate, sizeof(rate));
	(void)snprintf(fl->rate, sizeof(fl->rate), " %7s/s", rate);
	progress_time(final ? secs : bps > 0 ? (double)(p->total - p->done) / bps : -1, t,
	    sizeof(t));
	(void)snprintf(fl->eta, sizeof(fl->eta), " %s %s", final ? "in" : "ETA", t);
}

/*
 * The label, cut to a third of the width from the front (names are
 * escaped: a byte a column), then the fields by importance: percent,
 * bytes, ETA, rate, and the bar in whatever room is left; shown in
 * curl's order, the rate before the ETA.  The last column stays free:
 * writing it makes many terminals wrap.
 */
static size_t
compose(const struct progress *p, bool final, char *line, size_t size)
{
	struct fields fl;
	const char *opt[3];
	int width = term_width(), left = width - 1, lmax = width / 3, bar, i;
	size_t n = 1, len;

	fields_make(p, final, &fl);
	opt[0] = fl.sz;
	opt[1] = fl.eta;
	opt[2] = fl.rate;
	left -= (int)strlen(fl.pct);
	line[0] = '\r';
	len = strlen(p->label);
	if (len > 0 && lmax >= 4 && left > lmax) {
		/* Cut at the front: the end of a path is the file's name. */
		if ((int)len > lmax - 1)
			n += (size_t)snprintf(line + n, size - n, "...%s ",
			    p->label + len - (size_t)(lmax - 4));
		else
			n += (size_t)snprintf(line + n, size - n, "%s ", p->label);
		left -= (int)(n - 1);
	}
	for (i = 0; i < 3; i++) {
		if ((int)strlen(opt[i]) > left)
			opt[i] = "";
		left -= (int)strlen(opt[i]);
	}
	if ((bar = left - 2) >= BAR_MIN) {
		int fill = (int)(fl.frac * bar);

		line[n++] = '[';
		memset(line + n, '#', (size_t)fill);
		memset(line + n + fill, '-', (size_t)(bar - fill));
		n += (size_t)bar;
		line[n++] = ']';
		left = 0;
	}
	n += (size_t)snprintf(line + n, size - n, "%s%s%s%s%*s%s", fl.pct, opt[0], opt[2],
	    opt[1], left > 0 ? left : 0, "", final ? "\n" : "");
	return n < size ? n : size - 1;
}

static void
draw(struct progress *p, bool final)
{
	char line[2 * LINE_MAX_W];
	size_t n = compose(p, final, line, sizeof(line));

	/* The bar is decoration: a failed write must not fail the transfer. */
	(void)!write(STDERR_FILENO, line, n);
	line_open = !final;
	p->last = io_now_ms();
}

void
progress_start(struct progress *p, bool on, uint64_t base, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->on = on;
	p->base = base;
	p->done = base;
	p->total = total;
	p->t0 = io_now_ms();
	p->last = p->t0;
}

void
progress_label(struct progress *p, const char *label)
{
	(void)snprintf(p->label, sizeof(p->label), "%s", label);
}

void
progress_update(struct progress *p, uint64_t done)
{
	p->done = done;
	if (p->on && io_now_ms() - p->last >= PROGRESS_REDRAW_MS)
		draw(p, false);
}

void
progress_end(struct progress *p, bool complete)
{
	if (!p->on)
		return;
	if (complete)
		draw(p, true);
	else
		progress_break();	/* keep the last bar above the error */
}

void
progress_break(void)
{
	if (!line_open)
		return;
	line_open = false;
	(void)!write(STDERR_FILENO, "\n", 1);
}
