/*
 * filesvc-handler's internal interfaces: one struct of state, passed by
 * pointer.  A request flows through the files in this order (design.md
 * has the map): session.c chooses the dialect; protocol1.c or
 * httpserve.c parses requests; target.c opens what a path names;
 * dirlist.c reads a directory; listbody.c formats and sends it; reply.c sends
 * headers, bodies and the log line.
 */
#ifndef FS_HANDLER_H
#define FS_HANDLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/stat.h>
#include <sys/types.h>

#include "addr.h"
#include "confine.h"
#include "io.h"
#include "line.h"
#include "peer.h"
#include "request.h"

/* Supplementary groups remembered; a user in more is judged by the first ones only. */
#define FS_GROUPS_MAX	64

enum dialect {
	DIALECT_AUTO,		/* the first request line decides */
	DIALECT_HTTP,
	DIALECT_FILESVC,	/* protocol 1 */
};

struct options {
	const char	*root;
	unsigned	 timeout_s;	/* idle: waiting for a request, or for the client to take data */
	bool		 show_hidden;
	bool		 no_sandbox;
	bool		 proxy_protocol;	/* a PROXY header (v1 or v2) comes first */
	uint64_t	 max_entries;	/* a listing of more answers 500: bounds memory */
	enum dialect	 dialect;
	const char	*index;		/* HTTP: serve this file of a directory instead of a listing */
	bool		 no_archive;	/* HTTP: no ?format=tar */
	bool		 allow_root;	/* serve even as uid 0 */
};

struct session {
	const struct options	*opt;
	struct confine		 root;
	int			 out;		/* fd 1 */
	bool			 out_is_socket;
	bool			 out_is_unix;	/* AF_UNIX: MSG_MORE holds nothing back there */
	bool			 gone;		/* the client left or a promise broke: stop */
	int			 termfd;	/* SIGTERM's signalfd, or -1 (sigterm.c) */
	bool			 term_held;	/* SIGTERM blocked: a request is under way */
	bool			 stopped;	/* a SIGTERM cut the transfer: end the session */
	char			 peer[ADDR_PEER_MAX];	/* "ip:port", for log lines */
	/* Per request, for its log line. */
	uint64_t		 sent;		/* body bytes sent */
	uint64_t		 promised;	/* body bytes its header promised */
	int64_t			 started_ms;
	int64_t			 first_deadline;	/* the first request's, once the dialect was chosen */
	/* Who the handler runs as, read before the sandbox: listings leave out what it cannot read. */
	uid_t			 uid;
	gid_t			 gid;
	int			 ngroups;
	gid_t			 groups[FS_GROUPS_MAX];
	struct linebuf		 in;		/* last: a request touches only its start */
};

/* session.c: the connection, from the root's opening to the last drained byte. */
int session_open(struct session *s, const struct options *opt);
void session_serve(struct session *s);
void session_close(struct session *s);

/*
 * Answer a connection the handler cannot serve (its root cannot be
 * opened, its sandbox cannot be entered) with code and reason, in the
 * dialect of its first line, read only for that: a server-side fault must
 * not look like a network fault (a reset) to the client.
 */
void session_refuse(struct session *s, int code, const char *reason);

/*
 * When the next request must have arrived: the first request's deadline
 * was set while its dialect was chosen, and choosing must not extend it.
 */
static inline int64_t
session_deadline(struct session *s)
{
	int64_t d = s->first_deadline;

	s->first_deadline = 0;
	return d != 0 ? d : io_now_ms() + (int64_t)s->opt->timeout_s * 1000;
}

/*
 * sigterm.c: a stop during a request.  sigterm_open() before the sandbox
 * (it makes the signalfd); sigterm_hold() when a request begins blocks
 * SIGTERM, so its log line is always written, and sigterm_release() before
 * the next request is awaited restores its default action.
 * sigterm_caught() reads a stop that came, setting s->stopped and s->gone;
 * sigterm_wait() is io_wait() that also returns -ECANCELED when a stop
 * comes while the client is slow to take data.
 */
void sigterm_open(struct session *s);
void sigterm_hold(struct session *s);
void sigterm_release(struct session *s);
bool sigterm_caught(struct session *s);
int sigterm_wait(struct session *s, int fd, short events, int64_t deadline);

/* A request begins: its clock and its byte counts, for its log line. */
static inline void
session_request_begins(struct session *s)
{
	sigterm_hold(s);
	s->started_ms = io_now_ms();
	s->sent = 0;
	s->promised = 0;
}

/* protocol1.c and httpserve.c: each serves requests of its dialect until the connection ends. */
void protocol1_serve(struct session *s);
void httpserve_serve(struct session *s);

/*
 * Components of a requested path, plus one slot for a listed entry's name.
 * 20 KiB on the stack, of which a request touches a few bytes at the start
 * of comp and of path: n sits beside comp's first entries, so a GET
 * faults in two fresh stack pages for it, not three.
 */
