// `swiftlet-shim exec`: a process inside a running container (kubectl exec, exec probes).
// Security settings, environment, user and cgroups come from the bundle's spawn.conf, so an
// exec'd process is confined exactly like the container's own.
#define _GNU_SOURCE
#include "shim.h"
#include "shim_cgroup.h"
#include "shim_conf.h"
#include "shim_util.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("swiftlet-shim exec: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

/// The container's pid from the bundle, checked against the recorded start time so that a
/// reused pid is never entered.
static pid_t bundle_pid(const char *bundle, char *err, size_t errlen) {
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/exit", bundle);
    if (access(path, F_OK) == 0) {
        snprintf(err, errlen, "container is not running (it has exited)");
        return -1;
    }
    snprintf(path, sizeof path, "%s/state", bundle);
    char *state = shim_read_file(path, NULL);
    if (!state) {
        snprintf(err, errlen, "read %s: %s", path, strerror(errno));
        return -1;
    }
    long long pid = -1, start = -1;
    char *p = strstr(state, "pid ");
    if (p == state) pid = strtoll(p + 4, NULL, 10);
    p = strstr(state, "\npidStartTime ");
    if (p) start = strtoll(p + 14, NULL, 10);
    free(state);
    if (pid <= 0 || shim_proc_start_time((pid_t)pid) != start) {
        snprintf(err, errlen, "container is not running (pid %lld is gone)", pid);
        return -1;
    }
    return (pid_t)pid;
}

static void set_env(char ***envp, size_t *n, const char *entry) {
    const char *eq = strchr(entry, '=');
    size_t keylen = eq ? (size_t)(eq - entry) : strlen(entry);
    for (size_t i = 0; i < *n; i++) {
        if (strncmp((*envp)[i], entry, keylen) == 0 && (*envp)[i][keylen] == '=') {
            free((*envp)[i]);
            (*envp)[i] = strdup(entry);
            return;
        }
    }
    *envp = realloc(*envp, (*n + 2) * sizeof **envp);
    (*envp)[(*n)++] = strdup(entry);
    (*envp)[*n] = NULL;
}

int shim_exec(int argc, char **argv) {
    const char *bundle = NULL, *cwd = NULL, *user = NULL;
    pid_t pid = 0;
    bool tty = false;
    const char *envs[256];
    size_t nenvs = 0;
    int i = 0;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "--tty") == 0) tty = true;
        else if (i + 1 < argc && strcmp(a, "--bundle") == 0) bundle = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--pid") == 0) pid = (pid_t)atoi(argv[++i]);
        else if (i + 1 < argc && strcmp(a, "--cwd") == 0) cwd = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--user") == 0) user = argv[++i];
        else if (i + 1 < argc && strcmp(a, "--env") == 0 && nenvs < 256) envs[nenvs++] = argv[++i];
        else return fail(2, "unknown option %s", a);
    }
    if (!bundle || i >= argc) return fail(2, "usage: exec --bundle <dir> [options] -- argv...");
    char **cmd = argv + i;

    char conf_path[PATH_MAX + 16], err[2048];
    snprintf(conf_path, sizeof conf_path, "%s/spawn.conf", bundle);
    shim_conf conf;
    if (shim_conf_load(conf_path, &conf, err, sizeof err) < 0) return fail(126, "%s", err);
    if (pid <= 0 && (pid = bundle_pid(bundle, err, sizeof err)) < 0) return fail(126, "%s", err);

    cspawn_config *s = &conf.spawn;
    s->argv = (const char *const *)cmd;
    for (size_t k = 0; k < nenvs; k++) set_env(&conf.envp, &conf.nenvp, envs[k]);
    s->envp = (const char *const *)conf.envp;
    if (cwd) s->cwd = cwd;
    if (user) {
        unsigned uid = 0, gid = 0;
        int n = sscanf(user, "%u:%u", &uid, &gid);
        if (n < 1) return fail(2, "bad --user %s", user);
        s->uid = uid;
        if (n == 2) s->gid = gid;
    }
    s->tty = tty;
    s->set_oom_score_adj = false;  // exec'd processes keep the caller's oom_score_adj
    s->stdin_fd = 0;
    s->stdout_fd = 1;
    s->stderr_fd = 2;
    shim_cgroups cg = {0};
    if (conf.cgroup_path && shim_cgroups_locate(conf.cgroup_path, &cg, err, sizeof err) == 0) {
        s->cgroup_procs = (const char *const *)cg.procs;
        s->ncgroup_procs = cg.ndirs;
    }
    s->cgroup2_dir = NULL;

    // Signals for the process are forwarded; block them before it exists (it resets its mask).
    sigset_t mask;
    sigemptyset(&mask);
    int forwarded[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
    for (size_t k = 0; k < sizeof forwarded / sizeof forwarded[0]; k++) sigaddset(&mask, forwarded[k]);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
    if (sigfd < 0) return fail(126, "signalfd: %s", strerror(errno));

    cspawn_error spawn_err;
    cspawn_prepared *prepared = cspawn_prepare(s, &spawn_err);
    pid_t child = -1;
    if (!prepared || cspawn_exec(prepared, pid, &child, &spawn_err) < 0) {
        int code = strcmp(spawn_err.step, "lookup") == 0 || spawn_err.err == ENOENT ? 127 : 126;
        fail(code, "%s", spawn_err.message);
        cspawn_prepared_free(prepared);
        return code;
    }
    cspawn_prepared_free(prepared);
    for (;;) {
        int status;
        pid_t done = waitpid(child, &status, WNOHANG);
        if (done == child) {
            if (WIFEXITED(status)) return WEXITSTATUS(status);
            if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
        }
        struct signalfd_siginfo si;
        ssize_t n = read(sigfd, &si, sizeof si);
        if (n != sizeof si) {
            if (n < 0 && errno == EINTR) continue;
            return fail(126, "read signalfd: %s", strerror(errno));
        }
        if (si.ssi_signo != SIGCHLD) kill(child, (int)si.ssi_signo);
    }
}
