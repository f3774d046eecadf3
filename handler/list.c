/*
 * LIST: read the directory in large getdents64 batches, stat each entry
 * without following links, follow a symlink only beneath the root, sort
 * bytewise by raw name and send header and body in one go.  The whole
 * body is built first because the header must state its length.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handler.h"
#include "io.h"
#include "listing.h"
#include "log.h"
#include "path.h"

/* 32 bytes: the sort moves whole entries, several times each. */
struct entry {
	uint64_t	key;	/* 8 name bytes past the common prefix, big-endian: see dirlist_sort() */
	uint64_t	size;
	int64_t		mtime;
	uint32_t	name;	/* offset in the name arena: see the assertion below */
	char		type;
	uint8_t		len;	/* the name's, <= NAME_MAX (getdents) */
};

_Static_assert((uint64_t)FS_LIST_MAX * (NAME_MAX + 1) <= UINT32_MAX,
    "a LIST's names fit in 32-bit offsets and its count in 32-bit counters");

struct dirlist {
	struct entry	*e;
	size_t		 n, cap;
	char		*names;	/* NUL-terminated names, back to back */
	size_t		 names_len, names_cap;
};

static int
grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap == 0 ? 256 : *cap;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if ((np = realloc(*p, ncap * elem)) == NULL)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

/* The first 8 bytes of name (zeros past its end) as one number, for the sort. */
static uint64_t
name_key(const char *name)
{
	uint64_t k = 0;
	size_t i;

	for (i = 0; i < 8 && name[i] != '\0'; i++)
		k |= (uint64_t)(unsigned char)name[i] << (56 - 8 * i);
	return k;
}

static int
dirlist_add(struct dirlist *d, uint64_t max, const char *name, const struct stat *st)
{
	size_t nlen = strlen(name) + 1;

	if (d->n >= max)
		return -EFBIG;
	if (nlen > NAME_MAX + 1)
		return -ENAMETOOLONG;	/* not from a kernel we know */
	if (grow((void **)&d->e, &d->cap, d->n + 1, sizeof(*d->e)) < 0 ||
	    grow((void **)&d->names, &d->names_cap, d->names_len + nlen, 1) < 0)
		return -ENOMEM;
	memcpy(d->names + d->names_len, name, nlen);
	d->e[d->n++] = (struct entry){
		.key = name_key(name),
		.name = (uint32_t)d->names_len,
		.size = st->st_size < 0 ? 0 : (uint64_t)st->st_size,
		.mtime = (int64_t)st->st_mtim.tv_sec,
		.type = S_ISDIR(st->st_mode) ? 'd' : 'f',
		.len = (uint8_t)(nlen - 1),
	};
	d->names_len += nlen;
	return 0;
}

/*
 * What a directory entry stands for, judged without following links; a
 * symlink is followed only through confine_open(), so one that dangles
 * or leaves the root is left out.  Returns true when it is listed.
 */
static bool
entry_stat(struct session *s, int dirfd, struct target *t, const char *name, struct stat *st)
{
	bool ok;
	int fd;

	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) == -1)
		return false;	/* vanished since getdents: not listed */
	if (S_ISLNK(st->st_mode)) {
		t->comp[t->n] = name;
		if ((fd = confine_open(&s->root, t->comp, t->n + 1, O_PATH)) < 0)
			return false;
		ok = fstat(fd, st) == 0;
		(void)close(fd);
		if (!ok)
			return false;
	}
	return S_ISREG(st->st_mode) || S_ISDIR(st->st_mode);
}

static bool
entry_wanted(const struct session *s, const char *name)
{
	if (name[0] != '.')
		return true;
	if (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))
		return false;
	return s->opt->show_hidden;
}

/* Read every entry of dirfd into d; returns 0 or -errno (-EFBIG past --max-entries). */
static int
dirlist_read(struct session *s, int dirfd, struct target *t, struct dirlist *d)
{
	char buf[64 * 1024] __attribute__((aligned(8)));
	ssize_t got, off;
	struct stat st;
	int r;

	while ((got = getdents64(dirfd, (void *)buf, sizeof(buf))) > 0) {
		for (off = 0; off < got; off += ((struct dirent64 *)(buf + off))->d_reclen) {
			const char *name = ((struct dirent64 *)(buf + off))->d_name;

			if (!entry_wanted(s, name) || !entry_stat(s, dirfd, t, name, &st))
				continue;
			if ((r = dirlist_add(d, s->opt->max_entries, name, &st)) < 0)
				return r;
		}
	}
	return got < 0 ? -errno : 0;
}

/*
 * Bytewise by raw name, as the protocol orders them (strcmp compares
 * unsigned chars).  names points past the prefix all names share.
 */
static bool
entry_before(const struct entry *x, const struct entry *y, const char *names)
{
	if (x->key != y->key)
		return x->key < y->key;
	return strcmp(names + x->name, names + y->name) < 0;
}

/*
 * For the names whose keys tie: a merge sort of our own rather than
 * libc's qsort, as glibc's asks sysinfo() how much memory there is (the
 * sandbox forbids that).  Sorts src[0..n) into dst, which starts as a
 * copy of it; each level merges from one array into the other, so
 * nothing is copied back.
 */
static void
entries_sort(struct entry *src, struct entry *dst, size_t n, const char *names)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	entries_sort(dst, src, mid, names);		/* each half sorted, into src */
	entries_sort(dst + mid, src + mid, n - mid, names);
	while (i < mid && j < n)
		dst[k++] = entry_before(&src[j], &src[i], names) ? src[j++] : src[i++];
	while (i < mid)
		dst[k++] = src[i++];
	while (j < n)
		dst[k++] = src[j++];
}

