/* The one errno-to-wire-code table, so every refusal can be audited in one place. */
#include <errno.h>

#include "handler.h"

enum fs_status
status_from_errno(int err)
{
	switch (err) {
	case EXDEV:		/* the path leaves the root */
	case ELOOP:		/* a symlink loop or a magic link */
	case EACCES:
	case EPERM:
	case ENXIO:		/* opening a socket, or a device with no driver: not served */
	case ENODEV:
		return FS_E403;
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:	/* no such name can exist beneath the root */
		return FS_E404;
	case EISDIR:
		return FS_E400;
	case EMFILE:
	case ENFILE:
	case ENOMEM:
	case EAGAIN:
		return FS_E503;
	default:
		return FS_E500;
	}
}
