// CSpawn: start a container process (clone3, fallback clone) or run a process inside a running
// container (setns), the way runc/crun do, in two phases:
//
//   1. in the parent: cspawn_prepare() resolves everything that may allocate or fail slowly —
//      capability sets through libcap, the seccomp filter compiled with libseccomp to BPF in
//      memory, paths, the network namespace fd;
//   2. cspawn_start() / cspawn_exec() clone; the child runs only async-signal-safe steps (raw
//      syscalls, no malloc, no stdio) up to execve. A failing step writes (step, object, errno)
//      to a CLOEXEC pipe; the parent turns it into a message such as
//      "pivot_root /var/lib/swiftlet/…/rootfs: Invalid argument". EOF on the pipe means execve
//      succeeded.
#ifndef CSPAWN_H
#define CSPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What went wrong, naming the operation and the object it worked on; errno kept.
typedef struct cspawn_error {
    int err;              // errno of the failing call (0 when the failure is not a syscall's)
    char step[64];        // the operation, e.g. "pivot_root", "mount proc", "seccomp compile"
    char object[1024];    // what it worked on: a path, a pid, a syscall name
    char message[1400];   // "<step> <object>: <strerror(err)>", ready to show
} cspawn_error;

/// Propagation of a mount (Kubernetes mountPropagation: None, HostToContainer, Bidirectional).
enum cspawn_propagation {
    CSPAWN_PROPAGATION_PRIVATE = 0,  // rprivate
    CSPAWN_PROPAGATION_SLAVE = 1,    // rslave (HostToContainer)
    CSPAWN_PROPAGATION_SHARED = 2,   // rshared (Bidirectional)
};

/// A bind mount of a host path into the container (volumes, /etc/hosts, /etc/resolv.conf …).
typedef struct cspawn_mount {
    const char *source;       // host path (file or directory)
    const char *destination;  // absolute path inside the container; created when missing
    bool readonly;
    int propagation;          // enum cspawn_propagation
} cspawn_mount;

/// An extra device node in the container's /dev (privileged containers get the host's).
typedef struct cspawn_device {
    const char *path;   // absolute path inside the container, under /dev
    char type;          // 'c' or 'b'
    uint32_t major, minor;
    uint32_t mode;      // permission bits
    uint32_t uid, gid;
} cspawn_device;

typedef struct cspawn_rlimit {
    int resource;       // RLIMIT_*
    uint64_t soft, hard;
} cspawn_rlimit;

enum cspawn_seccomp_mode {
    CSPAWN_SECCOMP_UNCONFINED = 0,
    CSPAWN_SECCOMP_RUNTIME_DEFAULT = 1,  // the Moby/containerd default profile
    CSPAWN_SECCOMP_PROFILE = 2,          // seccomp_profile: text in the format of cspawn_seccomp_compile
};

/// Everything the container (or exec) process needs. Pointers are borrowed until cspawn_prepare
/// returns; the prepared object keeps its own copies.
typedef struct cspawn_config {
    // --- the process (start and exec) ---
    const char *const *argv;        // NULL-terminated; argv[0] is looked up in PATH when it has no '/'
    const char *const *envp;        // NULL-terminated "KEY=VALUE"
    const char *cwd;                // working directory inside the container (created by start if missing)
    uint32_t uid, gid;
    const uint32_t *groups;         // supplementary groups
    size_t ngroups;
    // Capability names as libcap knows them ("cap_chown" or "CAP_CHOWN"), NULL-terminated lists;
    // NULL means the empty set.
    const char *const *cap_bounding;
    const char *const *cap_effective;
    const char *const *cap_permitted;
    const char *const *cap_inheritable;
    const char *const *cap_ambient;
    bool no_new_privs;
    int seccomp_mode;               // enum cspawn_seccomp_mode
    const char *seccomp_profile;    // for CSPAWN_SECCOMP_PROFILE
    int stdin_fd, stdout_fd, stderr_fd;  // dup2'ed onto 0, 1, 2; -1 means /dev/null
    bool tty;                       // stdin is a terminal slave: make it the controlling terminal
    const cspawn_rlimit *rlimits;
    size_t nrlimits;
    bool set_oom_score_adj;
    int oom_score_adj;
    // cgroup.procs files (host paths) the process joins before it starts (v1: one per controller).
    const char *const *cgroup_procs;
    size_t ncgroup_procs;
    // cgroup v2 directory for clone3(CLONE_INTO_CGROUP); NULL: join through cgroup_procs.
    const char *cgroup2_dir;

    // --- the container (start only) ---
    const char *rootfs;             // prepared root filesystem (e.g. an overlay mount)
    bool readonly_rootfs;
    const char *hostname;           // NULL: keep
    const char *netns_path;         // join this network namespace; NULL: a new one
    const cspawn_mount *mounts;
    size_t nmounts;
    const cspawn_device *devices;
    size_t ndevices;
    const char *const *masked_paths;     // NULL-terminated
    const char *const *readonly_paths;   // NULL-terminated
    bool sys_readwrite;             // privileged: /sys read-write
    const char *console_path;       // host path of the pty slave, bind-mounted on /dev/console
    const char *shm_size;           // tmpfs size for /dev/shm, default "65536k"
    int root_propagation;           // enum cspawn_propagation for "/" of the container; default SLAVE
} cspawn_config;

