/*
 * fget: the curl-like client of filesvc.  Shared declarations of its
 * modules: options, exit codes, the connection, outputs, progress.
 */
#ifndef FGET_H
#define FGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "answer.h"
#include "line.h"
#include "stream.h"
#include "url.h"

/* Exit statuses, curl's numbers where the meaning is the same (fget(1), --help). */
enum {
	FGET_OK = 0,
	FGET_FAIL = 1,		/* out of memory and other local trouble */
	FGET_USAGE = 2,
	FGET_URL = 3,		/* malformed URL, or no local name can be made from it */
	FGET_RESOLVE = 6,
	FGET_CONNECT = 7,
	FGET_WEIRD = 8,		/* the server's answer breaks protocol 1 */
	FGET_PARTIAL = 18,	/* the body ended early */
	FGET_WRITE = 23,	/* a local file or stdout could not be written */
	FGET_TIMEOUT = 28,
	FGET_TLS = 35,		/* the TLS handshake failed */
	FGET_EMPTY = 52,	/* the server closed without answering */
	FGET_SEND = 55,
	FGET_RECV = 56,
	FGET_CERT = 60,		/* the server's certificate is not trusted, or not for the host */
	FGET_CACERT = 77,	/* --cacert (or the CA store) cannot be read */
	FGET_NOTFOUND = 78,	/* ERR 404 */
	FGET_FORBIDDEN = 79,	/* ERR 403 */
	FGET_SERVER = 80,	/* any other ERR */
};

/* exitcode.c: the status for an ERR code: 78 for 404, 79 for 403, 80 else. */
int exitcode_err(unsigned code);
/*
 * Whether a failure with status may pass if tried again (--retry): a lost
 * or slow connection, a cut body, or ERR 408, 500 or 503 (last_err, the
 * last ERR code; 0 none).
 */
bool exitcode_transient(int status, unsigned last_err);

#define PROGRESS_REDRAW_MS	100		/* at most ten frames a second */
#define FGET_BUF_SIZE		(256 * 1024)	/* one read from the socket */
#define FGET_PIPELINE_MAX	16		/* requests in flight while mirroring */
#define FGET_QUEUE_MAX		100000		/* -r: entries listed, not yet fetched */
#define FGET_PIPELINE_BYTES	(16 * 1024)	/* their bytes: never more than socket buffers */

struct options {
	const char	**urls;
	size_t		 nurls;
	const char	**outputs;	/* -o FILE, the i-th for the i-th URL */
	size_t		 noutputs;
	const char	*output_dir;
	bool		 remote_name;	/* -O */
	bool		 resume;	/* -C - */
	bool		 recursive;
	bool		 list;
	bool		 long_list;
	bool		 human;
	bool		 silent;
	bool		 show_error;
	bool		 verbose;
	bool		 progress;	/* decided at setup: stderr is a terminal, no -s */
	int		 family;	/* AF_UNSPEC, AF_INET, AF_INET6 */
	uint64_t	 connect_timeout_ms;
	uint64_t	 max_time_ms;	/* 0: none */
	uint64_t	 retry;
	const char	*cacert;	/* --cacert FILE: the CAs trusted instead of the system's */
	bool		 insecure;	/* -k: no certificate or host check */
};

/* The one connection, reused while URLs name the same scheme, host and port. */
struct conn {
	struct stream	 st;		/* st.fd -1: none */
	bool		 tls;		/* filesvcs:// */
	char		 host[URL_HOST_MAX + 1];
	uint16_t	 port;
	unsigned	 answered;	/* answers read on it: 0 means fresh */
	uint64_t	 body_left;	/* of the answer being read */
	int64_t		 deadline;	/* of the current transfer (io_now_ms), -1 none */
	int64_t		 tick_ms;	/* conn_body() returns 0 bytes after this long idle */
	const struct options *opt;
	struct linebuf	 lb;
};

/* What the server said about a file: a resume must find the same. */
struct remote {
	uint64_t	size;
	int64_t		mtime;
};

enum out_kind {
	OUT_STREAM,	/* stdout, a device, a fifo: written as it is */
	OUT_FILE,	/* a regular file: NAME.part, renamed into place when complete */
};

