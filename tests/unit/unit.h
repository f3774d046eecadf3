/* Each unit-test program defines unit_suite(); runner.c supplies main(). */
#ifndef FS_UNIT_H
#define FS_UNIT_H

#include <check.h>

Suite *unit_suite(void);

#define ARRAY_LEN(a) ((int)(sizeof(a) / sizeof((a)[0])))

#endif
