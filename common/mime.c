/*
 * A built-in table rather than /etc/mime.types: the handler runs in a
 * sandbox that opens nothing outside the root, and a table compiled in
 * gives every host the same answers.
 */
#include <string.h>
#include <strings.h>

#include "mime.h"

static const struct {
	const char	*ext;
	const char	*type;
} types[] = {
	{ "7z", "application/x-7z-compressed" },
	{ "avif", "image/avif" },
	{ "bz2", "application/x-bzip2" },
	{ "c", "text/plain; charset=utf-8" },
	{ "conf", "text/plain; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "csv", "text/csv; charset=utf-8" },
	{ "deb", "application/vnd.debian.binary-package" },
	{ "diff", "text/plain; charset=utf-8" },
	{ "epub", "application/epub+zip" },
	{ "flac", "audio/flac" },
	{ "gif", "image/gif" },
	{ "gz", "application/gzip" },
	{ "h", "text/plain; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "html", "text/html; charset=utf-8" },
	{ "ico", "image/vnd.microsoft.icon" },
	{ "iso", "application/x-iso9660-image" },
	{ "jpeg", "image/jpeg" },
	{ "jpg", "image/jpeg" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "log", "text/plain; charset=utf-8" },
	{ "m4a", "audio/mp4" },
	{ "md", "text/markdown; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "mkv", "video/x-matroska" },
	{ "mp3", "audio/mpeg" },
	{ "mp4", "video/mp4" },
	{ "oga", "audio/ogg" },
	{ "ogg", "audio/ogg" },
	{ "ogv", "video/ogg" },
	{ "opus", "audio/ogg" },
	{ "patch", "text/plain; charset=utf-8" },
	{ "pdf", "application/pdf" },
	{ "png", "image/png" },
	{ "py", "text/plain; charset=utf-8" },
	{ "rpm", "application/x-rpm" },
	{ "rs", "text/plain; charset=utf-8" },
	{ "sh", "text/plain; charset=utf-8" },
	{ "svg", "image/svg+xml" },
	{ "tar", "application/x-tar" },
	{ "tgz", "application/gzip" },
	{ "toml", "text/plain; charset=utf-8" },
	{ "ttf", "font/ttf" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "wasm", "application/wasm" },
	{ "wav", "audio/wav" },
	{ "webm", "video/webm" },
	{ "webp", "image/webp" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "xml", "application/xml" },
	{ "xz", "application/x-xz" },
	{ "yaml", "text/plain; charset=utf-8" },
	{ "yml", "text/plain; charset=utf-8" },
	{ "zip", "application/zip" },
	{ "zst", "application/zstd" },
};

const char *
mime_type(const char *name, size_t len)
{
	size_t i, elen;
	const char *dot = NULL;

	for (i = len; i > 0; i--)
		if (name[i - 1] == '.') {
			dot = name + i;
			break;
		} else if (name[i - 1] == '/') {
			break;
		}
	if (dot == NULL)
		return "application/octet-stream";
	elen = len - (size_t)(dot - name);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i].ext) == elen && strncasecmp(types[i].ext, dot, elen) == 0)
			return types[i].type;
	return "application/octet-stream";
}
