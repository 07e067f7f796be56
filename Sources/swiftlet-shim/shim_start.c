// `swiftlet-shim start <bundle>`: detach (double fork + setsid), become the container's parent
// and subreaper, start it through CSpawn, then keep its log, pty, attach socket and exit code.
//
// Files in the bundle:
//   spawn.conf   input (shim_conf.h)
//   shim.log     the shim's own diagnostics
//   pid          "<container pid>\n", written before "started" is reported
//   state        "pid N", "pidStartTime T" (/proc/<pid>/stat field 22), "startedAt RFC3339",
//                "shimPid N", "shimStartTime T": lets a reader tell our process from a reused pid
//   attach.sock  while the container runs (shim_attach.h)
//   exit         written atomically when the container is gone and its output drained:
//                "exitCode N" (128+signal when killed), "signal N", "finishedAt RFC3339",
//                "oomKilled true|false", "reason Completed|Error|OOMKilled|StartError",
//                and for StartError "message <text>"
#define _GNU_SOURCE
#include "shim.h"
#include "shim_conf.h"
#include "shim_monitor.h"
#include "shim_util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void redirect_stdio(const char *bundle) {
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/shim.log", bundle);
    int logfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (logfd < 0) logfd = null;
    dup2(null, 0);
    dup2(logfd, 1);
    dup2(logfd, 2);
    if (null > 2) close(null);
    if (logfd > 2 && logfd != null) close(logfd);
}

int shim_start(const char *bundle_arg) {
    char bundle[PATH_MAX];
    if (!realpath(bundle_arg, bundle)) {
        printf("error bundle %s: %s\n", bundle_arg, strerror(errno));
        return 1;
    }
    char conf_path[PATH_MAX + 16], err[2048];
    snprintf(conf_path, sizeof conf_path, "%s/spawn.conf", bundle);
    shim_conf conf;
    if (shim_conf_load(conf_path, &conf, err, sizeof err) < 0) {
        printf("error %s\n", err);
        return 1;
    }
    char exit_path[PATH_MAX + 16], state_path[PATH_MAX + 16];
    snprintf(exit_path, sizeof exit_path, "%s/exit", bundle);
    snprintf(state_path, sizeof state_path, "%s/state", bundle);
    // Never two containers for one bundle: a running one is refused, not replaced.
    char *state = access(exit_path, F_OK) == 0 ? NULL : shim_read_file(state_path, NULL);
    if (state) {
        long long pid = strncmp(state, "pid ", 4) == 0 ? strtoll(state + 4, NULL, 10) : -1;
        char *st = strstr(state, "\npidStartTime ");
        long long start = st ? strtoll(st + 14, NULL, 10) : -2;
        free(state);
        if (pid > 0 && shim_proc_start_time((pid_t)pid) == start) {
            printf("error container of %s is already running (pid %lld)\n", bundle, pid);
            return 1;
        }
    }
    unlink(exit_path);  // a restart in the same bundle starts clean
    fflush(stdout);
    int report[2];
    if (pipe2(report, O_CLOEXEC) < 0) {
        printf("error pipe: %s\n", strerror(errno));
        return 1;
    }
    pid_t first = fork();
    if (first < 0) {
        printf("error fork: %s\n", strerror(errno));
        return 1;
    }
    if (first > 0) {
        // The caller's side: relay the monitor's one line, then return.
        close(report[1]);
        char line[2048];
        size_t len = 0;
        ssize_t n;
        while (len < sizeof line - 1 && (n = read(report[0], line + len, sizeof line - 1 - len)) != 0) {
            if (n < 0) {
                if (errno == EINTR) continue;
                break;
            }
            len += (size_t)n;
            if (memchr(line, '\n', len)) break;
        }
        line[len] = '\0';
        int status;
        waitpid(first, &status, 0);
        if (len == 0) {
            printf("error shim exited before starting the container (see %s/shim.log)\n", bundle);
            return 1;
        }
        fputs(line, stdout);
        if (line[len - 1] != '\n') fputc('\n', stdout);
        return strncmp(line, "started ", 8) == 0 ? 0 : 1;
    }
    // First child: a new session, then fork again so the monitor is no session leader and is
    // reparented away from the caller (it never depends on the process that started it).
    close(report[0]);
    setsid();
    pid_t second = fork();
    if (second != 0) _exit(second < 0 ? 1 : 0);
    redirect_stdio(bundle);
    // Nothing the caller had open may stay open here (its pipes would never see EOF).
    if (report[1] > 3) syscall(SYS_close_range, 3U, (unsigned)report[1] - 1, 0U);
    syscall(SYS_close_range, (unsigned)report[1] + 1, ~0U, 0U);
    if (chdir("/") < 0) shim_logf("chdir /: %s", strerror(errno));
    int rc = shim_monitor_main(bundle, &conf, report[1]);
    shim_conf_free(&conf);
    _exit(rc);
}
