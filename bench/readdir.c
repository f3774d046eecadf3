/*
 * readdir: the benchmark's floor for LIST.  opendir + readdir + fstatat
 * (AT_SYMLINK_NOFOLLOW) over one directory, counting entries and bytes;
 * no sorting, no formatting, no output but one summary line.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

int
main(int argc, char *argv[])
{
	unsigned long long n = 0, bytes = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (argc != 2 || (d = opendir(argv[1])) == NULL) {
		perror(argc == 2 ? argv[1] : "usage: readdir DIR");
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;	/* vanished: not counted, as LIST leaves it out */
		n++;
		bytes += (unsigned long long)st.st_size;
	}
	(void)closedir(d);
	printf("entries=%llu bytes=%llu\n", n, bytes);
	return 0;
}
