/*
 * rename_loop A B SECONDS: rename A to B and back as fast as it can for at
 * most SECONDS, after printing "renaming" once the first pair worked.
 * Each rename moves the kernel's rename_lock, which is what makes
 * openat2(RESOLVE_BENEATH) fail with EAGAIN host-wide (handler_renames_test.py).
 * An interpreter renames ten times slower: too slow to show the window.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int
main(int argc, char *argv[])
{
	time_t end;
	int i;

	if (argc != 4) {
		fprintf(stderr, "usage: rename_loop A B SECONDS\n");
		return 2;
	}
	end = time(NULL) + atoi(argv[3]);
	if (rename(argv[1], argv[2]) == -1 || rename(argv[2], argv[1]) == -1) {
		perror("rename_loop");
		return 1;
	}
	printf("renaming\n");
	if (fflush(stdout) == EOF)
		return 1;
	while (time(NULL) < end)
		for (i = 0; i < 10000; i++)
			if (rename(argv[1], argv[2]) == -1 || rename(argv[2], argv[1]) == -1)
				return 1;
	return 0;
}
