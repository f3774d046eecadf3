/* The request line and the path checks behind it: no input may crash them or slip ".." through. */
#include <string.h>

#include "fuzz.h"
#include "path.h"
#include "request.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct request req;
	const char *comp[FS_COMP_MAX];
	size_t n, i;

	if (size >= FS_LINE_MAX)
		return 0;
	if (request_parse((const char *)data, size, &req) != FS_OK)
		return 0;
	FUZZ_ASSERT(req.path_len == strlen(req.path));
	if (path_split(req.path, false, comp, FS_COMP_MAX, &n) < 0)
		return 0;
	for (i = 0; i < n; i++) {
		FUZZ_ASSERT(strcmp(comp[i], "..") != 0 && strcmp(comp[i], ".") != 0);
		FUZZ_ASSERT(strchr(comp[i], '/') == NULL && comp[i][0] != '\0');
		FUZZ_ASSERT(comp[i][0] != '.');	/* hidden names stay hidden */
	}
	return 0;
}