struct output {
	enum out_kind	 kind;
	int		 fd;		/* -1 until output_begin() */
	int		 dirfd;		/* holds name */
	bool		 dirfd_owned;	/* -o DIR/NAME's DIR: output_close() closes it */
	char		 name[NAME_MAX + 1];
	char		 part[NAME_MAX + 1];
	char		 shown[512];	/* for messages */
	char		 shown_part[512];	/* the working file, likewise */
	char		 label[256];	/* before a bar, when not shown: a stream's remote name */
	uint64_t	 pos;		/* where the next byte goes */
	bool		 tty_guard;	/* stdout on a terminal the user did not ask for */
};

struct progress {
	bool		on;
	bool		files;		/* -r's aggregate: bytes shown as done/total */
	char		label[256];	/* escaped, shown before the bar; "" none */
	uint64_t	base;		/* bytes that were there before (resume) */
	uint64_t	total;
	uint64_t	done;		/* bytes that are there now, base included */
	int64_t		t0;
	int64_t		last;
};

/* The program's state, one per run. */
#define FGET_PARKED_MAX	4	/* idle connections kept for later URLs (pool.c) */

struct fget {
	const struct options *opt;
	struct conn	 conn;		/* the one in use */
	struct conn	 parked[FGET_PARKED_MAX];	/* idle, least recently used first */
	size_t		 nparked;
	char		*buf;		/* FGET_BUF_SIZE bytes */
	unsigned	 last_err;	/* the last ERR code, for --retry */
	struct progress	*agg;		/* -r's one bar for the tree, or NULL */
	uint64_t	 agg_done;	/* its bytes done, of files finished or abandoned */
};

/* pool.c: make f->conn u's connection if one is parked (parking the current one); close all. */
void pool_use(struct fget *f, const struct url *u);
void pool_close(struct fget *f);

/*
 * conn.c.  Functions that return int return 0 or an FGET_* status, having
 * logged why; a failure that leaves the stream unusable closes it.
 */
void conn_init(struct conn *c, const struct options *opt);
/* Whether c is open to u's server: scheme (TLS or not), host and port. */
bool conn_is_for(const struct conn *c, const struct url *u);
/* Be connected to u's server: the open connection if it is that one. */
int conn_get(struct conn *c, const struct url *u);
/* Close (the server sees EOF); harmless when closed. */
void conn_close(struct conn *c);
/* Start the clock of a transfer: now + -m, or none. */
void conn_deadline(struct conn *c);
/* Send line[0..len) and a LF; len + 1 <= FS_LINE_MAX. */
int conn_send(struct conn *c, const char *line, size_t len);
/* Read and parse the next answer header; an OK's body is then owed to conn_body(). */
int conn_answer(struct conn *c, struct answer *a);
/*
 * Up to max bytes of the current body into buf, *ret_n of them (0 when
 * the body is done, or when tick_ms passed without data).  A body that
 * ends early is FGET_PARTIAL.
 */
int conn_body(struct conn *c, void *buf, size_t max, size_t *ret_n);
/* Read and drop the rest of the current body, keeping a pipelined stream in step. */
int conn_skip(struct conn *c);
/* With -v, "> request" or "< answer header" on stderr, escaped. */
void conn_trace(const struct conn *c, char dir, const char *line, size_t len);

/*
 * output.c.  Functions that return int return 0 or FGET_WRITE (or
 * FGET_FAIL), having logged why.
 */
/*
 * Where the i-th URL u goes: -o FILE (beneath outdir unless absolute),
 * stdout (-o -, or by default), or -O's name made from u beneath outdir.
 * A stream is labelled with u's name for its progress bar.
 */
int output_choose(const struct options *opt, const struct url *u, size_t i, int outdir,
    struct output *o);
/*
 * Standard output, written as it is; asked for (-o -), or by default,
 * when binary output to a terminal is refused.
 */
void output_stdout(struct output *o, bool asked);
/*
 * name (no '/') beneath dirfd, to be written as name.part and renamed.
 * in_place (-o): an existing non-regular file, or our own stdout, is
 * written as it is instead.  shown names it in messages.
 */
