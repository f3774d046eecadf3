/*
 * Every fuzz target defines LLVMFuzzerTestOneInput().  Built with
 * -Dfuzz=true (clang, -fsanitize=fuzzer) it runs under libFuzzer; in
 * every other build replay.c supplies main() and feeds it the checked-in
 * seeds and regression inputs, so a crash once found stays fixed.
 */
#ifndef FS_FUZZ_H
#define FS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant that does not hold is a crash, which is what a fuzzer reports. */
#define FUZZ_ASSERT(cond) do { if (!(cond)) abort(); } while (0)

#endif
