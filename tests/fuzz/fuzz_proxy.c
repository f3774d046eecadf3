/*
 * The PROXY header parser: bounded, and consistent under splitting: a
 * header that parses whole asks for more at every shorter prefix.
 */
#include <string.h>

#include "fuzz.h"
#include "proxy.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_info p;
	int r = proxy_parse(data, size, &p);
	size_t i;

	FUZZ_ASSERT(r <= (int)size && r <= PROXY_MAX);
	if (r <= 0)
		return 0;
	for (i = 0; i < (size_t)r; i++)
		FUZZ_ASSERT(proxy_parse(data, i, &p) == 0);
	FUZZ_ASSERT(proxy_parse(data, (size_t)r, &p) == r);
	if (!p.local)
		FUZZ_ASSERT(p.src_ip[0] != '\0' && p.dst_ip[0] != '\0');
	return 0;
}