/*
 * By key alone: a least-significant-byte-first radix sort, stable and
 * free of branches on the data, where the merge sort mispredicts about
 * every other comparison (it was a third of a large LIST's user time).
 * A byte that is the same in every key costs no pass.  Sorts a[0..n)
 * using b as much room; returns whichever of the two holds the result.
 */
static struct entry *
entries_radix(struct entry *a, struct entry *b, size_t n)
{
	uint32_t count[8][256] = {{0}}, sum, c;
	struct entry *t;
	size_t i;
	int byte, digit;

	for (i = 0; i < n; i++)
		for (byte = 0; byte < 8; byte++)
			count[byte][a[i].key >> 8 * byte & 0xff]++;
	for (byte = 0; byte < 8; byte++) {
		if (count[byte][a[0].key >> 8 * byte & 0xff] == n)
			continue;
		for (sum = 0, digit = 0; digit < 256; digit++) {
			c = count[byte][digit];
			count[byte][digit] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			b[count[byte][a[i].key >> 8 * byte & 0xff]++] = a[i];
		t = a, a = b, b = t;
	}
	return a;
}

/* Orders each run of equal keys in e[0..n) by name, with tmp as room. */
static void
entries_break_ties(struct entry *e, struct entry *tmp, size_t n, const char *names)
{
	size_t i, j;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && e[j].key == e[i].key; j++)
			;
		if (j - i < 2)
			continue;
		memcpy(tmp, e + i, (j - i) * sizeof(*e));
		entries_sort(tmp, e + i, j - i, names);
	}
}

/* How many leading bytes every name shares (at most the shortest one's length). */
static size_t
common_prefix(const struct dirlist *d)
{
	const char *first = d->names + d->e[0].name;
	size_t len = strlen(first), i, k;

	for (i = 1; i < d->n && len > 0; i++) {
		const char *name = d->names + d->e[i].name;

		for (k = 0; k < len && name[k] == first[k]; k++)
			;
		len = k;
	}
	return len;
}

/*
 * Names in one directory often share a prefix (file000001, file000002...),
 * and a key made of the first 8 bytes then ties on most comparisons, each
 * a strcmp.  Keyed past the shared prefix, the keys mostly differ.
 */
static int
dirlist_sort(struct dirlist *d)
{
	struct entry *tmp;
	size_t skip, i;

	if (d->n < 2)
		return 0;
	if ((tmp = malloc(d->n * sizeof(*tmp))) == NULL)
		return -ENOMEM;
	if ((skip = common_prefix(d)) > 0)
		for (i = 0; i < d->n; i++)
			d->e[i].key = name_key(d->names + d->e[i].name + skip);
	if (entries_radix(d->e, tmp, d->n) == tmp) {
		struct entry *t = d->e;

		d->e = tmp, d->cap = d->n, tmp = t;
	}
	entries_break_ties(d->e, tmp, d->n, d->names + skip);
	free(tmp);
	return 0;
}

/* Header then body, the body formatted into one buffer and written at once. */
static int
dirlist_send(struct session *s, struct dirlist *d)
{
	/* Every name byte may become %XX; type, numbers, spaces and LF fit in 48. */
	size_t cap = 3 * d->names_len + 48 * d->n + 1, hlen, len, i;
	char hdr[FS_HEADER_MAX], *body;
	int n, r;

	if ((body = malloc(cap)) == NULL)
		return -ENOMEM;
	for (len = 0, i = 0; i < d->n; i++) {
		n = listing_format(d->e[i].type, d->e[i].size, d->e[i].mtime,
		    d->names + d->e[i].name, d->e[i].len, body + len, cap - len);
		len += n < 0 ? 0 : (size_t)n;	/* names come from getdents: <= NAME_MAX */
	}
	hlen = (size_t)snprintf(hdr, sizeof(hdr), "OK %zu entries=%zu\n", len, d->n);
	if ((r = session_send_header_before(s, hdr, hlen, len)) == 0 && len > 0) {
		r = io_write_all(s->out, body, len, (int)s->opt->timeout_s * 1000);
		if (r == 0)
			s->sent += len;
	}
	free(body);
	return r;
}

enum fs_status
verb_list(struct session *s, struct request *req)
{
	struct dirlist d = { 0 };
	struct target t;
	struct stat st;
	enum fs_status status;
	int fd = -1, r;

	status = target_open(s, req, &t, O_RDONLY | O_NONBLOCK | O_NOCTTY, &fd, &st);
	if (status != FS_OK)
		return status;
	if (!S_ISDIR(st.st_mode)) {
		(void)close(fd);
		return FS_E400;		/* as GET of a directory is */
	}
	if ((r = dirlist_read(s, fd, &t, &d)) == 0) {
		if ((r = dirlist_sort(&d)) == 0 && dirlist_send(s, &d) < 0)
			s->gone = true;
	} else if (r == -EFBIG) {
		log_msg(LOG_ERR, 0, "%s: LIST: directory has more than %" PRIu64 " entries (--max-entries)",
		    s->peer, s->opt->max_entries);
	}
	(void)close(fd);
	free(d.e);
	free(d.names);
	return r == 0 ? FS_OK : (r == -EFBIG ? FS_E500 : status_from_errno(-r));
}
