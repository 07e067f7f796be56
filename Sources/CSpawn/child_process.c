// The child's process steps: stdio, signals, cgroups, rlimits, hostname, cwd, seccomp,
// capabilities, user and execve. Async-signal-safe only: credentials are changed with raw
// syscalls because glibc's setuid()/setgroups() broadcast to the parent's threads, which do
// not exist in a cloned child.
#define _GNU_SOURCE
#include "spawn_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const char default_path[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

void child_reset_signals(void) {
    // The monitor blocks and catches signals for its own loop; the container starts clean
    // (ignored dispositions would otherwise survive execve).
    struct sigaction sa;
    char *raw = (char *)&sa;
    for (size_t i = 0; i < sizeof sa; i++) raw[i] = 0;
    sa.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        sigaction(sig, &sa, NULL);  // glibc-reserved signals fail with EINVAL: fine
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static int open_devnull(const child_ctx *ctx) {
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0) child_fail(ctx, "open", "/dev/null", errno);
    return fd;
}

void child_setup_stdio(const child_ctx *ctx) {
    const cspawn_prepared *p = ctx->p;
    int fds[3] = {p->stdin_fd, p->stdout_fd, p->stderr_fd};
    // Move sources out of 0..2 first so that dup2 onto one cannot clobber another.
    for (int i = 0; i < 3; i++) {
        if (fds[i] < 0) {
            fds[i] = open_devnull(ctx);
        } else if (fds[i] < 3) {
            int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
            if (moved < 0) child_fail(ctx, "dup", "stdio", errno);
            fds[i] = moved;
        }
    }
    for (int i = 0; i < 3; i++) {
        if (dup2(fds[i], i) < 0) child_fail(ctx, "dup2", "stdio", errno);
    }
    // Every other descriptor closes on execve; the report pipe is already CLOEXEC.
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
        for (int fd = 3; fd < 4096; fd++) {
            int flags = fcntl(fd, F_GETFD);
            if (flags >= 0) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
        }
    }
    if (setsid() < 0) child_fail(ctx, "setsid", "container", errno);
    if (p->tty && ioctl(0, TIOCSCTTY, 0) < 0) child_fail(ctx, "ioctl TIOCSCTTY", "stdin", errno);
}

void child_join_cgroups(const child_ctx *ctx) {
    const cspawn_prepared *p = ctx->p;
    if (ctx->cgroup_joined) return;
    // "0" means the writing process (both v1 and v2), which spares us our pid in the host ns.
    for (size_t i = 0; i < p->ncgroup_procs; i++) {
        if (cs_write_file(p->cgroup_procs[i], "0") < 0) child_fail(ctx, "join cgroup", p->cgroup_procs[i], errno);
    }
}

void child_apply_limits(const child_ctx *ctx) {
    const cspawn_prepared *p = ctx->p;
    for (size_t i = 0; i < p->nrlimits; i++) {
        struct rlimit limit = {.rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard};
        if (syscall(SYS_prlimit64, 0, p->rlimits[i].resource, &limit, NULL) < 0) {
            char num[24];
            cs_utoa((unsigned long)p->rlimits[i].resource, num, sizeof num);
            child_fail(ctx, "setrlimit", num, errno);
        }
    }
    if (p->set_oom_score_adj) {
        char num[24];
        int v = p->oom_score_adj;
        if (v < 0) {
            num[0] = '-';
            cs_utoa((unsigned long)(-(long)v), num + 1, sizeof num - 1);
        } else {
            cs_utoa((unsigned long)v, num, sizeof num);
        }
        if (cs_write_file("/proc/self/oom_score_adj", num) < 0)
            child_fail(ctx, "write", "/proc/self/oom_score_adj", errno);
    }
}

static void load_seccomp(const child_ctx *ctx) {
    const cspawn_prepared *p = ctx->p;
    if (!p->seccomp.filter) return;
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p->seccomp) < 0) {
        if (errno != ENOSYS) child_fail(ctx, "seccomp", "load filter", errno);
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p->seccomp, 0, 0) < 0)
            child_fail(ctx, "prctl PR_SET_SECCOMP", "load filter", errno);
    }
}

