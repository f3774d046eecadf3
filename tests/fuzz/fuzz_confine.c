/*
 * Path confinement against a real tree of hostile symlinks: whatever
 * path the input names, the kernel's openat2() and our fallback walk
 * agree (long link chains included; openat2's EAGAIN on a busy host takes
 * the walk, so it cannot make them differ), and anything opened lies
 * beneath the root.  With hidden names
 * hidden, nothing opened is, or lies beneath, a name starting with '.',
 * however links lead there.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confine.h"
#include "fs-limits.h"
#include "fuzz.h"
#include "path.h"
#include "pct.h"

static char top[64], root[128];
static struct confine c, hiding;

static void assert_beneath(int fd);

static void
cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	(void)!system(cmd);
}

/*
 * Three links whose ~4000-byte targets each start with the next one: what
 * is left to resolve grows by a whole target at each hop.  The kernel
 * resolves them; so must the walk.
 */
static void
make_long_chain(void)
{
	char p[256], target[4096];
	size_t len;
	int i;

	for (i = 1; i <= 3; i++) {
		if (i < 3)
			len = (size_t)snprintf(target, sizeof(target), "long%d", i + 1);
		else
			len = (size_t)snprintf(target, sizeof(target), "dir");
		while (len + 7 < 4000)
			len += (size_t)snprintf(target + len, sizeof(target) - len, "/sub/..");
		snprintf(p, sizeof(p), "%s/long%d", root, i);
		FUZZ_ASSERT(symlink(target, p) == 0);
	}
}

static void
make_tree(void)
{
	static const char *const links[][2] = {
		{ "abs", "/etc" }, { "up", ".." }, { "dir/up", ".." }, { "dir/upup", "../.." },
		{ "loop", "loop" }, { "in", "dir" }, { "dir/self", "." }, { "deep", "dir/sub/../.." },
		{ "escape", "dir/../../root/a" }, { "dangling", "nope" },
		{ "g", ".h" }, { "gf", ".h/f" }, { "dir/hup", "../.h" }, { "via", "dir/../.h/.." },
		{ ".h/back", "../a" },
	};
	char p[256];
	size_t i;

	snprintf(top, sizeof(top), "/tmp/filesvc-fuzz-%d", (int)getpid());
	snprintf(root, sizeof(root), "%s/root", top);
	snprintf(p, sizeof(p), "%s/root/dir/sub", top);
	FUZZ_ASSERT(mkdir(top, 0700) == 0 && mkdir(root, 0755) == 0);
	snprintf(p, sizeof(p), "%s/dir", root);
	FUZZ_ASSERT(mkdir(p, 0755) == 0);
	snprintf(p, sizeof(p), "%s/dir/sub", root);
	FUZZ_ASSERT(mkdir(p, 0755) == 0);
	snprintf(p, sizeof(p), "%s/a", root);
	FUZZ_ASSERT(close(open(p, O_WRONLY | O_CREAT, 0644)) == 0);
	snprintf(p, sizeof(p), "%s/.h", root);
	FUZZ_ASSERT(mkdir(p, 0755) == 0);
	snprintf(p, sizeof(p), "%s/.h/f", root);
	FUZZ_ASSERT(close(open(p, O_WRONLY | O_CREAT, 0644)) == 0);
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, links[i][0]);
		FUZZ_ASSERT(symlink(links[i][1], p) == 0);
	}
	make_long_chain();
	atexit(cleanup);
	FUZZ_ASSERT(confine_init(&c, root, true) == 0);
	FUZZ_ASSERT(confine_init(&hiding, root, false) == 0);
}

/* Hiding: the fd's path beneath the root has no component starting with '.'. */
static void
assert_not_hidden(int fd)
{
	char link[64], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	FUZZ_ASSERT(n > 0);
	target[n] = '\0';
	FUZZ_ASSERT(strstr(target + strlen(root), "/.") == NULL);
}

/* With hidden names hidden: both ways agree, and nothing hidden is reached. */
static void
check_hiding(char *path)
{
	const char *comp[FS_COMP_MAX];
	size_t n;
	int a, b;

	if (path_split(path, false, comp, FS_COMP_MAX, &n) < 0)
		return;		/* a dot-component by name: 404 before any lookup */
	a = confine_open(&hiding, comp, n, O_PATH);
	b = confine_walk(hiding.rootfd, comp, n, O_PATH, false);
	FUZZ_ASSERT((a >= 0) == (b >= 0));
	if (a >= 0) {
		assert_beneath(a);
		assert_not_hidden(a);
		assert_not_hidden(b);
		close(a);
		close(b);
	}
}

/* The fd must name something at or beneath the root. */
static void
assert_beneath(int fd)
{
	char link[64], target[PATH_MAX];
	ssize_t n;
	size_t rl = strlen(root);

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	FUZZ_ASSERT(n > 0);
	target[n] = '\0';
	FUZZ_ASSERT(strncmp(target, root, rl) == 0 && (target[rl] == '\0' || target[rl] == '/'));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[FS_PATH_MAX], again[FS_PATH_MAX];
	const char *comp[FS_COMP_MAX];
	struct stat s1, s2;
	size_t n;
	int a, b;

	if (root[0] == '\0')
		make_tree();
	if (pct_decode((const char *)data, size, path, sizeof(path)) < 0)
		return 0;
	memcpy(again, path, sizeof(again));	/* path_split() cuts its input */
	check_hiding(again);
	if (path_split(path, true, comp, FS_COMP_MAX, &n) < 0)
		return 0;
	a = confine_open(&c, comp, n, O_PATH);
	b = confine_walk(c.rootfd, comp, n, O_PATH, true);
	FUZZ_ASSERT((a >= 0) == (b >= 0));
	if (a < 0) {
		FUZZ_ASSERT(a == b || (a == -ELOOP && b == -EXDEV) || (a == -EXDEV && b == -ELOOP));
		return 0;
	}
	assert_beneath(a);
	assert_beneath(b);
	FUZZ_ASSERT(fstat(a, &s1) == 0 && fstat(b, &s2) == 0);
	FUZZ_ASSERT(s1.st_ino == s2.st_ino && s1.st_dev == s2.st_dev);
	close(a);
	close(b);
	return 0;
}
