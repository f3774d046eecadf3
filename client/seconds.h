/*
 * Command-line durations: "2", "1.5", "0.25", ".5" seconds.
 */
#ifndef FGET_SECONDS_H
#define FGET_SECONDS_H

#include <stdint.h>

/*
 * Parse the NUL-terminated s as seconds, digits with an optional '.' and
 * fraction (at least one digit in all), into milliseconds in *ret_ms;
 * digits past the third decimal are accepted and dropped.  Returns 0,
 * -EINVAL for anything else (sign, blank, exponent, empty), -ERANGE for
 * less than 1 ms or more than max_s seconds.  *ret_ms is set only on success.
 */
int seconds_parse(const char *s, uint64_t max_s, uint64_t *ret_ms);

#endif