static void apply_credentials(const child_ctx *ctx) {
    const cspawn_prepared *p = ctx->p;
    char num[24];
    // Bounding set first: dropping needs CAP_SETPCAP, which we still have.
    for (int cap = 0; cap <= p->cap_last; cap++) {
        if (p->cap_bounding & (1ULL << cap)) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
            cs_utoa((unsigned long)cap, num, sizeof num);
            child_fail(ctx, "drop bounding capability", num, errno);
        }
    }
    // Keep the permitted set across the uid change, then set the exact sets.
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) child_fail(ctx, "prctl PR_SET_KEEPCAPS", "1", errno);
    if (syscall(SYS_setgroups, p->ngroups, p->groups) < 0) child_fail(ctx, "setgroups", "supplementalGroups", errno);
    cs_utoa(p->gid, num, sizeof num);
    if (syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0) child_fail(ctx, "setgid", num, errno);
    cs_utoa(p->uid, num, sizeof num);
    if (syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0) child_fail(ctx, "setuid", num, errno);
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) child_fail(ctx, "prctl PR_SET_KEEPCAPS", "0", errno);

    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    data[0].effective = (uint32_t)p->cap_effective;
    data[1].effective = (uint32_t)(p->cap_effective >> 32);
    data[0].permitted = (uint32_t)p->cap_permitted;
    data[1].permitted = (uint32_t)(p->cap_permitted >> 32);
    data[0].inheritable = (uint32_t)p->cap_inheritable;
    data[1].inheritable = (uint32_t)(p->cap_inheritable >> 32);
    if (syscall(SYS_capset, &header, data) < 0) child_fail(ctx, "capset", "container process", errno);

    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        child_fail(ctx, "prctl PR_CAP_AMBIENT", "clear", errno);
    for (int cap = 0; cap <= p->cap_last; cap++) {
        if (!(p->cap_ambient & (1ULL << cap))) continue;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) {
            cs_utoa((unsigned long)cap, num, sizeof num);
            child_fail(ctx, "raise ambient capability", num, errno);
        }
    }
}

static const char *env_path(const cspawn_prepared *p) {
    return p->path_env ? p->path_env : default_path;
}

/// execve with a PATH search done by hand (execvpe may allocate).
static void exec_program(const child_ctx *ctx) {
    const cspawn_prepared *p = ctx->p;
    const char *name = p->argv[0];
    bool has_slash = false;
    for (const char *c = name; *c; c++) has_slash |= (*c == '/');
    if (has_slash) {
        execve(name, p->argv, p->envp);
        child_fail(ctx, "exec", name, errno);
    }
    const char *path = env_path(p);
    int saw_eacces = 0;
    char candidate[PATH_MAX];
    while (*path) {
        const char *end = path;
        while (*end && *end != ':') end++;
        size_t len = (size_t)(end - path);
        if (len == 0) {
            cs_strlcpy(candidate, "./", sizeof candidate);
        } else {
            if (len >= sizeof candidate - 2) len = sizeof candidate - 2;
            for (size_t i = 0; i < len; i++) candidate[i] = path[i];
            candidate[len] = '\0';
            cs_strlcat(candidate, "/", sizeof candidate);
        }
        cs_strlcat(candidate, name, sizeof candidate);
        execve(candidate, p->argv, p->envp);
        if (errno == EACCES) {
            saw_eacces = 1;
        } else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE && errno != ELOOP && errno != ENAMETOOLONG) {
            child_fail(ctx, "exec", candidate, errno);
        }
        path = *end ? end + 1 : end;
    }
    child_fail(ctx, "lookup", name, saw_eacces ? EACCES : ENOENT);
}

void child_finish_and_exec(const child_ctx *ctx) {
    const cspawn_prepared *p = ctx->p;
    if (p->cwd && chdir(p->cwd) < 0) child_fail(ctx, "chdir", p->cwd, errno);
    umask(022);
    // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it while we still have
    // it (the default profile allows the credential calls that follow). With no_new_privs,
    // load it as late as possible, as runc does.
    if (!p->no_new_privs) load_seccomp(ctx);
    apply_credentials(ctx);
    if (p->no_new_privs) {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) child_fail(ctx, "prctl PR_SET_NO_NEW_PRIVS", "1", errno);
        load_seccomp(ctx);
    }
    exec_program(ctx);
}