int output_prepare(struct output *o, int dirfd, const char *name, bool in_place,
    const char *shown);
/* True when name is a regular file of rm's size and mtime (not a symlink). */
bool output_complete(const struct output *o, const struct remote *rm);
/* Where name.part may be continued from: its length if recorded for rm, else 0. */
uint64_t output_part_offset(const struct output *o, const struct remote *rm);
/* Open name.part at offset (truncating after it); at 0, record rm (NULL: none). */
int output_begin(struct output *o, uint64_t offset, const struct remote *rm);
/* Append buf[0..len); zero pieces of a file become holes. */
int output_write(struct output *o, const char *buf, size_t len);
/* Complete: mtime from rm (NULL: none), fsync, rename name.part to name. */
int output_finish(struct output *o, const struct remote *rm);
/* Stop writing a file; name.part stays for -C -. */
void output_abort(struct output *o);
/* Done with the URL: close what output_prepare() opened (never stdout). */
int output_close(struct output *o);

/* progress.c: a no-op unless on; draws on stderr. */
void progress_start(struct progress *p, bool on, uint64_t base, uint64_t total);
/* Show label (already escaped for a terminal) before the bar; cut to fit. */
void progress_label(struct progress *p, const char *label);
/* done bytes are there now; redraws at most every PROGRESS_REDRAW_MS. */
void progress_update(struct progress *p, uint64_t done);
/* The final frame (100%) and a newline, or only the newline after a failure. */
void progress_end(struct progress *p, bool complete);
/*
 * End the line of a bar still being drawn, so that what comes next (a
 * message) starts on a line of its own; called before every log line.
 */
void progress_break(void);
/* v as "123B", "1.5K", "20M" into buf. */
void progress_size(uint64_t v, char *buf, size_t size);
/* s seconds as "hh:mm:ss"; "--:--:--" when negative, NaN or 100 hours or more. */
void progress_time(double s, char *buf, size_t size);

/* transfer.c: one URL; each returns 0 or an FGET_* status. */
/* GET u to o, resuming with -C - or on --retry; a complete file is left alone. */
int transfer_get(struct fget *f, const struct url *u, struct output *o);
/* LIST u to o, ls-like. */
int transfer_list(struct fget *f, const struct url *u, struct output *o);
/* Send line and read its answer, reconnecting once if a reused connection has gone. */
int transfer_request(struct fget *f, const struct url *u, const char *line, size_t len,
    struct answer *a);
/*
 * An OK answer to "GET path off" must carry size= and mtime= and promise
 * exactly the file's bytes from off on; else it is logged as shown's,
 * the connection closed, and FGET_WEIRD returned.
 */
int transfer_get_header(struct fget *f, const char *shown, const struct answer *a,
    uint64_t off);
/* Log an ERR answer for u; returns its status (exitcode_err()). */
int transfer_error(struct fget *f, const struct url *u, const struct answer *a);
/* Copy the current body to o with a progress bar; rm->size is the whole file's. */
int transfer_body(struct fget *f, struct output *o, const struct remote *rm);
/* After a failure with status: wait and return true if --retry allows another attempt. */
bool transfer_retry(struct fget *f, const struct url *u, unsigned attempt, int status);

/* list.c */
struct listing_entry;
typedef int list_each_fn(void *ctx, const struct listing_entry *e);
/*
 * Read a LIST body (after answer a), calling each() per entry checked by
 * listing_parse(); a non-zero return from each() stops and is returned.
 * A malformed line, or a count unlike a's entries=, is FGET_WEIRD.
 */
int list_body(struct fget *f, const struct answer *a, list_each_fn *each, void *ctx);
/* Print a LIST body to o: names, or --long columns. */
int list_print(struct fget *f, const struct answer *a, struct output *o);

/*
 * mirror.c: -r, u's tree into outdir over one connection.  Returns 0, or
 * the status of a connection failure, or else of the first entry that failed.
 */
int mirror_run(struct fget *f, const struct url *u, int outdir);

#endif
