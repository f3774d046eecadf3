/* filesvc-handler's internal interfaces: one struct of state, passed by pointer. */
#ifndef FS_HANDLER_H
#define FS_HANDLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/stat.h>

#include "confine.h"
#include "line.h"
#include "request.h"

struct options {
	const char	*root;
	unsigned	 timeout_s;	/* idle: waiting for a request, or for the client to take data */
	bool		 show_hidden;
	bool		 no_sandbox;
	bool		 proxy_protocol;	/* a PROXY header (v1 or v2) comes first */
	uint64_t	 max_entries;	/* a LIST of more answers ERR 500: bounds memory */
};

struct session {
	const struct options	*opt;
	struct confine		 root;
	struct linebuf		 in;
	struct request		 req;		/* the one being answered */
	int			 out;		/* fd 1 */
	bool			 out_is_socket;
	bool			 gone;		/* the client left or a promise broke: stop */
	char			 peer[80];	/* "ip:port", for log lines */
	/* Per request, for its log line. */
	uint64_t		 sent;
	int64_t			 started_ms;
};

/* session.c */
int session_open(struct session *s, const struct options *opt);
void session_serve(struct session *s);
void session_close(struct session *s);
int session_send_header(struct session *s, const char *header, size_t len);
int session_send_header_before(struct session *s, const char *header, size_t len, uint64_t body);
void session_send_error(struct session *s, enum fs_status status);

/*
 * Components of a requested path, plus one slot for a LIST entry's name.
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
 * verbs.c: open the request's path beneath the root with flags and fstat
 * it; only regular files and directories pass.  FS_OK leaves *ret_fd open.
 */
enum fs_status target_open(struct session *s, struct request *req, struct target *t,
    int flags, int *ret_fd, struct stat *st);

/* verbs.c, list.c: each answers the request completely and returns the status logged. */
enum fs_status verb_list(struct session *s, struct request *req);
enum fs_status verb_get(struct session *s, struct request *req);
enum fs_status verb_stat(struct session *s, struct request *req);

/* send.c: copy count bytes of fd from offset to the client; 0, or -errno. */
int send_file(struct session *s, int fd, uint64_t offset, uint64_t count);

/* status.c: the one table from errno to wire codes. */
enum fs_status status_from_errno(int err);

/* proxyhdr.c: read and apply the PROXY header; 0, or -EPROTO (close, logged). */
int proxyhdr_read(struct session *s);

/* peer.c: who is on the other end, for log lines. */
void peer_describe(char *dst, size_t size);

#endif
