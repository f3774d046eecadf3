/* Content-Type by file name (docs/http.md, "Responses"): a fixed table, no files read. */
#ifndef FS_MIME_H
#define FS_MIME_H

#include <stddef.h>

/*
 * The media type for a file named name[0..len), from its extension,
 * case-insensitively: text types carry "; charset=utf-8", and anything
 * not in the table is application/octet-stream.
 */
const char *mime_type(const char *name, size_t len);

#endif
