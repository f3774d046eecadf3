/*
 * -u USER[:GROUP]: the account filesvc-inetd and its children run as
 * once the listening sockets are bound.  Resolved while still privileged
 * (the user and group databases may be unreadable afterwards), dropped
 * with setgroups/setgid/setuid and checked.
 */
#ifndef FS_INETD_USER_H
#define FS_INETD_USER_H

#include <stdbool.h>
#include <stddef.h>

#include <sys/types.h>

/* A user or group name in -u, NUL included (useradd allows 32; be generous). */
#define USER_NAME_MAX	256

struct user {
	char	 name[USER_NAME_MAX];	/* "": a number with no passwd entry */
	uid_t	 uid;
	gid_t	 gid;
	gid_t	*groups;		/* supplementary groups, initgroups(3)-like */
	size_t	 ngroups;
};

/*
 * Split "USER" or "USER:GROUP" (the first ':' separates) into user[0..usize)
 * and group[0..gsize), group "" when none is given.  Both parts must be
 * non-empty when present and fit.  Returns 0, -EINVAL for an empty part or
 * -ENAMETOOLONG.  Pure; outputs are written only on success.
 */
int user_split(const char *spec, char *user, size_t usize, char *group, size_t gsize);

/*
 * Parse a numeric id: decimal, fits an id_t, not (id_t)-1 (which the
 * set*id calls take as "leave unchanged").  Returns 0 or -EINVAL.
 */
int user_id(const char *s, unsigned *ret);

/*
 * Resolve spec: USER by name or number, GROUP by name or number (default:
 * USER's login group), supplementary groups from the group database as
 * initgroups(3) would.  Returns 0, -ENOENT (unknown user or group; a
 * numeric USER without passwd entry needs :GROUP), -EINVAL or -ENOMEM.
 * Free with user_free().
 */
int user_resolve(const char *spec, struct user *ret);
void user_free(struct user *u);

/*
 * Become u: supplementary groups, then gid, then uid, then check that
 * real, effective and saved ids all changed and uid 0 cannot be regained.
 * Returns 0 or -errno.
 */
int user_become(const struct user *u);

#endif
