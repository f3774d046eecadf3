/*
 * The percent codec: decoding never overflows, decode(encode(x)) == x for
 * any bytes, and an escape cut for a log line stays bounded and escaped.
 */
#include <string.h>

#include "fuzz.h"
#include "pct.h"

#define MAXLEN 4096

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pct_rule cut = { .cut = true };
	static char enc[3 * MAXLEN + 1], dec[MAXLEN + 1];
	char shown[64];
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

	/* Cut for a log line: bounded, and still nothing raw that a terminal would act on. */
	e = pct_escape((const char *)data, size, &cut, shown, sizeof(shown));
	FUZZ_ASSERT(e >= 0 && (size_t)e < sizeof(shown) && strlen(shown) == (size_t)e);
	FUZZ_ASSERT(pct_is_encoded(shown, (size_t)e));
	return 0;
}
