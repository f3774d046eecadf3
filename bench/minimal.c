/*
 * minimal: the benchmark's floor, the least a handler can do.  Reads one
 * line `GET /NAME` from fd 0, answers `OK <size>` LF and sendfile()s
 * NAME beneath the root (argv[1]) to fd 1, then exits.  No options, no
 * confinement, no logging, no checks beyond "does not escape with /":
 * never run it outside the benchmark.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	char line[4096], head[64], *name, *lf;
	size_t len = 0;
	struct stat st;
	off_t off = 0;
	ssize_t n;
	int root, fd, hl;

	if (argc != 2 || (root = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		return 1;
	while ((lf = memchr(line, '\n', len)) == NULL) {
		if (len == sizeof(line) || (n = read(0, line + len, sizeof(line) - len)) <= 0)
			return 1;
		len += (size_t)n;
	}
	*lf = '\0';
	if (strncmp(line, "GET /", 5) != 0 || strchr(name = line + 5, '/') != NULL ||
	    name[0] == '.' || (fd = openat(root, name, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		(void)!write(1, "ERR 404 not found\n", 18);
		return 0;
	}
	hl = snprintf(head, sizeof(head), "OK %lld\n", (long long)st.st_size);
	if (write(1, head, (size_t)hl) != hl)
		return 1;
	while (off < st.st_size)
		if (sendfile(1, fd, &off, (size_t)(st.st_size - off)) <= 0)
			return 1;
	return 0;
}
