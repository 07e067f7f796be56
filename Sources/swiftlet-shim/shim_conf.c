// Parser of spawn.conf (format documented in shim_conf.h).
#define _GNU_SOURCE
#include "shim_conf.h"
#include "shim_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define MAX_FIELDS 16

/// Splits the value into fields and undoes the escapes, in place.
static int split_fields(char *value, char **fields, int max) {
    int n = 0;
    char *p = value;
    if (*p == '\0') return 0;
    for (;;) {
        if (n == max) return -1;
        char *start = p, *out = p;
        while (*p && *p != ' ') {
            if (*p == '\\' && p[1]) {
                p++;
                switch (*p) {
                case 's': *out++ = ' '; break;
                case 'n': *out++ = '\n'; break;
                case 't': *out++ = '\t'; break;
                case 'r': *out++ = '\r'; break;
                case 'e': break;  // explicit empty field
                default: *out++ = *p; break;
                }
                p++;
            } else {
                *out++ = *p++;
            }
        }
        bool more = *p == ' ';
        *out = '\0';
        fields[n++] = start;
        if (!more) break;
        p++;
    }
    return n;
}

static void push_string(char ***list, size_t *count, const char *s) {
    *list = realloc(*list, (*count + 2) * sizeof **list);
    (*list)[(*count)++] = strdup(s);
    (*list)[*count] = NULL;
}

static bool parse_bool(const char *s, bool *out) {
    if (strcmp(s, "true") == 0) *out = true;
    else if (strcmp(s, "false") == 0) *out = false;
    else return false;
    return true;
}

static bool parse_i64(const char *s, int64_t *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s) return false;
    *out = v;
    return true;
}

static int rlimit_resource(const char *name) {
    static const struct { const char *name; int value; } table[] = {
        {"CPU", RLIMIT_CPU}, {"FSIZE", RLIMIT_FSIZE}, {"DATA", RLIMIT_DATA}, {"STACK", RLIMIT_STACK},
        {"CORE", RLIMIT_CORE}, {"RSS", RLIMIT_RSS}, {"NPROC", RLIMIT_NPROC}, {"NOFILE", RLIMIT_NOFILE},
        {"MEMLOCK", RLIMIT_MEMLOCK}, {"AS", RLIMIT_AS}, {"LOCKS", RLIMIT_LOCKS},
        {"SIGPENDING", RLIMIT_SIGPENDING}, {"MSGQUEUE", RLIMIT_MSGQUEUE}, {"NICE", RLIMIT_NICE},
        {"RTPRIO", RLIMIT_RTPRIO}, {"RTTIME", RLIMIT_RTTIME},
    };
    if (strncmp(name, "RLIMIT_", 7) == 0) name += 7;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, name) == 0) return table[i].value;
    return -1;
}

static int propagation_value(const char *s) {
    if (strcmp(s, "rshared") == 0 || strcmp(s, "shared") == 0) return CSPAWN_PROPAGATION_SHARED;
    if (strcmp(s, "rslave") == 0 || strcmp(s, "slave") == 0) return CSPAWN_PROPAGATION_SLAVE;
    if (strcmp(s, "private") == 0 || strcmp(s, "rprivate") == 0) return CSPAWN_PROPAGATION_PRIVATE;
    return -1;
}

