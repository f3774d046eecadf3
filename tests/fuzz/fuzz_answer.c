/* Answer headers from an untrusted server. */
#include <string.h>

#include "answer.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct answer a;

	if (answer_parse((const char *)data, size, &a) != 0)
		return 0;
	FUZZ_ASSERT(a.ok ? a.code == 0 : (a.code >= 100 && a.code <= 599));
	FUZZ_ASSERT(strlen(a.text) < sizeof(a.text));
	FUZZ_ASSERT(!a.has_type || a.type == 'f' || a.type == 'd');
	return 0;
}
