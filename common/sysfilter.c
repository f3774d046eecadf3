/*
 * The handler's seccomp filter as a classic BPF program: the architecture
 * check, the calls a LIST makes per entry, then a plain list of allowed
 * numbers, then a few calls allowed with given arguments only.
 * Anything else kills the process.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sysfilter.h"

#if defined(__x86_64__)
#define FS_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FS_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#endif

#define N_OF(a)		(sizeof(a) / sizeof((a)[0]))

#ifdef FS_SANITIZED
/* The sanitizers' runtime: reports, and LeakSanitizer's stop-the-world at exit. */
#define FS_SANITIZER_CALLS \
	__NR_sigaltstack, __NR_mprotect, __NR_futex, __NR_clone, __NR_ptrace, __NR_wait4, \
	__NR_prctl, __NR_sched_yield, __NR_rt_sigaction, __NR_prlimit64, __NR_getppid, \
	__NR_sched_getaffinity, __NR_lseek, __NR_kill, __NR_tgkill, __NR_clock_nanosleep, \
	__NR_nanosleep, FS_SANITIZER_OLD_CALLS
/* Calls only some architectures have (aarch64 has none of them). */
#if defined(__NR_getdents) && defined(__NR_open) && defined(__NR_readlink)
#define FS_SANITIZER_OLD_CALLS	__NR_getdents, __NR_open, __NR_readlink,
#else
#define FS_SANITIZER_OLD_CALLS
#endif
#else
#define FS_SANITIZER_CALLS
#endif

/*
 * What serving needs: I/O on the connection and on files beneath the
 * root, memory for malloc, time.  Nothing that creates a socket, execs,
 * forks, writes a file or signals a process: not even tgkill, whose
 * target a filter shared by every handler cannot pin to the caller, so
 * it would reach the handlers of other clients under the same user.  An
 * abort() is then killed by this filter instead: SIGSYS, not SIGABRT.
 */
static const unsigned serve_list[] = {
	__NR_read, __NR_write, __NR_pread64, __NR_sendfile, __NR_close, __NR_fstat,
	__NR_newfstatat, __NR_statx, __NR_getdents64, __NR_openat, __NR_openat2,
	__NR_readlinkat, __NR_ppoll, __NR_shutdown, __NR_brk, __NR_mmap, __NR_munmap,
	__NR_mremap, __NR_madvise, __NR_clock_gettime, __NR_rt_sigreturn, __NR_rt_sigprocmask,
	__NR_gettid, __NR_getpid, __NR_restart_syscall, __NR_exit, __NR_exit_group,
	__NR_getrandom,		/* glibc's malloc seeds itself on first use */
#ifdef __NR_poll
	__NR_poll,
#endif
	FS_SANITIZER_CALLS
};

/*
 * filesvc-tlsd once its command runs: TLS records to and from the
 * connection, plain bytes to and from the command's socket, poll, and
 * waiting for the command to exit.  No open, no exec, no socket, no
 * signal.  getpid: OpenSSL's random generator checks it for a fork.
 */
static const unsigned relay_list[] = {
	__NR_read, __NR_write, __NR_ppoll, __NR_shutdown, __NR_close, __NR_wait4,
	__NR_clock_gettime, __NR_brk, __NR_mmap, __NR_munmap, __NR_mremap, __NR_madvise,
	__NR_getrandom, __NR_getpid, __NR_gettid, __NR_futex, __NR_rt_sigreturn,
	__NR_rt_sigprocmask, __NR_restart_syscall, __NR_exit, __NR_exit_group,
#ifdef __NR_poll
	__NR_poll,
#endif
	FS_SANITIZER_CALLS
};

/*
 * FS_FILTER_SPAWN adds: the spawner thread (its mutex, glibc's checks of
 * the fd limit), posix_spawn()'s child before execve (signal dispositions,
 * the connection onto fds 0 and 1), the dynamic loader (libraries mapped
 * and protected), and the handler's set-up before it serves.
 */
static const unsigned spawn_list[] = {
	__NR_execve, __NR_rt_sigaction, __NR_dup3, __NR_futex, __NR_prlimit64, __NR_mprotect,
	__NR_set_tid_address, __NR_set_robust_list, __NR_rseq, __NR_fcntl, __NR_getpeername,
	__NR_landlock_create_ruleset, __NR_landlock_add_rule, __NR_landlock_restrict_self,
	__NR_seccomp,
	/* Who the handler runs as, read once before it serves (listings leave out the unreadable). */
	__NR_geteuid, __NR_getegid, __NR_getgroups,
	/* Calls only some architectures have. */
#ifdef __NR_dup2
	__NR_dup2,
#endif
#ifdef __NR_arch_prctl
	__NR_arch_prctl,
#endif
#ifdef __NR_open
	__NR_open,
#endif
#ifdef __NR_readlink
	__NR_readlink,		/* static glibc finds its own path at start */
#endif
#ifdef __NR_access
	__NR_access,
#endif
};