/// Sets every field to its neutral default (fds -1, propagation slave).
void cspawn_config_init(cspawn_config *config);

typedef struct cspawn_prepared cspawn_prepared;

/// Parent phase: copies the config, resolves capabilities (libcap) and compiles seccomp
/// (libseccomp, exported to BPF in memory). Returns NULL and fills err on failure.
cspawn_prepared *cspawn_prepare(const cspawn_config *config, cspawn_error *err);
void cspawn_prepared_free(cspawn_prepared *prepared);

/// Creates the container: clone3 (fallback clone) with new pid, mnt, uts, ipc and cgroup
/// namespaces, and a new or joined network namespace; the child sets up the rootfs, pivots,
/// drops privileges and execs. Returns 0 with *pid set once execve succeeded; -1 with err
/// filled (the child is reaped) otherwise. The caller must be the child's reaper.
int cspawn_start(cspawn_prepared *prepared, pid_t *pid, cspawn_error *err);

/// Runs a process inside the running container whose init is target_pid: an intermediate child
/// joins its cgroups and namespaces (cgroup, ipc, uts, net, pid, mnt) and clones the process
/// with CLONE_PARENT, so the returned *pid is the caller's child. Capabilities, seccomp,
/// no_new_privs, user, cwd and stdio come from the prepared config.
int cspawn_exec(cspawn_prepared *prepared, pid_t target_pid, pid_t *pid, cspawn_error *err);

/// Compiles a seccomp profile to classic BPF (the parent's job). `profile` is NULL for the
/// built-in default profile, or text in this format (one group per line, '#' comments):
///
///     default errno 1                  # default action (allow|errno N|kill|kill_process|trap|log)
///     arch x86_64 x86 x32              # architectures the filter accepts (native always)
///     allow : read write close …       # action [conditions] : syscall names
///     errno 38 excaps=CAP_SYS_ADMIN : clone3
///     allow arg=0,ne,40 : socket       # arg=index,op,value[,value2]; op: ne lt le eq ge gt me
///     allow caps=CAP_SYS_ADMIN : mount umount2
///     allow arches=x86_64,x32 : arch_prctl
///     allow minkernel=4.8 : ptrace
///
/// Conditions: caps= / excaps= (all listed must / must not be in cap_effective), arches= /
/// exarches= (native architecture in / not in list), minkernel=. Unknown syscall names are
/// skipped (as Moby does). `cap_effective` is a bitmask of capability numbers. On success
/// *bpf is malloc'ed (struct sock_filter array) and *len is its length in instructions.
int cspawn_seccomp_compile(const char *profile, uint64_t cap_effective, void **bpf, size_t *len,
                           cspawn_error *err);

/// The built-in default profile text (the Moby/containerd default).
const char *cspawn_seccomp_default_profile(void);

/// Converts capability names to a bitmask (libcap). Returns -1 and fills err for unknown names.
int cspawn_caps_mask(const char *const *names, uint64_t *mask, cspawn_error *err);

// ---- small helpers for the Swift side (which cannot call variadic C such as ioctl/syscall) ----

/// Opens a pty pair: master and slave O_RDWR|O_NOCTTY|O_CLOEXEC; the slave's path in slave_path.
/// Returns 0, or -1 with errno.
int cspawn_open_pty(int *master, int *slave, char *slave_path, size_t size);
/// pipe2(O_CLOEXEC). Returns 0, or -1 with errno.
int cspawn_pipe_cloexec(int fds[2]);
/// TIOCSWINSZ on a terminal fd. Returns 0, or -1 with errno.
int cspawn_set_winsize(int fd, unsigned short cols, unsigned short rows);
/// Signals pid only if it is still the process that started at start_time (clock ticks after
/// boot, /proc/<pid>/stat field 22): a pidfd is taken first, so check and signal concern the
/// same process even if the pid is reused meanwhile. Returns 0, or -1 with errno (ESRCH when
/// the process is gone or is another one).
int cspawn_signal_process(pid_t pid, long long start_time, int sig);
/// Mounts an overlay filesystem. lowers are top-first; upper/work may be NULL (read-only
/// overlay, then at least two lowers). Uses mount(2), or the new mount API (fsopen/fsconfig
/// "lowerdir+") when the option string would not fit a page. Returns 0, or -1 with err filled.
int cspawn_mount_overlay(const char *const *lowers, size_t nlowers, const char *upper, const char *work,
                         const char *target, cspawn_error *err);

#ifdef __cplusplus
}
#endif
#endif
