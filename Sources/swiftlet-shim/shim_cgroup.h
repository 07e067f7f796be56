// The container's cgroups: v1 (one directory per mounted hierarchy, as on hybrid hosts:
// /sys/fs/cgroup/<controller>/<path>) or v2 (/sys/fs/cgroup/<path>).
#ifndef SHIM_CGROUP_H
#define SHIM_CGROUP_H

#include "shim_conf.h"
#include <stdbool.h>

typedef struct shim_cgroups {
    bool v2;
    char **dirs;          // the container's cgroup directory in each hierarchy
    char **controllers;   // the hierarchy's options ("cpu", "memory", "name=systemd", "" for v2)
    size_t ndirs;
    char **procs;         // <dir>/cgroup.procs, for the child to join
} shim_cgroups;

/// Finds the hierarchies and computes the directories for `relative` (no creation).
int shim_cgroups_locate(const char *relative, shim_cgroups *cg, char *err, size_t errlen);
/// Creates the directories and writes the limits of the conf.
int shim_cgroups_create(const shim_conf *conf, shim_cgroups *cg, char *err, size_t errlen);
/// rmdir of the container's directories (retrying while the last processes leave).
void shim_cgroups_remove(shim_cgroups *cg);
/// Did the kernel OOM-kill something in the container's memory cgroup?
bool shim_cgroups_oom_killed(const shim_cgroups *cg);
void shim_cgroups_free(shim_cgroups *cg);

#endif
