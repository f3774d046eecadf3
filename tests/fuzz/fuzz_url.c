/* fget's URL parser: a URL never sends "..", and what it sends is a valid request path. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "path.h"
#include "pct.h"
#include "url.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct url u;
	static char dec[FS_PATH_MAX];
	const char *comp[FS_COMP_MAX], *why = NULL, *name;
	size_t n, i;
	ssize_t d;

	if (url_parse((const char *)data, size, &u, &why) != 0) {
		FUZZ_ASSERT(why != NULL);
		return 0;
	}
	FUZZ_ASSERT(u.port != 0 && u.host[0] != '\0' && u.path[0] == '/');
	FUZZ_ASSERT(u.wire_len == strlen(u.wire) && u.wire_len <= URL_WIRE_MAX);
	for (i = 0; i < u.wire_len; i++)	/* no raw byte the protocol says to encode */
		FUZZ_ASSERT(u.wire[i] == '%' || !pct_must_encode((unsigned char)u.wire[i]));
	d = pct_decode(u.wire, u.wire_len, dec, sizeof(dec));
	FUZZ_ASSERT(d >= 0);
	/* -EPERM would mean a ".." reached the wire; a long name is the server's to refuse. */
	FUZZ_ASSERT(path_split(dec, true, comp, FS_COMP_MAX, &n) != -EPERM);
	(void)url_name(&u, &name);
	return 0;
}