/*
 * Where in struct seccomp_data a 32-bit half of an argument sits, on a
 * little-endian machine (both architectures above are).
 */
#define ARG_LO(i)	((uint32_t)offsetof(struct seccomp_data, args[i]))
#define ARG_HI(i)	((uint32_t)offsetof(struct seccomp_data, args[i]) + 4)

struct check {
	uint32_t	at;		/* ARG_LO(i) or ARG_HI(i) */
	uint32_t	value;
};

/* A call allowed (or answered) only when every check holds. */
struct rule {
	unsigned	nr;
	unsigned	nchecks;
	struct check	check[2];
	uint32_t	action;		/* SECCOMP_RET_* | data; FS_RET_PROBE: the probe's errno */
};

#define FS_RET_PROBE	0xffffffffu

/*
 * glibc's posix_spawn() tries clone3 first, whose flags sit in memory a
 * filter cannot read: ENOSYS sends it to clone, whose flags it can.  Only
 * a vfork-style clone passes (the parent waits until the child execs), so
 * a handler can neither fork nor start a thread.
 */
static const struct rule spawn_rules[] = {
	{ __NR_clone3, 0, { { 0, 0 } }, SECCOMP_RET_ERRNO | ENOSYS },
	{ __NR_clone, 1, { { ARG_LO(0), CLONE_VM | CLONE_VFORK | SIGCHLD } }, SECCOMP_RET_ALLOW },
	{ __NR_setpgid, 2, { { ARG_LO(0), 0 }, { ARG_LO(1), 0 } }, SECCOMP_RET_ALLOW },
	{ __NR_prctl, 1, { { ARG_LO(0), PR_SET_NO_NEW_PRIVS } }, SECCOMP_RET_ALLOW },
	{ __NR_getpgid, 1, { { ARG_LO(0), FS_FILTER_PROBE_PID } }, FS_RET_PROBE },
};

/*
 * send(): a header sent with MSG_MORE leaves in its body's first segment.
 * Only without an address (all 64 bits of it zero): on a connected socket
 * that is write(); an address could aim a datagram socket elsewhere.
 */
static const struct rule serve_rules[] = {
	{ __NR_sendto, 2, { { ARG_LO(4), 0 }, { ARG_HI(4), 0 } }, SECCOMP_RET_ALLOW },
};

/* What a LIST calls once per entry: tested first, see sysfilter_build(). */
static const unsigned hot_list[] = { __NR_getdents64, __NR_newfstatat };

/* FNV-1a over every field of the rules, so that changing any check changes the probe. */
static uint32_t
rules_hash(uint32_t h, const struct rule *rules, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		h = (h ^ rules[i].nr ^ rules[i].action) * 16777619u;
		for (k = 0; k < rules[i].nchecks; k++)
			h = (h ^ rules[i].check[k].at ^ rules[i].check[k].value) * 16777619u;
	}
	return h;
}

/* An errno in 2048..4095 that changes whenever the lists or rules do (FNV-1a over them). */
int
sysfilter_probe_errno(void)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < N_OF(serve_list); i++)
		h = (h ^ serve_list[i]) * 16777619u;
	for (i = 0; i < N_OF(spawn_list); i++)
		h = (h ^ spawn_list[i]) * 16777619u;
	/* relay_list is left out: no handler ever runs under FS_FILTER_RELAY. */
	h = rules_hash(h, spawn_rules, N_OF(spawn_rules));
	h = rules_hash(h, serve_rules, N_OF(serve_rules));
	return 2048 + (int)(h % 2048);
}

static bool
listed(const unsigned *list, size_t n, unsigned nr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == nr)
			return true;
	return false;
}

bool
sysfilter_lists(enum fs_filter scope, unsigned nr)
{
	if (scope == FS_FILTER_RELAY)
		return listed(relay_list, N_OF(relay_list), nr);
	return listed(serve_list, N_OF(serve_list), nr) ||
	    (scope == FS_FILTER_SPAWN && listed(spawn_list, N_OF(spawn_list), nr));
}

/* The program under construction; instructions past max are counted, not written. */
struct prog {
	struct sock_filter	*f;
	size_t			 n, max;
};

static void
put(struct prog *p, struct sock_filter ins)
{
	if (p->n < p->max)
		p->f[p->n] = ins;
	p->n++;
}

static void
put_jeq(struct prog *p, uint32_t k, size_t jt, size_t jf)
{
	put(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, (unsigned char)jt,
	    (unsigned char)jf));
}

static void
put_ret(struct prog *p, uint32_t action)
{
	put(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, action));
}

static void
put_load(struct prog *p, size_t offset)
{
	put(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)offset));
}

