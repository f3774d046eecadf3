/*
 * The progress bar on a terminal's stderr: bytes, percent, rate and ETA,
 * redrawn at most ten times a second, ended by a 100% line when complete.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fget.h"
#include "io.h"

#define BAR_MIN		10

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

static void
fmt_time(int64_t s, char *buf, size_t size)
{
	if (s >= 100 * 3600)
		(void)snprintf(buf, size, "--:--:--");
	else
		(void)snprintf(buf, size, "%02d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60),
		    (int)(s % 60));
}

static int
term_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == -1 || ws.ws_col < 40)
		return 80;
	return ws.ws_col > 400 ? 400 : ws.ws_col;
}

static void
draw(struct progress *p, bool final)
{
	char line[512], stats[128], sz[16], rate[16], t[16];
	int64_t ms = io_now_ms() - p->t0;
	double secs = ms > 0 ? (double)ms / 1000 : 0.001;
	double bps = (double)(p->done - p->base) / secs;
	double frac = p->total > 0 ? (double)p->done / (double)p->total : 1.0;
	int width = term_width(), bar, fill, n;

	frac = frac > 1.0 ? 1.0 : frac;
	progress_size(p->done, sz, sizeof(sz));
	progress_size((uint64_t)bps, rate, sizeof(rate));
	if (final)
		fmt_time(ms / 1000, t, sizeof(t));
	else
		fmt_time(bps > 0 ? (int64_t)((double)(p->total - p->done) / bps) : 360000, t,
		    sizeof(t));
	n = snprintf(stats, sizeof(stats), " %5.1f%% %7s %7s/s %s %s", frac * 100, sz, rate,
	    final ? "in " : "ETA", t);
	bar = width - 1 - n - 2;
	bar = bar < BAR_MIN ? BAR_MIN : bar;
	fill = (int)(frac * bar);
	line[0] = '\r';
	line[1] = '[';
	memset(line + 2, '#', (size_t)fill);
	memset(line + 2 + fill, '-', (size_t)(bar - fill));
	line[2 + bar] = ']';
	n = snprintf(line + 3 + bar, sizeof(line) - 3 - (size_t)bar, "%s%s", stats,
	    final ? "\n" : "");
	/* The bar is decoration: a failed write must not fail the transfer. */
	(void)!write(STDERR_FILENO, line, 3 + (size_t)bar + (size_t)n);
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
		(void)!write(STDERR_FILENO, "\n", 1);	/* keep the last bar above the error */
}
