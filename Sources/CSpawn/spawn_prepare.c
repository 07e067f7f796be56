// The parent phase: copy the config, resolve capabilities with libcap, compile seccomp. Here
// allocation and libraries are fine; the child only reads the result.
#define _GNU_SOURCE
#include "spawn_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>

void cspawn_config_init(cspawn_config *c) {
    memset(c, 0, sizeof *c);
    c->stdin_fd = c->stdout_fd = c->stderr_fd = -1;
    c->root_propagation = CSPAWN_PROPAGATION_SLAVE;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static char **dup_list(const char *const *list) {
    size_t n = 0;
    while (list && list[n]) n++;
    char **out = calloc(n + 1, sizeof *out);
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) out[i] = strdup(list[i]);
    return out;
}

static void free_list(char **list) {
    if (!list) return;
    for (char **s = list; *s; s++) free(*s);
    free(list);
}

void cspawn_prepared_free(cspawn_prepared *p) {
    if (!p) return;
    free_list(p->argv);
    free_list(p->envp);
    free(p->cwd);
    free(p->path_env);
    free(p->groups);
    free(p->seccomp.filter);
    free(p->rlimits);
    for (size_t i = 0; i < p->ncgroup_procs; i++) free(p->cgroup_procs[i]);
    free(p->cgroup_procs);
    free(p->cgroup2_dir);
    free(p->rootfs);
    free(p->hostname);
    free(p->netns_path);
    for (size_t i = 0; i < p->nmounts; i++) {
        free(p->mounts[i].source);
        free(p->mounts[i].destination);
    }
    free(p->mounts);
    for (size_t i = 0; i < p->ndevices; i++) free((char *)p->devices[i].path);
    free(p->devices);
    free_list(p->masked_paths);
    free_list(p->readonly_paths);
    free(p->console_path);
    free(p->shm_options);
    free(p);
}

/// Our own permitted set: what "ALL" means (a privileged container gets what we have).
static uint64_t current_permitted(void) {
    uint64_t mask = 0;
    cap_t current = cap_get_proc();
    if (!current) return 0;
    int last = (int)cap_max_bits() - 1;
    for (int c = 0; c <= last && c < 64; c++) {
        cap_flag_value_t v = CAP_CLEAR;
        if (cap_get_flag(current, c, CAP_PERMITTED, &v) == 0 && v == CAP_SET) mask |= 1ULL << c;
    }
    cap_free(current);
    return mask;
}

int cspawn_caps_mask(const char *const *names, uint64_t *mask, cspawn_error *err) {
    *mask = 0;
    for (size_t i = 0; names && names[i]; i++) {
        if (strcasecmp(names[i], "ALL") == 0 || strcasecmp(names[i], "CAP_ALL") == 0) {
            *mask |= current_permitted();
            continue;
        }
        char lower[64];
        snprintf(lower, sizeof lower, "%s", names[i]);
        for (char *c = lower; *c; c++) *c = (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c);
        cap_value_t value;
        if (cap_from_name(lower, &value) < 0 || value < 0 || value >= 64) {
            cspawn_set_error(err, "unknown capability", names[i], EINVAL);
            return -1;
        }
        *mask |= 1ULL << value;
    }
    return 0;
}