/*
 * nr? then every check must hold, else the process dies; not nr: on to
 * what follows (A still holds nr: only a matching rule loads arguments).
 */
static void
put_rule(struct prog *p, const struct rule *r)
{
	unsigned i;

	put_jeq(p, r->nr, 0, 2 * r->nchecks + 2);
	for (i = 0; i < r->nchecks; i++) {
		put_load(p, r->check[i].at);
		put_jeq(p, r->check[i].value, 0, 2 * (r->nchecks - 1 - i) + 1);
	}
	put_ret(p, r->action == FS_RET_PROBE ?
	    SECCOMP_RET_ERRNO | (uint32_t)sysfilter_probe_errno() : r->action);
	put_ret(p, SECCOMP_RET_KILL_PROCESS);
}

static void
put_rules(struct prog *p, const struct rule *rules, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put_rule(p, &rules[i]);
}

/* The plain list: each match jumps past the rules and the kill to the final allow. */
static void
put_list(struct prog *p, const unsigned *list, size_t n, size_t *pending, size_t *npending)
{
	size_t i;

	for (i = 0; i < n; i++) {
		pending[(*npending)++] = p->n;
		put_jeq(p, list[i], 0, 0);	/* jt patched once the allow's place is known */
	}
}

size_t
sysfilter_build(enum fs_filter scope, struct sock_filter *prog, size_t max)
{
	size_t pending[N_OF(hot_list) + N_OF(serve_list) + N_OF(spawn_list) + N_OF(relay_list)];
	size_t npending = 0, i;
	struct prog p = { .f = prog, .max = max };

	/* A foreign architecture's numbers mean other calls: kill, do not guess. */
	put_load(&p, offsetof(struct seccomp_data, arch));
	put_jeq(&p, FS_AUDIT_ARCH, 1, 0);
	put_ret(&p, SECCOMP_RET_KILL_PROCESS);
	put_load(&p, offsetof(struct seccomp_data, nr));
	/*
	 * When a filter is loaded, the kernel emulates it once per system call
	 * number and architecture (about 900 runs) to cache the calls it always
	 * allows: those then skip the filter.  The emulator gives up at the
	 * first instruction it does not model, and TAX (X = A, unused here) is
	 * one.  What comes before the TAX is emulated, and cached.
	 *
	 * The handler loads FS_FILTER_SERVE per connection, so its emulation
	 * is kept short: only the calls a LIST makes per entry come first (a
	 * 100,000-entry LIST makes 200,000; uncached they cost it 3 %), the
	 * rest follows the TAX as a plain list (the JIT compiles it faster than
	 * a search tree: loading fell from 34 to 30 us), a few nanoseconds a
	 * call.  FS_FILTER_SPAWN is loaded once per thread: every plain entry
	 * comes first, so the spawner's calls and its handlers' skip it.
	 */
	if (scope == FS_FILTER_RELAY)	/* loaded once per connection; every call is hot */
		put_list(&p, relay_list, N_OF(relay_list), pending, &npending);
	else
		put_list(&p, hot_list, N_OF(hot_list), pending, &npending);
	if (scope == FS_FILTER_SPAWN) {
		put_list(&p, serve_list, N_OF(serve_list), pending, &npending);
		put_list(&p, spawn_list, N_OF(spawn_list), pending, &npending);
	}
	put(&p, (struct sock_filter)BPF_STMT(BPF_MISC | BPF_TAX, 0));
	if (scope == FS_FILTER_SERVE)
		put_list(&p, serve_list, N_OF(serve_list), pending, &npending);
	else if (scope == FS_FILTER_SPAWN)
		put_rules(&p, spawn_rules, N_OF(spawn_rules));
	if (scope != FS_FILTER_RELAY)
		put_rules(&p, serve_rules, N_OF(serve_rules));
	put_ret(&p, SECCOMP_RET_KILL_PROCESS);
	put_ret(&p, SECCOMP_RET_ALLOW);
	if (p.n > max)
		return 0;
	for (i = 0; i < npending; i++) {
		size_t jt = p.n - 1 - pending[i] - 1;

		if (jt > 255)	/* a jump spans at most 255 */
			return 0;
		prog[pending[i]].jt = (unsigned char)jt;
	}
	return p.n;
}

int
sysfilter_load(enum fs_filter scope)
{
	struct sock_filter prog[256];
	struct sock_fprog fprog = { .filter = prog };

	if ((fprog.len = (unsigned short)sysfilter_build(scope, prog, N_OF(prog))) == 0)
		return -E2BIG;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == -1)
		return -errno;
	return 0;
}

bool
sysfilter_inherited(void)
{
	int saved = errno;
	bool ours;

	errno = 0;
	ours = syscall(SYS_getpgid, FS_FILTER_PROBE_PID) == -1 && errno == sysfilter_probe_errno();
	errno = saved;
	return ours;
}
