#define _GNU_SOURCE
#include "shim_cgroup.h"
#include "shim_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void add_dir(shim_cgroups *cg, const char *mountpoint, const char *relative, const char *options) {
    for (size_t i = 0; i < cg->ndirs; i++)
        if (strcmp(cg->controllers[i], options) == 0) return;  // same hierarchy mounted twice
    cg->dirs = realloc(cg->dirs, (cg->ndirs + 1) * sizeof *cg->dirs);
    cg->controllers = realloc(cg->controllers, (cg->ndirs + 1) * sizeof *cg->controllers);
    cg->procs = realloc(cg->procs, (cg->ndirs + 1) * sizeof *cg->procs);
    const char *rel = relative;
    while (*rel == '/') rel++;
    if (asprintf(&cg->dirs[cg->ndirs], "%s/%s", mountpoint, rel) < 0) return;
    if (asprintf(&cg->procs[cg->ndirs], "%s/cgroup.procs", cg->dirs[cg->ndirs]) < 0) return;
    cg->controllers[cg->ndirs] = strdup(options);
    cg->ndirs++;
}

/// The controller list of a v1 mount's super options: drop rw/ro and other flags.
static void controllers_of(const char *super_options, char *out, size_t size) {
    out[0] = '\0';
    char *copy = strdup(super_options), *save = NULL;
    for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        if (!strcmp(o, "rw") || !strcmp(o, "ro") || !strncmp(o, "release_agent=", 14) ||
            !strcmp(o, "clone_children") || !strcmp(o, "noprefix") || !strcmp(o, "xattr") || !strcmp(o, "cpuset_v2_mode"))
            continue;
        if (out[0]) strncat(out, ",", size - strlen(out) - 1);
        strncat(out, o, size - strlen(out) - 1);
    }
    free(copy);
}

int shim_cgroups_locate(const char *relative, shim_cgroups *cg, char *err, size_t errlen) {
    memset(cg, 0, sizeof *cg);
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f) {
        snprintf(err, errlen, "open /proc/self/mountinfo: %s", strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    char v2_mount[4096] = "";
    while (getline(&line, &cap, f) > 0) {
        // id parent major:minor root mountpoint options [optional…] - fstype source super
        char *sep = strstr(line, " - ");
        if (!sep) continue;
        char mountpoint[4096], fstype[64], source[256], super[1024] = "";
        if (sscanf(line, "%*s %*s %*s %*s %4095s", mountpoint) != 1) continue;
        if (sscanf(sep + 3, "%63s %255s %1023s", fstype, source, super) < 2) continue;
        if (strcmp(fstype, "cgroup") == 0) {
            char controllers[1024];
            controllers_of(super, controllers, sizeof controllers);
            add_dir(cg, mountpoint, relative, controllers);
        } else if (strcmp(fstype, "cgroup2") == 0 && strcmp(mountpoint, "/sys/fs/cgroup") == 0) {
            snprintf(v2_mount, sizeof v2_mount, "%s", mountpoint);
        }
    }
    free(line);
    fclose(f);
    // Hybrid hosts (v1 controllers + an empty unified tree) are treated as v1.
    if (cg->ndirs == 0 && v2_mount[0]) {
        cg->v2 = true;
        add_dir(cg, v2_mount, relative, "");
    }
    if (cg->ndirs == 0) {
        snprintf(err, errlen, "no cgroup hierarchy mounted (looked in /proc/self/mountinfo)");
        return -1;
    }
    cg->procs = realloc(cg->procs, (cg->ndirs + 1) * sizeof *cg->procs);
    cg->procs[cg->ndirs] = NULL;
    return 0;
}

static bool has_controller(const char *list, const char *name) {
    char *copy = strdup(list), *save = NULL;
    bool found = false;
    for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
        if (strcmp(o, name) == 0) found = true;
    free(copy);
    return found;
}

static int write_knob(const char *dir, const char *knob, const char *value, char *err, size_t errlen) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, knob);
    if (shim_write_string(path, value) < 0) {
        snprintf(err, errlen, "write %s to %s: %s", value, path, strerror(errno));
        return -1;
    }
    return 0;
}

/// mkdir -p of a cpuset directory: a new v1 cpuset cgroup has empty cpus/mems, and joining it
/// fails with ENOSPC, so every new level copies its parent's.
static int mkdir_cpuset(const char *dir, char *err, size_t errlen) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dir);
    size_t len = strlen(buf);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0755) == 0) {
            char parent[4096];
            snprintf(parent, sizeof parent, "%s", buf);
            *strrchr(parent, '/') = '\0';
            for (int k = 0; k < 2; k++) {
                const char *knob = k == 0 ? "cpuset.cpus" : "cpuset.mems";
                char path[4200];
                snprintf(path, sizeof path, "%s/%s", parent, knob);
                char *value = shim_read_file(path, NULL);
                if (value && write_knob(buf, knob, value, err, errlen) < 0) {
                    free(value);
                    return -1;
                }
                free(value);
            }
        } else if (errno != EEXIST) {
            snprintf(err, errlen, "mkdir %s: %s", buf, strerror(errno));
            return -1;
        }
        buf[i] = saved;
    }
    return 0;
}