static int apply_line(shim_conf *c, const char *key, char **f, int n, char *err, size_t errlen) {
#define NEED(k) do { if (n < (k)) { snprintf(err, errlen, "%s needs %d value(s)", key, (k)); return -1; } } while (0)
#define BAD() do { snprintf(err, errlen, "bad value for %s", key); return -1; } while (0)
    cspawn_config *s = &c->spawn;
    if (strcmp(key, "version") == 0) {
        NEED(1);
        if (strcmp(f[0], "1") != 0) { snprintf(err, errlen, "unsupported spawn.conf version %s", f[0]); return -1; }
    } else if (strcmp(key, "rootfs") == 0) { NEED(1); free((char *)s->rootfs); s->rootfs = strdup(f[0]);
    } else if (strcmp(key, "arg") == 0) { push_string(&c->argv, &c->nargv, n ? f[0] : "");
    } else if (strcmp(key, "env") == 0) { NEED(1); push_string(&c->envp, &c->nenvp, f[0]);
    } else if (strcmp(key, "cwd") == 0) { NEED(1); free((char *)s->cwd); s->cwd = strdup(f[0]);
    } else if (strcmp(key, "hostname") == 0) { NEED(1); free((char *)s->hostname); s->hostname = strdup(f[0]);
    } else if (strcmp(key, "netns") == 0) { NEED(1); free((char *)s->netns_path); s->netns_path = strdup(f[0]);
    } else if (strcmp(key, "user") == 0) {
        NEED(2);
        int64_t uid, gid;
        if (!parse_i64(f[0], &uid) || !parse_i64(f[1], &gid) || uid < 0 || gid < 0) BAD();
        s->uid = (uint32_t)uid;
        s->gid = (uint32_t)gid;
    } else if (strcmp(key, "group") == 0) {
        NEED(1);
        int64_t gid;
        if (!parse_i64(f[0], &gid) || gid < 0) BAD();
        c->groups = realloc(c->groups, (s->ngroups + 1) * sizeof *c->groups);
        c->groups[s->ngroups++] = (uint32_t)gid;
    } else if (strncmp(key, "cap.", 4) == 0) {
        static const char *sets[5] = {"bounding", "effective", "permitted", "inheritable", "ambient"};
        int which = -1;
        for (int i = 0; i < 5; i++) if (strcmp(key + 4, sets[i]) == 0) which = i;
        if (which < 0) { snprintf(err, errlen, "unknown key %s", key); return -1; }
        for (int i = 0; i < n; i++) if (f[i][0]) push_string(&c->caps[which], &c->ncaps[which], f[i]);
    } else if (strcmp(key, "noNewPrivileges") == 0) { NEED(1); if (!parse_bool(f[0], &s->no_new_privs)) BAD();
    } else if (strcmp(key, "seccomp") == 0) {
        NEED(1);
        if (strcmp(f[0], "unconfined") == 0) s->seccomp_mode = CSPAWN_SECCOMP_UNCONFINED;
        else if (strcmp(f[0], "runtime-default") == 0) s->seccomp_mode = CSPAWN_SECCOMP_RUNTIME_DEFAULT;
        else if (strcmp(f[0], "profile") == 0) {
            NEED(2);
            s->seccomp_mode = CSPAWN_SECCOMP_PROFILE;
            free(c->seccomp_profile_path);
            c->seccomp_profile_path = strdup(f[1]);
        } else BAD();
    } else if (strcmp(key, "readonlyRootfs") == 0) { NEED(1); if (!parse_bool(f[0], &s->readonly_rootfs)) BAD();
    } else if (strcmp(key, "mount") == 0) {
        NEED(3);
        bool ro = strcmp(f[2], "ro") == 0;
        if (!ro && strcmp(f[2], "rw") != 0) BAD();
        int prop = n >= 4 ? propagation_value(f[3]) : CSPAWN_PROPAGATION_PRIVATE;
        if (prop < 0) BAD();
        c->mounts = realloc(c->mounts, (c->nmounts + 1) * sizeof *c->mounts);
        c->mounts[c->nmounts++] = (cspawn_mount){.source = strdup(f[0]), .destination = strdup(f[1]),
                                                 .readonly = ro, .propagation = prop};
    } else if (strcmp(key, "device") == 0) {
        NEED(7);
        int64_t major, minor, uid, gid;
        if ((f[1][0] != 'c' && f[1][0] != 'b') || !parse_i64(f[2], &major) || !parse_i64(f[3], &minor) ||
            !parse_i64(f[5], &uid) || !parse_i64(f[6], &gid)) BAD();
        c->devices = realloc(c->devices, (c->ndevices + 1) * sizeof *c->devices);
        c->devices[c->ndevices++] = (cspawn_device){.path = strdup(f[0]), .type = f[1][0],
            .major = (uint32_t)major, .minor = (uint32_t)minor, .mode = (uint32_t)strtoul(f[4], NULL, 8),
            .uid = (uint32_t)uid, .gid = (uint32_t)gid};
    } else if (strcmp(key, "masked") == 0) { NEED(1); push_string(&c->masked, &c->nmasked, f[0]);
    } else if (strcmp(key, "readonly") == 0) { NEED(1); push_string(&c->readonly, &c->nreadonly, f[0]);
    } else if (strcmp(key, "sysReadWrite") == 0) { NEED(1); if (!parse_bool(f[0], &s->sys_readwrite)) BAD();
    } else if (strcmp(key, "shmSize") == 0) { NEED(1); free((char *)s->shm_size); s->shm_size = strdup(f[0]);
    } else if (strcmp(key, "rlimit") == 0) {
        NEED(3);
        int res = rlimit_resource(f[0]);
        int64_t soft, hard;
        if (res < 0 || !parse_i64(f[1], &soft) || !parse_i64(f[2], &hard)) BAD();
        c->rlimits = realloc(c->rlimits, (c->nrlimits + 1) * sizeof *c->rlimits);
        c->rlimits[c->nrlimits++] = (cspawn_rlimit){.resource = res, .soft = (uint64_t)soft, .hard = (uint64_t)hard};
    } else if (strcmp(key, "oomScoreAdj") == 0) {
        NEED(1);
        int64_t v;
        if (!parse_i64(f[0], &v)) BAD();
        s->set_oom_score_adj = true;
        s->oom_score_adj = (int)v;
    } else if (strcmp(key, "tty") == 0) { NEED(1); if (!parse_bool(f[0], &c->tty)) BAD();
    } else if (strcmp(key, "stdin") == 0) { NEED(1); if (!parse_bool(f[0], &c->stdin_open)) BAD();
    } else if (strcmp(key, "stdinOnce") == 0) { NEED(1); if (!parse_bool(f[0], &c->stdin_once)) BAD();
    } else if (strcmp(key, "log") == 0) { NEED(1); free(c->log_path); c->log_path = strdup(f[0]);
    } else if (strcmp(key, "cgroup") == 0) { NEED(1); free(c->cgroup_path); c->cgroup_path = strdup(f[0]);
    } else if (strcmp(key, "cgroup.cpuShares") == 0) { NEED(1); if (!parse_i64(f[0], &c->cpu_shares)) BAD();
    } else if (strcmp(key, "cgroup.cpuQuota") == 0) { NEED(1); if (!parse_i64(f[0], &c->cpu_quota)) BAD();
    } else if (strcmp(key, "cgroup.cpuPeriod") == 0) { NEED(1); if (!parse_i64(f[0], &c->cpu_period)) BAD();
    } else if (strcmp(key, "cgroup.memoryLimit") == 0) { NEED(1); if (!parse_i64(f[0], &c->memory_limit)) BAD();
    } else if (strcmp(key, "cgroup.pidsLimit") == 0) { NEED(1); if (!parse_i64(f[0], &c->pids_limit)) BAD();
    } else {
        snprintf(err, errlen, "unknown key %s", key);
        return -1;
    }
    return 0;
#undef NEED
#undef BAD
}

