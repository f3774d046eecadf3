/*
 * Starting PROGRAM per connection with posix_spawn().  What is the same
 * for every child (path, attributes, the inherited environment) is a
 * struct spawner, prepared once and only read afterwards; what changes
 * (the peer in the environment) is a struct spawn_env, one per thread
 * that spawns.
 */
#ifndef FS_INETD_SPAWNER_H
#define FS_INETD_SPAWNER_H

#include <spawn.h>
#include <stddef.h>
#include <sys/types.h>

#include "addr.h"

struct forkspawn;

/* The variables we set for the child, after the inherited ones. */
enum { ENV_PROTO, ENV_REMOTE_IP, ENV_REMOTE_PORT, ENV_LOCAL_IP, ENV_LOCAL_PORT,
	ENV_REMOTE_ADDR, ENV_REMOTE_PORT2, ENV_OURS };

struct env_var {
	char	buf[32 + ADDR_IP_MAX];	/* "NAME=value" */
	size_t	off;			/* where the value starts */
};

struct spawner {
	const char		*path;		/* PROGRAM, resolved against PATH once */
	char			*const *argv;
	posix_spawnattr_t	 attr;
	char			**kept;		/* our environment minus the dropped names */
	size_t			 nkept;
	char			 pathbuf[4096];
	struct forkspawn	*fs;		/* --fork-server: asked instead (workers.c), or NULL */
};

struct spawn_env {
	char		**envp;		/* kept, then var[]'s buffers, then NULL */
	struct env_var	 var[ENV_OURS];
};

/* Returns 0 or -errno (-ENOENT: PROGRAM not found or not executable). */
int spawn_init(struct spawner *sp, char *const argv[]);
void spawn_fini(struct spawner *sp);

/* An environment for sp's children; 0 or -ENOMEM. */
int spawn_env_init(const struct spawner *sp, struct spawn_env *env);
void spawn_env_fini(struct spawn_env *env);
void spawn_set_peer(struct spawn_env *env, const struct addr_text *remote,
    const struct addr_text *local);

/* Start the program with conn on fds 0 and 1; 0 with *ret_pid set, or -errno. */
int spawn_start(const struct spawner *sp, const struct spawn_env *env, int conn,
    pid_t *ret_pid);

#endif