/// v2: the controllers must be enabled in every ancestor's subtree_control.
static int enable_v2_controllers(const char *dir, char *err, size_t errlen) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dir);
    size_t root_len = strlen("/sys/fs/cgroup");
    for (size_t i = root_len; buf[i]; i++) {
        if (buf[i] != '/') continue;
        buf[i] = '\0';
        static const char *wanted[] = {"+cpu", "+memory", "+pids"};
        for (size_t k = 0; k < 3; k++) {
            char path[4200];
            snprintf(path, sizeof path, "%s/cgroup.subtree_control", buf);
            if (shim_write_string(path, wanted[k]) < 0 && errno != ENOENT) {
                // A controller the kernel lacks is not fatal; a limit that needs it will fail.
                (void)err;
                (void)errlen;
            }
        }
        buf[i] = '/';
    }
    return 0;
}

int shim_cgroups_create(const shim_conf *conf, shim_cgroups *cg, char *err, size_t errlen) {
    if (shim_cgroups_locate(conf->cgroup_path, cg, err, errlen) < 0) return -1;
    char value[64];
    for (size_t i = 0; i < cg->ndirs; i++) {
        const char *dir = cg->dirs[i], *ctl = cg->controllers[i];
        if (cg->v2) {
            if (shim_mkdir_p(dir, 0755) < 0) {
                snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
                return -1;
            }
            enable_v2_controllers(dir, err, errlen);
            if (conf->cpu_shares > 0) {
                // The kubelet's conversion of shares [2, 262144] to weight [1, 10000].
                long long weight = 1 + ((conf->cpu_shares - 2) * 9999) / 262142;
                snprintf(value, sizeof value, "%lld", weight);
                if (write_knob(dir, "cpu.weight", value, err, errlen) < 0) return -1;
            }
            if (conf->cpu_quota > 0 || conf->cpu_period > 0) {
                long long period = conf->cpu_period > 0 ? conf->cpu_period : 100000;
                if (conf->cpu_quota > 0) snprintf(value, sizeof value, "%lld %lld", (long long)conf->cpu_quota, period);
                else snprintf(value, sizeof value, "max %lld", period);
                if (write_knob(dir, "cpu.max", value, err, errlen) < 0) return -1;
            }
            if (conf->memory_limit > 0) {
                snprintf(value, sizeof value, "%lld", (long long)conf->memory_limit);
                if (write_knob(dir, "memory.max", value, err, errlen) < 0) return -1;
            }
            if (conf->pids_limit > 0) {
                snprintf(value, sizeof value, "%lld", (long long)conf->pids_limit);
                if (write_knob(dir, "pids.max", value, err, errlen) < 0) return -1;
            }
            continue;
        }
        if (has_controller(ctl, "cpuset")) {
            if (mkdir_cpuset(dir, err, errlen) < 0) return -1;
        } else if (shim_mkdir_p(dir, 0755) < 0) {
            snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
            return -1;
        }
        if (has_controller(ctl, "cpu")) {
            if (conf->cpu_shares > 0) {
                snprintf(value, sizeof value, "%lld", (long long)conf->cpu_shares);
                if (write_knob(dir, "cpu.shares", value, err, errlen) < 0) return -1;
            }
            if (conf->cpu_period > 0) {
                snprintf(value, sizeof value, "%lld", (long long)conf->cpu_period);
                if (write_knob(dir, "cpu.cfs_period_us", value, err, errlen) < 0) return -1;
            }
            if (conf->cpu_quota > 0) {
                snprintf(value, sizeof value, "%lld", (long long)conf->cpu_quota);
                if (write_knob(dir, "cpu.cfs_quota_us", value, err, errlen) < 0) return -1;
            }
        }
        if (has_controller(ctl, "memory") && conf->memory_limit > 0) {
            snprintf(value, sizeof value, "%lld", (long long)conf->memory_limit);
            if (write_knob(dir, "memory.limit_in_bytes", value, err, errlen) < 0) return -1;
        }
        if (has_controller(ctl, "pids") && conf->pids_limit > 0) {
            snprintf(value, sizeof value, "%lld", (long long)conf->pids_limit);
            if (write_knob(dir, "pids.max", value, err, errlen) < 0) return -1;
        }
    }
    return 0;
}

void shim_cgroups_remove(shim_cgroups *cg) {
    for (size_t i = 0; i < cg->ndirs; i++) {
        for (int attempt = 0; attempt < 100; attempt++) {
            if (rmdir(cg->dirs[i]) == 0 || errno == ENOENT) break;
            if (errno != EBUSY) {
                shim_logf("rmdir %s: %s", cg->dirs[i], strerror(errno));
                break;
            }
            struct timespec ts = {0, 20 * 1000 * 1000};  // the last processes are still exiting
            nanosleep(&ts, NULL);
        }
    }
}

bool shim_cgroups_oom_killed(const shim_cgroups *cg) {
    for (size_t i = 0; i < cg->ndirs; i++) {
        if (!cg->v2 && !has_controller(cg->controllers[i], "memory")) continue;
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", cg->dirs[i], cg->v2 ? "memory.events" : "memory.oom_control");
        char *text = shim_read_file(path, NULL);
        if (!text) continue;
        char *p = strstr(text, "oom_kill ");
        long long count = p ? strtoll(p + 9, NULL, 10) : 0;
        free(text);
        if (count > 0) return true;
    }
    return false;
}

void shim_cgroups_free(shim_cgroups *cg) {
    for (size_t i = 0; i < cg->ndirs; i++) {
        free(cg->dirs[i]);
        free(cg->controllers[i]);
        free(cg->procs[i]);
    }
    free(cg->dirs);
    free(cg->controllers);
    free(cg->procs);
    memset(cg, 0, sizeof *cg);
}
