// spawn.conf: what the Swift side (ContainerRuntime.SpawnSpec.write(to:)) tells the shim.
//
// Format (version 1): UTF-8 text, one "key value" per line; a key may repeat (arg, env, mount …)
// and repetitions append in order. Lines that are empty or start with '#' are ignored. The value
// is split into fields at single spaces; inside a field these escapes apply, and writers must use
// them: "\\" backslash, "\s" space, "\n" newline, "\t" tab, "\r" carriage return, "\e" an empty
// field (e.g. "arg \e" is an empty argument). Unknown keys are errors (a newer writer than
// this shim must not be half-understood).
//
//   version 1
//   rootfs <path>                     prepared root filesystem (required)
//   arg <string>                      argv, in order (required, at least one)
//   env <KEY=VALUE>                   environment, in order
//   cwd <path>                        working directory in the container (default /)
//   hostname <name>
//   netns <path>                      join this network namespace (absent: a new one)
//   user <uid> <gid>
//   group <gid>                       supplementary group (repeat)
//   cap.bounding <CAP_X> …            capability names (also cap.effective, cap.permitted,
//                                     cap.inheritable, cap.ambient); "ALL" = every cap we hold
//   noNewPrivileges true|false
//   seccomp unconfined | runtime-default | profile <path of a profile text, see cspawn.h>
//   readonlyRootfs true|false
//   mount <source> <destination> ro|rw [private|rslave|rshared]
//   device <path> c|b <major> <minor> <octal mode> <uid> <gid>
//   masked <path>                     masked path (repeat)
//   readonly <path>                   read-only path (repeat)
//   sysReadWrite true|false           /sys writable (privileged)
//   shmSize <tmpfs size>              e.g. 65536k
//   rlimit <NOFILE|NPROC|…> <soft> <hard>
//   oomScoreAdj <int>
//   tty true|false                    the container gets a pty slave; output logged as stdout
//   stdin true|false                  keep stdin open for attach (else /dev/null)
//   stdinOnce true|false              close stdin when the first stdin client detaches
//   log <path>                        CRI log file
//   cgroup <relative path>            e.g. swiftlet/<pod>/<container>
//   cgroup.cpuShares <n>              v1 cpu.shares (v2: converted to cpu.weight)
//   cgroup.cpuQuota <microseconds>    per period; -1 = unlimited
//   cgroup.cpuPeriod <microseconds>   default 100000
//   cgroup.memoryLimit <bytes>
//   cgroup.pidsLimit <n>
#ifndef SHIM_CONF_H
#define SHIM_CONF_H

#include "cspawn.h"
#include <stdbool.h>
#include <stdint.h>

typedef struct shim_conf {
    cspawn_config spawn;   // pointers below are owned by shim_conf
    // owned storage behind spawn's pointers
    char **argv, **envp;
    size_t nargv, nenvp;
    uint32_t *groups;
    char **caps[5];        // bounding, effective, permitted, inheritable, ambient
    size_t ncaps[5];
    cspawn_mount *mounts;
    size_t nmounts;
    cspawn_device *devices;
    size_t ndevices;
    char **masked, **readonly;
    size_t nmasked, nreadonly;
    cspawn_rlimit *rlimits;
    size_t nrlimits;
    char *seccomp_profile_path;

    // shim settings
    bool tty, stdin_open, stdin_once;
    char *log_path;
    char *cgroup_path;
    int64_t cpu_shares, cpu_quota, cpu_period, memory_limit, pids_limit;  // -1: not set
} shim_conf;

/// Reads and parses <bundle>/spawn.conf. Returns -1 with a message in err.
int shim_conf_load(const char *path, shim_conf *conf, char *err, size_t errlen);
void shim_conf_free(shim_conf *conf);

#endif
