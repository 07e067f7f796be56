// Internal to CSpawn: the prepared (parent-resolved) configuration and the helpers the child
// may call between clone and execve. Everything declared under "child" is async-signal-safe:
// raw syscalls and our own string helpers only.
#ifndef CSPAWN_INTERNAL_H
#define CSPAWN_INTERNAL_H

#include "cspawn.h"
#include <linux/filter.h>
#include <stdint.h>

typedef struct prepared_mount {
    char *source;
    char *destination;
    bool readonly;
    int propagation;
    bool source_is_dir;   // decides whether the mount point is a directory or an empty file
} prepared_mount;

struct cspawn_prepared {
    char **argv;
    char **envp;
    char *cwd;
    char *path_env;        // PATH for the argv[0] lookup (from envp, or the default)
    uint32_t uid, gid;
    uint32_t *groups;
    size_t ngroups;
    uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
    int cap_last;          // highest capability number the running kernel knows
    bool no_new_privs;
    struct sock_fprog seccomp;   // .filter NULL: unconfined
    int stdin_fd, stdout_fd, stderr_fd;
    bool tty;
    cspawn_rlimit *rlimits;
    size_t nrlimits;
    bool set_oom_score_adj;
    int oom_score_adj;
    char **cgroup_procs;
    size_t ncgroup_procs;
    char *cgroup2_dir;

    char *rootfs;
    bool readonly_rootfs;
    char *hostname;
    char *netns_path;
    prepared_mount *mounts;
    size_t nmounts;
    cspawn_device *devices;    // path strings owned
    size_t ndevices;
    char **masked_paths;
    char **readonly_paths;
    bool sys_readwrite;
    char *console_path;
    char *shm_options;     // "mode=1777,size=…"
    int root_propagation;
};

// Report records travelling on the CLOEXEC pipe from the child(ren) to the parent.
enum { REPORT_ERROR = 1, REPORT_PID = 2 };
typedef struct child_report {
    int32_t kind;
    int32_t err;
    int32_t pid;
    char step[64];
    char object[1024];
} child_report;

// The child's view: the prepared config plus fds opened for it.
typedef struct child_ctx {
    const cspawn_prepared *p;
    int report_fd;         // write end of the report pipe (CLOEXEC)
    int netns_fd;          // -1: new netns from clone
    bool cgroup_joined;    // true when clone3(CLONE_INTO_CGROUP) already placed us
} child_ctx;

// ---- child: async-signal-safe helpers (child_util.c) ----
size_t cs_strlen(const char *s);
void cs_strlcpy(char *dst, const char *src, size_t size);
void cs_strlcat(char *dst, const char *src, size_t size);
void cs_utoa(unsigned long value, char *buf, size_t size);
bool cs_streq(const char *a, const char *b);
/// Writes (step, object, errno) to the report pipe and exits 127. Never returns.
__attribute__((noreturn)) void child_fail(const child_ctx *ctx, const char *step, const char *object, int err);
void child_report_pid(const child_ctx *ctx, pid_t pid);
/// "/proc/self/fd/<fd>" into buf.
void cs_fd_path(int fd, char *buf, size_t size);
/// Writes a small string to a file (cgroup.procs, oom_score_adj). Returns -1 with errno.
int cs_write_file(const char *path, const char *text);

// ---- child: the steps (child_rootfs.c, child_process.c) ----
void child_setup_stdio(const child_ctx *ctx);
void child_reset_signals(void);
void child_join_cgroups(const child_ctx *ctx);
void child_apply_limits(const child_ctx *ctx);
void child_setup_rootfs(const child_ctx *ctx);   // mounts up to and including pivot_root and masks
void child_finish_and_exec(const child_ctx *ctx); // hostname, cwd, seccomp, caps, user, execve

// ---- parent helpers ----
void cspawn_set_error(cspawn_error *err, const char *step, const char *object, int errnum);
void cspawn_error_from_report(cspawn_error *err, const child_report *report);
/// Reads reports until EOF. Returns 1 when an error report arrived (err filled), 0 otherwise;
/// *reported_pid gets the last REPORT_PID value (or -1).
int cspawn_read_reports(int fd, cspawn_error *err, pid_t *reported_pid);

#endif
