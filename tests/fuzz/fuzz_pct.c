/* The percent codec: decoding never overflows, and decode(encode(x)) == x for any bytes. */
#include <string.h>

#include "fuzz.h"
#include "pct.h"

#define MAXLEN 4096

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char enc[3 * MAXLEN + 1], dec[MAXLEN + 1];
	ssize_t e, d;

	if (size > MAXLEN)
		return 0;
	d = pct_decode((const char *)data, size, dec, sizeof(dec));
	if (d >= 0)
		FUZZ_ASSERT((size_t)d <= size && memchr(dec, '\0', (size_t)d) == NULL);

	e = pct_encode((const char *)data, size, NULL, enc, sizeof(enc));
	FUZZ_ASSERT(e >= 0);
	d = pct_decode(enc, (size_t)e, dec, sizeof(dec));
	if (memchr(data, '\0', size) != NULL) {
		FUZZ_ASSERT(d < 0);	/* NUL is never a path byte */
	} else {
		FUZZ_ASSERT(d == (ssize_t)size && memcmp(dec, data, size) == 0);
	}
	return 0;
}
