/* LIST lines from an untrusted server: a parsed name can never steer a local path. */
#include <string.h>

#include "fuzz.h"
#include "listing.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[LISTING_LINE_MAX];
	struct listing_entry e, again;
	int n;

	if (listing_parse((const char *)data, size, &e) != 0)
		return 0;
	FUZZ_ASSERT(e.name_len == strlen(e.name) && e.name_len > 0);
	FUZZ_ASSERT(strchr(e.name, '/') == NULL);
	FUZZ_ASSERT(strcmp(e.name, ".") != 0 && strcmp(e.name, "..") != 0);
	/* What we would format for it parses back to the same entry. */
	n = listing_format(e.type, e.size, e.mtime, e.name, e.name_len, line, sizeof(line));
	FUZZ_ASSERT(n > 0);
	FUZZ_ASSERT(listing_parse(line, (size_t)n - 1, &again) == 0);
	FUZZ_ASSERT(again.size == e.size && again.mtime == e.mtime && again.type == e.type);
	FUZZ_ASSERT(strcmp(again.name, e.name) == 0);
	return 0;
}
