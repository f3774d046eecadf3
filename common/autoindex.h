/*
 * Directory listings for HTTP (docs/http.md, "Directories"): an HTML page
 * laid out as nginx's autoindex lays it out, so that wget, lftp, rclone
 * and Kodi read it unchanged, and a JSON array as nginx's
 * autoindex_format json writes it.  Names are the file system's bytes:
 * any byte but '/' and NUL, not necessarily UTF-8.
 */
#ifndef FS_AUTOINDEX_H
#define FS_AUTOINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "fs-limits.h"

/* Longest HTML entry line: an encoded href, an escaped name, padding, date, size. */
#define AUTOINDEX_HTML_LINE_MAX	(9 * NAME_MAX + 256)
/* Longest JSON entry: a name of \uXXXX escapes, type, size, date. */
#define AUTOINDEX_JSON_LINE_MAX	(6 * NAME_MAX + 160)
/* The page's start and end around a title of a path: escaped, each byte up to 6. */
#define AUTOINDEX_HTML_HEAD_MAX	(12 * FS_PATH_MAX + 1024)

/*
 * The page up to the first entry, titled "Index of PATH" (path[0..len)
 * decoded, ending in '/'), with a link to the parent unless path is "/".
 * Returns the length written to dst (dstsize >= AUTOINDEX_HTML_HEAD_MAX
 * always fits), or -ENAMETOOLONG.
 */
int autoindex_html_head(const char *path, size_t len, char *dst, size_t dstsize);

/* The page's end, after the last entry; returns its length. */
int autoindex_html_tail(char *dst, size_t dstsize);

/* The same with a button that downloads the directory as one tar archive (?format=tar). */
int autoindex_html_tail_archive(char *dst, size_t dstsize);

/*
 * One entry's line: type 'd' or 'f', name[0..nlen) raw.  The href is
 * percent-encoded, the text HTML-escaped, with bytes that are not UTF-8
 * or are control characters shown as U+FFFD.  Returns the length, or
 * -ENAMETOOLONG (never with dstsize >= AUTOINDEX_HTML_LINE_MAX).
 */
int autoindex_html_entry(char type, uint64_t size, int64_t mtime, const char *name,
    size_t nlen, char *dst, size_t dstsize);

/*
 * One element of the JSON array, {"name", "type", "size", "mtime"}, with
 * a leading ",\n" unless first.  A byte of the name that is not UTF-8
 * becomes \udcXX (the escape Python's surrogateescape reads back to the
 * same byte), so the document stays valid JSON and no name is lost.
 */
int autoindex_json_entry(int first, char type, uint64_t size, int64_t mtime,
    const char *name, size_t nlen, char *dst, size_t dstsize);

/* The length of the valid UTF-8 sequence at s[0..len), 1-4, or 0 when there is none. */
size_t autoindex_utf8_len(const unsigned char *s, size_t len);

#endif