static int copy_process(cspawn_prepared *p, const cspawn_config *c, cspawn_error *err) {
    if (!c->argv || !c->argv[0] || !c->argv[0][0]) {
        cspawn_set_error(err, "prepare", "no command specified", EINVAL);
        return -1;
    }
    p->argv = dup_list(c->argv);
    p->envp = dup_list(c->envp);
    p->cwd = dup_or_null(c->cwd);
    for (char **e = p->envp; e && *e; e++) {
        if (strncmp(*e, "PATH=", 5) == 0) {
            free(p->path_env);
            p->path_env = strdup(*e + 5);
        }
    }
    p->uid = c->uid;
    p->gid = c->gid;
    if (c->ngroups) {
        p->groups = calloc(c->ngroups, sizeof *p->groups);
        memcpy(p->groups, c->groups, c->ngroups * sizeof *p->groups);
        p->ngroups = c->ngroups;
    }
    p->no_new_privs = c->no_new_privs;
    p->stdin_fd = c->stdin_fd;
    p->stdout_fd = c->stdout_fd;
    p->stderr_fd = c->stderr_fd;
    p->tty = c->tty;
    if (c->nrlimits) {
        p->rlimits = calloc(c->nrlimits, sizeof *p->rlimits);
        memcpy(p->rlimits, c->rlimits, c->nrlimits * sizeof *p->rlimits);
        p->nrlimits = c->nrlimits;
    }
    p->set_oom_score_adj = c->set_oom_score_adj;
    p->oom_score_adj = c->oom_score_adj;
    size_t ncg = c->ncgroup_procs + (c->cgroup2_dir ? 1 : 0);
    p->cgroup_procs = calloc(ncg + 1, sizeof *p->cgroup_procs);
    for (size_t i = 0; i < c->ncgroup_procs; i++) p->cgroup_procs[p->ncgroup_procs++] = strdup(c->cgroup_procs[i]);
    if (c->cgroup2_dir) {
        p->cgroup2_dir = strdup(c->cgroup2_dir);
        // Used only when clone3(CLONE_INTO_CGROUP) is unavailable.
        if (asprintf(&p->cgroup_procs[p->ncgroup_procs], "%s/cgroup.procs", c->cgroup2_dir) >= 0) p->ncgroup_procs++;
    }
    if (cspawn_caps_mask(c->cap_bounding, &p->cap_bounding, err) < 0) return -1;
    if (cspawn_caps_mask(c->cap_effective, &p->cap_effective, err) < 0) return -1;
    if (cspawn_caps_mask(c->cap_permitted, &p->cap_permitted, err) < 0) return -1;
    if (cspawn_caps_mask(c->cap_inheritable, &p->cap_inheritable, err) < 0) return -1;
    if (cspawn_caps_mask(c->cap_ambient, &p->cap_ambient, err) < 0) return -1;
    p->cap_last = (int)cap_max_bits() - 1;
    if (p->cap_last > 63) p->cap_last = 63;
    if (c->seccomp_mode != CSPAWN_SECCOMP_UNCONFINED) {
        const char *profile = c->seccomp_mode == CSPAWN_SECCOMP_PROFILE ? c->seccomp_profile : NULL;
        if (c->seccomp_mode == CSPAWN_SECCOMP_PROFILE && !profile) {
            cspawn_set_error(err, "seccomp", "profile mode without a profile", EINVAL);
            return -1;
        }
        void *bpf = NULL;
        size_t len = 0;
        if (cspawn_seccomp_compile(profile, p->cap_bounding, &bpf, &len, err) < 0) return -1;
        p->seccomp.filter = bpf;
        p->seccomp.len = (unsigned short)len;
    }
    return 0;
}

static int copy_container(cspawn_prepared *p, const cspawn_config *c, cspawn_error *err) {
    p->rootfs = dup_or_null(c->rootfs);
    p->readonly_rootfs = c->readonly_rootfs;
    p->hostname = dup_or_null(c->hostname);
    p->netns_path = dup_or_null(c->netns_path);
    if (c->nmounts) {
        p->mounts = calloc(c->nmounts, sizeof *p->mounts);
        for (size_t i = 0; i < c->nmounts; i++) {
            const cspawn_mount *m = &c->mounts[i];
            if (!m->source || !m->destination || m->destination[0] != '/') {
                cspawn_set_error(err, "mount", m->destination ? m->destination : "(none)", EINVAL);
                return -1;
            }
            struct stat st;
            if (stat(m->source, &st) < 0) {
                cspawn_set_error(err, "stat mount source", m->source, errno);
                return -1;
            }
            prepared_mount *pm = &p->mounts[p->nmounts++];
            pm->source = strdup(m->source);
            pm->destination = strdup(m->destination);
            pm->readonly = m->readonly;
            pm->propagation = m->propagation;
            pm->source_is_dir = S_ISDIR(st.st_mode);
        }
    }
    if (c->ndevices) {
        p->devices = calloc(c->ndevices, sizeof *p->devices);
        for (size_t i = 0; i < c->ndevices; i++) {
            p->devices[i] = c->devices[i];
            p->devices[i].path = strdup(c->devices[i].path);
        }
        p->ndevices = c->ndevices;
    }
    p->masked_paths = dup_list(c->masked_paths);
    p->readonly_paths = dup_list(c->readonly_paths);
    p->sys_readwrite = c->sys_readwrite;
    p->console_path = dup_or_null(c->console_path);
    if (asprintf(&p->shm_options, "mode=1777,size=%s", c->shm_size && *c->shm_size ? c->shm_size : "65536k") < 0)
        p->shm_options = NULL;
    p->root_propagation = c->root_propagation;
    return 0;
}

cspawn_prepared *cspawn_prepare(const cspawn_config *c, cspawn_error *err) {
    memset(err, 0, sizeof *err);
    cspawn_prepared *p = calloc(1, sizeof *p);
    if (!p) {
        cspawn_set_error(err, "prepare", "allocation", ENOMEM);
        return NULL;
    }
    if (copy_process(p, c, err) < 0 || copy_container(p, c, err) < 0) {
        cspawn_prepared_free(p);
        return NULL;
    }
    return p;
}
