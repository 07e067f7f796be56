// Seccomp in the parent: parse the profile text (format in cspawn.h), build a libseccomp filter,
// export it as BPF into memory. The child only loads the bytes.
#define _GNU_SOURCE
#include "spawn_internal.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

typedef struct profile_state {
    scmp_filter_ctx ctx;
    uint32_t default_action;
    uint64_t caps;
    int kernel_major, kernel_minor;
    int max_native_nr;   // highest native syscall number the profile mentions
    int line_no;
    cspawn_error *err;
} profile_state;

static int fail(profile_state *st, const char *step, const char *object, int errnum) {
    char where[1024];
    snprintf(where, sizeof where, "%s (profile line %d)", object, st->line_no);
    cspawn_set_error(st->err, step, where, errnum);
    return -1;
}

/// "allow", "errno 1", "kill_process" … (also SCMP_ACT_ALLOW spelled out). Consumes a number
/// after errno/trace when present.
static int parse_action(profile_state *st, char **tokens, size_t ntokens, size_t *i, uint32_t *action) {
    const char *word = tokens[*i];
    if (strncasecmp(word, "SCMP_ACT_", 9) == 0) word += 9;
    (*i)++;
    long number = -1;
    if ((strcasecmp(word, "errno") == 0 || strcasecmp(word, "trace") == 0) && *i < ntokens) {
        char *end;
        long v = strtol(tokens[*i], &end, 10);
        if (*end == '\0') {
            number = v;
            (*i)++;
        }
    }
    if (strcasecmp(word, "allow") == 0) *action = SCMP_ACT_ALLOW;
    else if (strcasecmp(word, "errno") == 0) *action = SCMP_ACT_ERRNO((uint16_t)(number < 0 ? EPERM : number));
    else if (strcasecmp(word, "kill") == 0 || strcasecmp(word, "kill_thread") == 0) *action = SCMP_ACT_KILL;
    else if (strcasecmp(word, "kill_process") == 0) *action = SCMP_ACT_KILL_PROCESS;
    else if (strcasecmp(word, "trap") == 0) *action = SCMP_ACT_TRAP;
    else if (strcasecmp(word, "trace") == 0) *action = SCMP_ACT_TRACE((uint16_t)(number < 0 ? 0 : number));
    else if (strcasecmp(word, "log") == 0) *action = SCMP_ACT_LOG;
    else return fail(st, "seccomp profile", word, EINVAL);
    return 0;
}

static uint32_t arch_token(const char *name) {
    if (strncasecmp(name, "SCMP_ARCH_", 10) == 0) name += 10;
    char lower[32];
    snprintf(lower, sizeof lower, "%s", name);
    for (char *c = lower; *c; c++) *c = (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c);
    if (strcmp(lower, "amd64") == 0) return SCMP_ARCH_X86_64;
    if (strcmp(lower, "i386") == 0 || strcmp(lower, "386") == 0) return SCMP_ARCH_X86;
    if (strcmp(lower, "arm64") == 0) return SCMP_ARCH_AARCH64;
    return seccomp_arch_resolve_name(lower);
}

/// Is the native architecture in a comma-separated list of Moby/Go arch names?
static bool native_in(const char *list) {
    uint32_t native = seccomp_arch_native();
    char *copy = strdup(list), *save = NULL;
    bool found = false;
    for (char *a = strtok_r(copy, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
        if (arch_token(a) == native) found = true;
    }
    free(copy);
    return found;
}

static int caps_match(profile_state *st, const char *list, bool *all, bool *any) {
    char *copy = strdup(list), *save = NULL;
    *all = true;
    *any = false;
    for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
        char lower[64];
        snprintf(lower, sizeof lower, "%s", c);
        for (char *p = lower; *p; p++) *p = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
        cap_value_t v;
        if (cap_from_name(lower, &v) < 0 || v < 0 || v >= 64) {
            // A capability this libcap does not know cannot be in our set.
            *all = false;
            continue;
        }
        if (st->caps & (1ULL << v)) *any = true;
        else *all = false;
    }
    free(copy);
    return 0;
}

static int parse_op(const char *op, enum scmp_compare *out) {
    if (strncasecmp(op, "SCMP_CMP_", 9) == 0) op += 9;
    if (!strcasecmp(op, "ne")) *out = SCMP_CMP_NE;
    else if (!strcasecmp(op, "lt")) *out = SCMP_CMP_LT;
    else if (!strcasecmp(op, "le")) *out = SCMP_CMP_LE;
    else if (!strcasecmp(op, "eq")) *out = SCMP_CMP_EQ;
    else if (!strcasecmp(op, "ge")) *out = SCMP_CMP_GE;
    else if (!strcasecmp(op, "gt")) *out = SCMP_CMP_GT;
    else if (!strcasecmp(op, "me") || !strcasecmp(op, "masked_eq")) *out = SCMP_CMP_MASKED_EQ;
    else return -1;
    return 0;
}

