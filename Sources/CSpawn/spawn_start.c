// cspawn_start: clone3 (fallback clone) into new namespaces, then the child's steps in order.
#define _GNU_SOURCE
#include "spawn_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/// Like fork (no new stack: the child continues on a copy of ours), with namespace flags.
/// CSPAWN_NO_CLONE3=1 in the environment forces the clone fallback (for tests).
static pid_t clone_fork(uint64_t flags, int cgroup_fd, bool *used_cgroup) {
    const char *no_clone3 = getenv("CSPAWN_NO_CLONE3");
    if (no_clone3 && strcmp(no_clone3, "1") == 0) {
        *used_cgroup = false;
        flags &= ~(uint64_t)CLONE_NEWCGROUP;
        return (pid_t)syscall(SYS_clone, (unsigned long)(flags | SIGCHLD), 0UL, 0UL, 0UL, 0UL);
    }
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = flags;
    args.exit_signal = SIGCHLD;
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t)cgroup_fd;
    }
    *used_cgroup = cgroup_fd >= 0;
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid >= 0 || (errno != ENOSYS && errno != E2BIG && !(cgroup_fd >= 0 && errno == EINVAL)))
        return (pid_t)pid;
    // Old kernel (or no CLONE_INTO_CGROUP): the classic clone; the child joins cgroups itself.
    *used_cgroup = false;
    flags &= ~(uint64_t)CLONE_NEWCGROUP;
    return (pid_t)syscall(SYS_clone, (unsigned long)(flags | SIGCHLD), 0UL, 0UL, 0UL, 0UL);
}

__attribute__((noreturn)) static void container_child(child_ctx *ctx) {
    const cspawn_prepared *p = ctx->p;
    umask(0);  // device nodes and mount points get exactly the modes we ask for
    child_reset_signals();
    child_setup_stdio(ctx);
    if (ctx->netns_fd >= 0 && setns(ctx->netns_fd, CLONE_NEWNET) < 0)
        child_fail(ctx, "setns", p->netns_path, errno);
    child_join_cgroups(ctx);
    // The cgroup namespace is rooted where we stand: create it only once we are in our cgroups.
    if (!ctx->cgroup_joined && unshare(CLONE_NEWCGROUP) < 0) child_fail(ctx, "unshare", "cgroup namespace", errno);
    child_apply_limits(ctx);
    child_setup_rootfs(ctx);
    if (p->hostname && sethostname(p->hostname, cs_strlen(p->hostname)) < 0)
        child_fail(ctx, "sethostname", p->hostname, errno);
    child_finish_and_exec(ctx);
    _exit(127);
}

int cspawn_start(cspawn_prepared *p, pid_t *pid_out, cspawn_error *err) {
    memset(err, 0, sizeof *err);
    *pid_out = -1;
    if (!p->rootfs) {
        cspawn_set_error(err, "start", "container without rootfs", EINVAL);
        return -1;
    }
    int netns_fd = -1, cgroup_fd = -1;
    if (p->netns_path) {
        netns_fd = open(p->netns_path, O_RDONLY | O_CLOEXEC);
        if (netns_fd < 0) {
            cspawn_set_error(err, "open network namespace", p->netns_path, errno);
            return -1;
        }
    }
    if (p->cgroup2_dir) {
        cgroup_fd = open(p->cgroup2_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cgroup_fd < 0) {
            cspawn_set_error(err, "open cgroup", p->cgroup2_dir, errno);
            if (netns_fd >= 0) close(netns_fd);
            return -1;
        }
    }
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        cspawn_set_error(err, "pipe", "report pipe", errno);
        if (netns_fd >= 0) close(netns_fd);
        if (cgroup_fd >= 0) close(cgroup_fd);
        return -1;
    }
    uint64_t flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
    if (netns_fd < 0) flags |= CLONE_NEWNET;
    // With CLONE_INTO_CGROUP the child is born in its cgroup, so its cgroup namespace can be
    // created by clone itself; otherwise the child joins, then unshares.
    uint64_t with_cgroupns = cgroup_fd >= 0 ? (flags | CLONE_NEWCGROUP) : flags;
    child_ctx ctx = {.p = p, .report_fd = pipefd[1], .netns_fd = netns_fd, .cgroup_joined = false};
    // clone_fork sets used_cgroup before each attempt, so the child's copy tells which one made it.
    bool used_cgroup = false;
    pid_t pid = clone_fork(with_cgroupns, cgroup_fd, &used_cgroup);
    if (pid == 0) {
        ctx.cgroup_joined = used_cgroup;
        container_child(&ctx);
    }
    int saved = errno;
    close(pipefd[1]);
    if (netns_fd >= 0) close(netns_fd);
    if (cgroup_fd >= 0) close(cgroup_fd);
    if (pid < 0) {
        close(pipefd[0]);
        cspawn_set_error(err, "clone", p->rootfs, saved);
        return -1;
    }
    pid_t ignored;
    int failed = cspawn_read_reports(pipefd[0], err, &ignored);
    close(pipefd[0]);
    if (failed) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        return -1;
    }
    *pid_out = pid;
    return 0;
}