int shim_conf_load(const char *path, shim_conf *c, char *err, size_t errlen) {
    memset(c, 0, sizeof *c);
    cspawn_config_init(&c->spawn);
    c->cpu_shares = c->cpu_quota = c->cpu_period = c->memory_limit = c->pids_limit = -1;
    size_t size = 0;
    char *text = shim_read_file(path, &size);
    if (!text) {
        snprintf(err, errlen, "read %s: %s", path, strerror(errno));
        return -1;
    }
    int line_no = 0, rc = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line_no++;
        if (line[0] == '#' || line[0] == '\0') continue;
        char *space = strchr(line, ' ');
        char *value = space ? space + 1 : line + strlen(line);
        if (space) *space = '\0';
        char *fields[MAX_FIELDS];
        int n = split_fields(value, fields, MAX_FIELDS);
        char inner[512] = "";
        if (n < 0) snprintf(inner, sizeof inner, "too many fields");
        if (n < 0 || apply_line(c, line, fields, n, inner, sizeof inner) < 0) {
            snprintf(err, errlen, "%s line %d: %s", path, line_no, inner);
            rc = -1;
            break;
        }
    }
    free(text);
    if (rc == 0 && !c->spawn.rootfs) { snprintf(err, errlen, "%s: no rootfs", path); rc = -1; }
    if (rc == 0 && c->nargv == 0) { snprintf(err, errlen, "%s: no command specified", path); rc = -1; }
    if (rc == 0 && c->seccomp_profile_path) {
        char *profile = shim_read_file(c->seccomp_profile_path, &size);
        if (!profile) {
            snprintf(err, errlen, "read seccomp profile %s: %s", c->seccomp_profile_path, strerror(errno));
            rc = -1;
        }
        c->spawn.seccomp_profile = profile;
    }
    if (rc < 0) return -1;
    cspawn_config *s = &c->spawn;
    s->argv = (const char *const *)c->argv;
    if (!c->envp) push_string(&c->envp, &c->nenvp, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    s->envp = (const char *const *)c->envp;
    if (!s->cwd) s->cwd = strdup("/");
    s->groups = c->groups;
    s->cap_bounding = (const char *const *)c->caps[0];
    s->cap_effective = (const char *const *)c->caps[1];
    s->cap_permitted = (const char *const *)c->caps[2];
    s->cap_inheritable = (const char *const *)c->caps[3];
    s->cap_ambient = (const char *const *)c->caps[4];
    s->mounts = c->mounts;
    s->nmounts = c->nmounts;
    s->devices = c->devices;
    s->ndevices = c->ndevices;
    s->masked_paths = (const char *const *)c->masked;
    s->readonly_paths = (const char *const *)c->readonly;
    s->rlimits = c->rlimits;
    s->nrlimits = c->nrlimits;
    return 0;
}

static void free_list(char **list) {
    if (!list) return;
    for (char **p = list; *p; p++) free(*p);
    free(list);
}

void shim_conf_free(shim_conf *c) {
    free_list(c->argv);
    free_list(c->envp);
    free(c->groups);
    for (int i = 0; i < 5; i++) free_list(c->caps[i]);
    for (size_t i = 0; i < c->nmounts; i++) {
        free((char *)c->mounts[i].source);
        free((char *)c->mounts[i].destination);
    }
    free(c->mounts);
    for (size_t i = 0; i < c->ndevices; i++) free((char *)c->devices[i].path);
    free(c->devices);
    free_list(c->masked);
    free_list(c->readonly);
    free(c->rlimits);
    free(c->seccomp_profile_path);
    free((char *)c->spawn.seccomp_profile);
    free((char *)c->spawn.rootfs);
    free((char *)c->spawn.cwd);
    free((char *)c->spawn.hostname);
    free((char *)c->spawn.netns_path);
    free((char *)c->spawn.shm_size);
    free(c->log_path);
    free(c->cgroup_path);
}