static int parse_arg(profile_state *st, const char *spec, struct scmp_arg_cmp *arg) {
    char *copy = strdup(spec), *save = NULL;
    char *fields[4] = {0};
    int n = 0;
    for (char *f = strtok_r(copy, ",", &save); f && n < 4; f = strtok_r(NULL, ",", &save)) fields[n++] = f;
    int rc = -1;
    enum scmp_compare op;
    if (n >= 3 && parse_op(fields[1], &op) == 0) {
        arg->arg = (unsigned)strtoul(fields[0], NULL, 10);
        arg->op = op;
        arg->datum_a = strtoull(fields[2], NULL, 0);
        arg->datum_b = n == 4 ? strtoull(fields[3], NULL, 0) : 0;
        rc = arg->arg < 6 ? 0 : -1;
    }
    free(copy);
    if (rc < 0) return fail(st, "seccomp profile argument", spec, EINVAL);
    return 0;
}

static int add_rule_line(profile_state *st, char **tokens, size_t ntokens) {
    size_t i = 0;
    uint32_t action;
    if (parse_action(st, tokens, ntokens, &i, &action) < 0) return -1;
    struct scmp_arg_cmp args[6];
    unsigned nargs = 0;
    bool include = true;
    for (; i < ntokens && strcmp(tokens[i], ":") != 0; i++) {
        char *t = tokens[i];
        bool all, any;
        if (strncmp(t, "caps=", 5) == 0) {
            caps_match(st, t + 5, &all, &any);
            include &= all;
        } else if (strncmp(t, "excaps=", 7) == 0) {
            caps_match(st, t + 7, &all, &any);
            include &= !any;
        } else if (strncmp(t, "arches=", 7) == 0) {
            include &= native_in(t + 7);
        } else if (strncmp(t, "exarches=", 9) == 0) {
            include &= !native_in(t + 9);
        } else if (strncmp(t, "minkernel=", 10) == 0) {
            int major = 0, minor = 0;
            sscanf(t + 10, "%d.%d", &major, &minor);
            include &= (st->kernel_major > major || (st->kernel_major == major && st->kernel_minor >= minor));
        } else if (strncmp(t, "arg=", 4) == 0) {
            if (nargs >= 6) return fail(st, "seccomp profile", "more than 6 arguments", EINVAL);
            if (parse_arg(st, t + 4, &args[nargs]) < 0) return -1;
            nargs++;
        } else {
            return fail(st, "seccomp profile condition", t, EINVAL);
        }
    }
    if (i >= ntokens) return fail(st, "seccomp profile", "missing ':' before syscall names", EINVAL);
    // The default action already covers these, and libseccomp refuses such rules.
    if (!include || action == st->default_action) return 0;
    for (i++; i < ntokens; i++) {
        int nr = seccomp_syscall_resolve_name(tokens[i]);
        if (nr == __NR_SCMP_ERROR) continue;  // unknown to this libseccomp: skipped, as Moby does
        int rc = seccomp_rule_add_array(st->ctx, action, nr, nargs, nargs ? args : NULL);
        if (rc < 0) return fail(st, "seccomp add rule", tokens[i], -rc);
        if (nr > st->max_native_nr) st->max_native_nr = nr;
    }
    return 0;
}

/// Splits a line into whitespace-separated tokens (in place); '#' starts a comment.
static size_t tokenize(char *line, char ***tokens, size_t *cap) {
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
        if (n == *cap) {
            *cap = *cap ? *cap * 2 : 64;
            *tokens = realloc(*tokens, *cap * sizeof **tokens);
        }
        (*tokens)[n++] = t;
    }
    return n;
}

/// runc's trick: syscalls newer than anything the profile knows get ENOSYS instead of EPERM,
/// so a newer libc in the image falls back to an older call instead of failing.
static int prepend_enosys(struct sock_filter **prog, size_t *len, int max_nr) {
    if (seccomp_arch_native() != SCMP_ARCH_X86_64 || max_nr <= 0) return 0;
    struct sock_filter prefix[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4),                            // arch
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 4),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),                            // nr
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 2, 0),            // x32: leave it
        BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max_nr, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
    };
    size_t n = sizeof prefix / sizeof prefix[0];
    struct sock_filter *out = malloc((*len + n) * sizeof *out);
    if (!out) return -1;
    memcpy(out, prefix, sizeof prefix);
    memcpy(out + n, *prog, *len * sizeof *out);
    free(*prog);
    *prog = out;
    *len += n;
    return 0;
}

