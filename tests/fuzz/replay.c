/*
 * main() for fuzz targets outside libFuzzer: run each file named (or in a named
 * directory) once.  meson runs it, as replay-NAME in the unit suite of every build,
 * on tests/fuzz/seeds/NAME, corpus/NAME and regress/NAME (every crash, timeout or
 * slow input fuzzing ever found: tests/fuzz/README), so a bug once found stays fixed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

#define INPUT_MAX (1 << 20)

static int
replay_file(const char *path)
{
	static uint8_t buf[INPUT_MAX + 1];
	uint8_t *copy;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1) {
		fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	(void)close(fd);	/* read-only: nothing to lose */
	if (n < 0 || n > INPUT_MAX) {
		fprintf(stderr, "replay: cannot read %s: %s\n", path,
		    n < 0 ? strerror(errno) : "longer than the 1 MiB replay reads");
		return -1;
	}
	/* A copy of exactly n bytes, so ASan sees a read past the input. */
	if ((copy = malloc((size_t)n + 1)) == NULL)
		return -1;
	memcpy(copy, buf, (size_t)n);
	LLVMFuzzerTestOneInput(copy, (size_t)n);
	free(copy);
	return 1;
}

static int
replay_dir(const char *dir)
{
	char path[4096];
	struct dirent *e;
	DIR *d = opendir(dir);
	int count = 0;

	if (d == NULL)
		return replay_file(dir);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (replay_file(path) < 0) {
			closedir(d);
			return -1;
		}
		count++;
	}
	closedir(d);
	return count;
}

int
main(int argc, char *argv[])
{
	int i, n, total = 0;

	for (i = 1; i < argc; i++) {
		if ((n = replay_dir(argv[i])) < 0)
			return 1;
		printf("%s: %d inputs\n", argv[i], n);
		total += n;
	}
	printf("replayed %d inputs\n", total);
	return total > 0 ? 0 : 1;	/* no input at all means the seeds went missing */
}
