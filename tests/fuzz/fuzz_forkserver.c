/*
 * The fork server's request payload: split, every entry is NAME=VALUE
 * inside the input; and what splits packs back to the same bytes.
 */
#include <errno.h>
#include <string.h>

#include "forkserver.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[FORKSERVER_REQUEST_MAX], again[FORKSERVER_REQUEST_MAX];
	char *vars[FORKSERVER_VARS_MAX];
	int n, i;

	if (size > sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	n = forkserver_vars_split(buf, size, vars, FORKSERVER_VARS_MAX);
	FUZZ_ASSERT(n >= -EINVAL && n <= FORKSERVER_VARS_MAX);
	if (n < 0)
		return 0;
	for (i = 0; i < n; i++) {
		FUZZ_ASSERT(vars[i] >= buf && vars[i] < buf + size);
		FUZZ_ASSERT(strchr(vars[i], '=') != NULL);
	}
	FUZZ_ASSERT(forkserver_vars_pack((const char *const *)vars, (size_t)n, again,
	    sizeof(again)) == (ssize_t)size);
	FUZZ_ASSERT(memcmp(again, data, size) == 0);
	return 0;
}
