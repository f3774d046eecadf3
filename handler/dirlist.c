/*
 * A directory's listing, as every dialect shows it: read in large
 * getdents64 batches, each entry stat'ed without following links, a
 * symlink followed only beneath the root, sorted bytewise by raw name.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handler.h"
#include "io.h"
#include "log.h"

_Static_assert(sizeof(struct dirlist_entry) == 32, "the sort moves whole entries, several times each");
_Static_assert((uint64_t)FS_LIST_MAX * (NAME_MAX + 1 + sizeof(struct dirlist_id)) <= UINT32_MAX,
    "a listing's names fit in 32-bit offsets and its count in 32-bit counters");

int
dirlist_grow(void **p, size_t *cap, size_t need, size_t elem)
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
	size_t nlen = strlen(name) + 1, room = nlen + (d->ids ? sizeof(struct dirlist_id) : 0);
	struct dirlist_id id;

	if (d->n >= max)
		return -EFBIG;
	if (nlen > NAME_MAX + 1)
		return -ENAMETOOLONG;	/* not from a kernel we know */
	if (dirlist_grow((void **)&d->e, &d->cap, d->n + 1, sizeof(*d->e)) < 0 ||
	    dirlist_grow((void **)&d->names, &d->names_cap, d->names_len + room, 1) < 0)
		return -ENOMEM;
	memcpy(d->names + d->names_len, name, nlen);
	if (d->ids) {
		id = (struct dirlist_id){ .dev = (uint64_t)st->st_dev, .ino = (uint64_t)st->st_ino,
		    .mtime_ns = (uint32_t)st->st_mtim.tv_nsec };
		memcpy(d->names + d->names_len + nlen, &id, sizeof(id));	/* unaligned: copied */
	}
	d->e[d->n++] = (struct dirlist_entry){
		.key = name_key(name),
		.name = (uint32_t)d->names_len,
		.size = st->st_size < 0 ? 0 : (uint64_t)st->st_size,
		.mtime = (int64_t)st->st_mtim.tv_sec,
		.type = S_ISDIR(st->st_mode) ? 'd' : 'f',
		.len = (uint8_t)(nlen - 1),
	};
	d->names_len += room;
	return 0;
}

/*
 * Whether the handler's user may read what st describes, and search it if
 * it is a directory, by its mode bits as the kernel would judge them (POSIX
 * ACLs are not consulted): what it could only refuse is not listed.
 */
static bool
entry_readable(const struct session *s, const struct stat *st)
{
	unsigned want = S_ISDIR(st->st_mode) ? 5 : 4, bits;
	int i;

	if (s->uid == 0)
		return true;
	if (st->st_uid == s->uid)
		bits = (st->st_mode >> 6) & 7;
	else if (st->st_gid == s->gid)
		bits = (st->st_mode >> 3) & 7;
	else {
		bits = st->st_mode & 7;
		for (i = 0; i < s->ngroups; i++)
			if (s->groups[i] == st->st_gid)
				bits = (st->st_mode >> 3) & 7;
	}
	return (bits & want) == want;
}

/*
 * What a directory entry stands for, judged without following links; a
 * symlink is followed only through confine_open(), so one that dangles
 * or leaves the root is left out.  Returns 1 when it is listed, 0 when
 * not, -EACCES when the directory cannot be searched, or the transient
 * error (EMFILE, ENOMEM...) that kept a link from being judged.
 */
static int
entry_stat(struct session *s, int dirfd, struct target *t, const char *name, struct stat *st)
{
	bool ok;
	int fd;

	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) == -1)
		/* A directory we may read but not search: 403, not an empty listing. */
		return errno == EACCES ? -EACCES : 0;	/* else vanished since getdents */
	if (S_ISLNK(st->st_mode)) {
		t->comp[t->n] = name;
		if ((fd = confine_open(&s->root, t->comp, t->n + 1, O_PATH)) < 0)
			/* Out of descriptors or memory says nothing of the link: fail, never drop it. */
			return fd == -EMFILE || fd == -ENFILE || fd == -ENOMEM || fd == -EAGAIN ? fd : 0;
		ok = fstat(fd, st) == 0;
		io_close_unwritten(fd);
		if (!ok)
			return 0;
	}
	return (S_ISREG(st->st_mode) || S_ISDIR(st->st_mode)) && entry_readable(s, st);
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

			if (!entry_wanted(s, name))
				continue;
			if ((r = entry_stat(s, dirfd, t, name, &st)) < 0)
				return r;
			if (r == 0)
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
entry_before(const struct dirlist_entry *x, const struct dirlist_entry *y, const char *names)
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
entries_sort(struct dirlist_entry *src, struct dirlist_entry *dst, size_t n, const char *names)
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
static struct dirlist_entry *
entries_radix(struct dirlist_entry *a, struct dirlist_entry *b, size_t n)
{
	uint32_t count[8][256] = {{0}}, sum, c;
	struct dirlist_entry *t;
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
entries_break_ties(struct dirlist_entry *e, struct dirlist_entry *tmp, size_t n, const char *names)
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
	struct dirlist_entry *tmp;
	size_t skip, i;

	if (d->n < 2)
		return 0;
	if ((tmp = malloc(d->n * sizeof(*tmp))) == NULL)
		return -ENOMEM;
	if ((skip = common_prefix(d)) > 0)
		for (i = 0; i < d->n; i++)
			d->e[i].key = name_key(d->names + d->e[i].name + skip);
	if (entries_radix(d->e, tmp, d->n) == tmp) {
		struct dirlist_entry *t = d->e;

		d->e = tmp, d->cap = d->n, tmp = t;
	}
	entries_break_ties(d->e, tmp, d->n, d->names + skip);
	free(tmp);
	return 0;
}

int
dirlist_load(struct session *s, int dirfd, struct target *t, struct dirlist *d, bool ids)
{
	int r;

	*d = (struct dirlist){ .ids = ids };
	if ((r = dirlist_read(s, dirfd, t, d)) == -EFBIG)
		log_msg(LOG_ERR, 0, "%s: directory has more than %" PRIu64 " entries (--max-entries)",
		    s->peer, s->opt->max_entries);
	if (r < 0)
		return r;
	return dirlist_sort(d);
}

struct dirlist_id
dirlist_id(const struct dirlist *d, size_t i)
{
	struct dirlist_id id;

	memcpy(&id, d->names + d->e[i].name + d->e[i].len + 1, sizeof(id));
	return id;
}

void
dirlist_free(struct dirlist *d)
{
	free(d->e);
	free(d->names);
}