struct target {
	size_t		 n;
	const char	*comp[FS_COMP_MAX + 1];
	char		 path[FS_PATH_MAX];	/* a copy: splitting cuts it, the log wants it whole */
};

/*
 * target.c: open path[0..len) (decoded) beneath the root with flags and
 * fstat it; only regular files and directories pass.  FS_OK leaves
 * *ret_fd open and t holding the path's components.
 */
enum fs_status target_open(struct session *s, const char *path, size_t len, struct target *t,
    int flags, int *ret_fd, struct stat *st);
uint64_t target_size(const struct stat *st);

/* dirlist.c: a directory's listed entries, sorted bytewise by name. */
struct dirlist {
	struct dirlist_entry	*e;
	size_t			 n, cap;
	char			*names;	/* NUL-terminated names, back to back */
	size_t			 names_len, names_cap;
	bool			 ids;	/* a dirlist_id follows each name's NUL */
};

/* What identifies an entry's file beyond what a listing shows, for an archive's snapshot. */
struct dirlist_id {
	uint64_t	dev, ino;
	uint32_t	mtime_ns;
};
struct dirlist_entry {
	uint64_t	key;	/* 8 name bytes past the common prefix, big-endian: see dirlist.c */
	uint64_t	size;
	int64_t		mtime;
	uint32_t	name;	/* offset in the name arena */
	char		type;	/* 'f' or 'd' */
	uint8_t		len;	/* the name's, <= NAME_MAX (getdents) */
};

/*
 * Read dirfd (t names it, with room for one more component) into d,
 * leaving out what a listing leaves out, and sort it; with ids, keep each
 * entry's dirlist_id too.  Returns 0, or
 * -errno (-EFBIG past --max-entries, logged).  dirlist_free() after
 * either.
 */
int dirlist_load(struct session *s, int dirfd, struct target *t, struct dirlist *d, bool ids);

/* Entry i's device, inode and mtime nanoseconds; for a dirlist loaded with ids. */
struct dirlist_id dirlist_id(const struct dirlist *d, size_t i);

/* Grow the array *p of *cap elements of elem bytes to hold need: 0, or -ENOMEM. */
int dirlist_grow(void **p, size_t *cap, size_t need, size_t elem);
void dirlist_free(struct dirlist *d);

/* listbody.c: a listing's body, counted, then formatted and sent in chunks. */
enum listbody_format {
	LISTBODY_TEXT,		/* protocol 1's LIST body */
	LISTBODY_HTML,
	LISTBODY_JSON,
};

/*
 * An HTML or JSON body up to this size is formatted once and kept; a
 * larger one is formatted twice, never held.  Protocol 1's is counted by
 * arithmetic and formatted once.
 */
#define LISTBODY_KEEP_MAX	(2u << 20)

struct listbody {
	char	*p;		/* the body, while it fits */
	size_t	 kept, cap;
	bool	 dropped;	/* too large to keep: listbody_send() formats it again */
};

/*
 * Count d's body in format, keeping it in *b while it fits; returns its
 * exact length.  path[0..len) (decoded, ending in '/') titles an HTML
 * page, which offers the directory's archive, saying what it holds, when
 * census is not NULL.
 * listbody_free(b) after.
 */
struct archive_census;
uint64_t listbody_prepare(struct listbody *b, const struct dirlist *d,
    enum listbody_format format, const char *path, size_t len,
    const struct archive_census *census);

/* Send that body, exactly those bytes, after its header; 0 or -errno. */
int listbody_send(struct session *s, struct listbody *b, const struct dirlist *d,
    enum listbody_format format, const char *path, size_t len,
    const struct archive_census *census);
void listbody_free(struct listbody *b);

/*
 * reply.c: what goes back.  A header whose body (body bytes) follows at
 * once is held back on a socket (MSG_MORE) so both leave in one segment.
 * Every function returns 0 or -errno, and sets s->gone when the client is
 * gone or a promise is broken.
 */
int reply_header(struct session *s, const char *header, size_t len, uint64_t body);
int reply_buffer(struct session *s, const char *buf, size_t len);
/* Part of a body: more says more follows at once (MSG_MORE on a socket). */
int reply_part(struct session *s, const char *buf, size_t len, bool more);
int reply_file(struct session *s, int fd, uint64_t offset, uint64_t count);
/*
 * reply_header() (with count as the body) and reply_file() in one: a small
 * file on an AF_UNIX socket goes out with its header in one write.
 */
int reply_header_file(struct session *s, const char *header, size_t len, int fd,
    uint64_t offset, uint64_t count);
/* Protocol 1's error answer, "ERR code text", which has no body. */
int reply_err(struct session *s, int code, const char *text);

/* One log line for a request: code 0 is shown as OK (protocol 1's success). */
void reply_log(struct session *s, const char *method, const char *path, size_t len, int code);

/* status.c: the one table from errno to wire codes. */
enum fs_status status_from_errno(int err);

/* proxyhdr.c: read and apply the PROXY header; 0, or -EPROTO (close, logged). */
int proxyhdr_read(struct session *s);

#endif
