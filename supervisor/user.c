/*
 * -u USER[:GROUP].  The argument comes from the command line (trusted but
 * checked); names go to getpwnam_r/getgrnam_r, numbers through
 * parse_u64().  The switch itself is the classic order: groups first,
 * while we may still change them, uid last.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "user.h"

/* Big enough for any passwd or group entry we care about; sysconf may say -1. */
#define USER_BUF	16384

int
user_split(const char *spec, char *user, size_t usize, char *group, size_t gsize)
{
	const char *colon = strchr(spec, ':');
	size_t ulen = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
	size_t glen = colon != NULL ? strlen(colon + 1) : 0;

	if (ulen == 0 || (colon != NULL && glen == 0))
		return -EINVAL;
	if (ulen >= usize || glen >= gsize)
		return -ENAMETOOLONG;
	memcpy(user, spec, ulen);
	user[ulen] = '\0';
	memcpy(group, colon != NULL ? colon + 1 : "", glen);
	group[glen] = '\0';
	return 0;
}

int
user_id(const char *s, unsigned *ret)
{
	uint64_t v;

	/* (uid_t)-1 means "no change" to setresuid(): never a target. */
	if (parse_u64(s, strlen(s), &v) < 0 || v >= (uint64_t)(uid_t)-1)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

/* USER by name, else by number; u->name stays "" for a number without entry. */
static int
resolve_user(const char *name, struct user *u, bool *ret_gid_known)
{
	char buf[USER_BUF];
	struct passwd pw, *res = NULL;
	unsigned id;
	int r;

	if ((r = getpwnam_r(name, &pw, buf, sizeof(buf), &res)) != 0)
		return -r;
	if (res == NULL) {
		if (user_id(name, &id) < 0)
			return -ENOENT;
		if ((r = getpwuid_r((uid_t)id, &pw, buf, sizeof(buf), &res)) != 0)
			return -r;
		u->uid = (uid_t)id;
	}
	*ret_gid_known = res != NULL;
	if (res == NULL)
		return 0;
	if (strlen(res->pw_name) >= sizeof(u->name))
		return -EINVAL;
	strcpy(u->name, res->pw_name);
	u->uid = res->pw_uid;
	u->gid = res->pw_gid;
	return 0;
}

static int
resolve_group(const char *name, gid_t *ret)
{
	char buf[USER_BUF];
	struct group gr, *res = NULL;
	unsigned id;
	int r;

	if ((r = getgrnam_r(name, &gr, buf, sizeof(buf), &res)) != 0)
		return -r;
	if (res != NULL) {
		*ret = res->gr_gid;
		return 0;
	}
	if (user_id(name, &id) < 0)
		return -ENOENT;
	*ret = (gid_t)id;
	return 0;
}

/* The user's groups as initgroups(3) would set them; just gid without a name. */
static int
resolve_groups(struct user *u)
{
	int n = 0;

	if (u->name[0] == '\0' || getgrouplist(u->name, u->gid, NULL, &n) != -1 || n <= 0)
		n = 1;
	if ((u->groups = calloc((size_t)n, sizeof(*u->groups))) == NULL)
		return -ENOMEM;
	u->groups[0] = u->gid;
	if (u->name[0] != '\0' && getgrouplist(u->name, u->gid, u->groups, &n) == -1)
		n = 1;	/* the database changed under us: the login group alone is safe */
	u->ngroups = (size_t)n;
	return 0;
}

int
user_resolve(const char *spec, struct user *ret)
{
	char uname[USER_NAME_MAX], gname[USER_NAME_MAX];
	struct user u = { .name = "" };
	bool gid_known;
	int r;

	if ((r = user_split(spec, uname, sizeof(uname), gname, sizeof(gname))) < 0)
		return r;
	if ((r = resolve_user(uname, &u, &gid_known)) < 0)
		return r;
	if (gname[0] != '\0')
		r = resolve_group(gname, &u.gid);
	else if (!gid_known)
		r = -ENOENT;	/* a bare number with no passwd entry: which group? */
	if (r == 0)
		r = resolve_groups(&u);
	if (r < 0)
		return r;
	*ret = u;
	return 0;
}

void
user_free(struct user *u)
{
	free(u->groups);
	u->groups = NULL;
	u->ngroups = 0;
}

int
user_become(const struct user *u)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (setgroups(u->ngroups, u->groups) == -1)
		return -errno;
	if (setresgid(u->gid, u->gid, u->gid) == -1)
		return -errno;
	if (setresuid(u->uid, u->uid, u->uid) == -1)
		return -errno;
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		return -errno;
	if (ru != u->uid || eu != u->uid || su != u->uid || rg != u->gid || eg != u->gid ||
	    sg != u->gid)
		return -EPERM;
	/* Paranoia, as OpenBSD's daemons do: a way back to root would void the point. */
	if (u->uid != 0 && setuid(0) != -1)
		return -EPERM;
	return 0;
}
