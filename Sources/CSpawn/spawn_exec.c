// cspawn_exec: a process inside a running container. setns(CLONE_NEWPID) only affects children
// of the caller, and setns(CLONE_NEWNS) is refused to multithreaded callers, so an intermediate
// child joins everything and clones the real process with CLONE_PARENT: it becomes the
// caller's child (so the caller can wait for it), in the container's pid namespace.
#define _GNU_SOURCE
#include "spawn_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct {
    const char *name;
    int type;
} namespaces[] = {
    // cgroup first (we are still in the host's), mnt last (after it, /proc is the container's).
    {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},
    {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID}, {"mnt", CLONE_NEWNS},
};
#define NNAMESPACES (sizeof namespaces / sizeof namespaces[0])

typedef struct exec_fds {
    int fds[NNAMESPACES];
    char paths[NNAMESPACES][64];
} exec_fds;

__attribute__((noreturn)) static void exec_process(child_ctx *ctx) {
    child_reset_signals();
    child_setup_stdio(ctx);
    child_apply_limits(ctx);
    child_finish_and_exec(ctx);
    _exit(127);
}

__attribute__((noreturn)) static void intermediate(child_ctx *ctx, exec_fds *ns) {
    // Same cgroups as the container (paths are host paths: before setns(mnt)).
    child_join_cgroups(ctx);
    for (size_t i = 0; i < NNAMESPACES; i++) {
        if (ns->fds[i] >= 0 && setns(ns->fds[i], namespaces[i].type) < 0)
            child_fail(ctx, "setns", ns->paths[i], errno);
    }
    pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)CLONE_PARENT, 0UL, 0UL, 0UL, 0UL);
    if (pid < 0) child_fail(ctx, "clone", "exec process", errno);
    if (pid == 0) exec_process(ctx);
    child_report_pid(ctx, pid);
    _exit(0);
}

int cspawn_exec(cspawn_prepared *p, pid_t target, pid_t *pid_out, cspawn_error *err) {
    memset(err, 0, sizeof *err);
    *pid_out = -1;
    exec_fds ns;
    for (size_t i = 0; i < NNAMESPACES; i++) ns.fds[i] = -1;
    int rc = -1;
    int pipefd[2] = {-1, -1};
    for (size_t i = 0; i < NNAMESPACES; i++) {
        snprintf(ns.paths[i], sizeof ns.paths[i], "/proc/%d/ns/%s", (int)target, namespaces[i].name);
        ns.fds[i] = open(ns.paths[i], O_RDONLY | O_CLOEXEC);
        if (ns.fds[i] < 0) {
            cspawn_set_error(err, "open", ns.paths[i], errno);
            goto out;
        }
    }
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        cspawn_set_error(err, "pipe", "report pipe", errno);
        goto out;
    }
    child_ctx ctx = {.p = p, .report_fd = pipefd[1], .netns_fd = -1, .cgroup_joined = false};
    pid_t mid = (pid_t)syscall(SYS_clone, (unsigned long)SIGCHLD, 0UL, 0UL, 0UL, 0UL);
    if (mid == 0) intermediate(&ctx, &ns);
    int saved = errno;
    close(pipefd[1]);
    pipefd[1] = -1;
    if (mid < 0) {
        cspawn_set_error(err, "clone", "exec intermediate", saved);
        goto out;
    }
    pid_t process = -1;
    int failed = cspawn_read_reports(pipefd[0], err, &process);
    int status;
    while (waitpid(mid, &status, 0) < 0 && errno == EINTR) {}
    if (failed) {
        // The exec process (our child through CLONE_PARENT) failed before execve: reap it.
        if (process > 0) {
            while (waitpid(process, &status, 0) < 0 && errno == EINTR) {}
        }
        goto out;
    }
    if (process <= 0) {
        cspawn_set_error(err, "exec", "intermediate exited without a process", ECHILD);
        goto out;
    }
    *pid_out = process;
    rc = 0;
out:
    for (size_t i = 0; i < NNAMESPACES; i++)
        if (ns.fds[i] >= 0) close(ns.fds[i]);
    if (pipefd[0] >= 0) close(pipefd[0]);
    if (pipefd[1] >= 0) close(pipefd[1]);
    return rc;
}