static int export_bpf(profile_state *st, void **bpf, size_t *len) {
    int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
    if (fd < 0) return fail(st, "memfd_create", "seccomp export", errno);
    int rc = seccomp_export_bpf(st->ctx, fd);
    if (rc < 0) {
        close(fd);
        return fail(st, "seccomp_export_bpf", "filter", -rc);
    }
    off_t size = lseek(fd, 0, SEEK_END);
    struct sock_filter *prog = malloc(size > 0 ? (size_t)size : 1);
    if (!prog || size <= 0 || pread(fd, prog, (size_t)size, 0) != size) {
        int e = errno ? errno : EIO;
        free(prog);
        close(fd);
        return fail(st, "read", "exported seccomp filter", e);
    }
    close(fd);
    size_t count = (size_t)size / sizeof(struct sock_filter);
    if (st->default_action != SCMP_ACT_ALLOW && prepend_enosys(&prog, &count, st->max_native_nr) < 0) {
        free(prog);
        return fail(st, "malloc", "seccomp filter", ENOMEM);
    }
    if (count > BPF_MAXINSNS) {
        free(prog);
        return fail(st, "seccomp", "filter longer than BPF_MAXINSNS", E2BIG);
    }
    *bpf = prog;
    *len = count;
    return 0;
}

int cspawn_seccomp_compile(const char *profile, uint64_t caps, void **bpf, size_t *len, cspawn_error *err) {
    memset(err, 0, sizeof *err);
    *bpf = NULL;
    *len = 0;
    if (!profile) profile = cspawn_seccomp_default_profile();
    profile_state st = {.caps = caps, .max_native_nr = -1, .err = err, .default_action = SCMP_ACT_ALLOW};
    struct utsname uts;
    if (uname(&uts) == 0) sscanf(uts.release, "%d.%d", &st.kernel_major, &st.kernel_minor);

    char *text = strdup(profile);
    char **tokens = NULL;
    size_t cap = 0;
    int rc = -1;
    // Pass 1: the default action and the architectures, needed before any rule.
    char *copy = strdup(profile), *save = NULL;
    uint32_t arches[16];
    size_t narches = 0;
    bool have_default = false;
    st.line_no = 0;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        st.line_no++;
        size_t n = tokenize(line, &tokens, &cap);
        if (n == 0) continue;
        if (strcmp(tokens[0], "default") == 0 && n >= 2) {
            size_t i = 1;
            if (parse_action(&st, tokens, n, &i, &st.default_action) < 0) goto out;
            have_default = true;
        } else if (strcmp(tokens[0], "arch") == 0) {
            for (size_t i = 1; i < n && narches < 16; i++) {
                uint32_t a = arch_token(tokens[i]);
                if (a == 0) {
                    fail(&st, "seccomp profile architecture", tokens[i], EINVAL);
                    goto out;
                }
                arches[narches++] = a;
            }
        }
    }
    if (!have_default) {
        fail(&st, "seccomp profile", "no default action", EINVAL);
        goto out;
    }
    st.ctx = seccomp_init(st.default_action);
    if (!st.ctx) {
        fail(&st, "seccomp_init", "filter", ENOMEM);
        goto out;
    }
    seccomp_attr_set(st.ctx, SCMP_FLTATR_CTL_NNP, 0);  // the child decides about no_new_privs
    for (size_t i = 0; i < narches; i++) {
        int r = seccomp_arch_add(st.ctx, arches[i]);
        if (r < 0 && r != -EEXIST) {
            fail(&st, "seccomp_arch_add", "architecture", -r);
            goto out;
        }
    }
    // Pass 2: the rules.
    st.line_no = 0;
    save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        st.line_no++;
        size_t n = tokenize(line, &tokens, &cap);
        if (n == 0 || strcmp(tokens[0], "default") == 0 || strcmp(tokens[0], "arch") == 0) continue;
        if (add_rule_line(&st, tokens, n) < 0) goto out;
    }
    rc = export_bpf(&st, bpf, len);
out:
    if (st.ctx) seccomp_release(st.ctx);
    free(tokens);
    free(copy);
    free(text);
    return rc;
}
