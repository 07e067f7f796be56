// Helpers for the Swift side: pty, window size, pid-safe signals, overlay mounts.
#define _GNU_SOURCE
#include "spawn_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

int cspawn_open_pty(int *master, int *slave, char *slave_path, size_t size) {
    *master = *slave = -1;
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) return -1;
    if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, slave_path, size) != 0) {
        int e = errno;
        close(m);
        errno = e;
        return -1;
    }
    int s = open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) {
        int e = errno;
        close(m);
        errno = e;
        return -1;
    }
    *master = m;
    *slave = s;
    return 0;
}

int cspawn_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int cspawn_set_winsize(int fd, unsigned short cols, unsigned short rows) {
    struct winsize ws = {.ws_row = rows, .ws_col = cols};
    return ioctl(fd, TIOCSWINSZ, &ws);
}

static long long start_time_of(pid_t pid) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    p++;
    for (int field = 3; field < 22 && p; field++) p = strchr(p + 1, ' ');
    return p ? strtoll(p + 1, NULL, 10) : -1;
}

int cspawn_signal_process(pid_t pid, long long start_time, int sig) {
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) {
        if (errno != ENOSYS) return -1;
        // Old kernel: check, then signal (a small window remains).
        if (start_time_of(pid) != start_time) {
            errno = ESRCH;
            return -1;
        }
        return kill(pid, sig);
    }
    int rc = -1;
    if (start_time_of(pid) != start_time) {
        errno = ESRCH;
    } else {
        rc = (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
    }
    int e = errno;
    close(pidfd);
    errno = e;
    return rc;
}

/// Overlay options escape ',', ':' and '\' in paths with a backslash.
static void append_escaped(char **buf, size_t *len, size_t *cap, const char *s) {
    for (; *s; s++) {
        if (*len + 3 >= *cap) {
            *cap *= 2;
            *buf = realloc(*buf, *cap);
        }
        if (*s == ',' || *s == ':' || *s == '\\') (*buf)[(*len)++] = '\\';
        (*buf)[(*len)++] = *s;
    }
    (*buf)[*len] = '\0';
}

static void append_raw(char **buf, size_t *len, size_t *cap, const char *s) {
    size_t n = strlen(s);
    while (*len + n + 1 >= *cap) {
        *cap *= 2;
        *buf = realloc(*buf, *cap);
    }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

static int mount_overlay_fsapi(const char *const *lowers, size_t nlowers, const char *upper, const char *work,
                               const char *target, cspawn_error *err) {
    int fsfd = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
    if (fsfd < 0) {
        cspawn_set_error(err, "fsopen overlay", target, errno);
        return -1;
    }
    int rc = -1;
    for (size_t i = 0; i < nlowers; i++) {
        if (syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "lowerdir+", lowers[i], 0) < 0) {
            cspawn_set_error(err, "fsconfig lowerdir+", lowers[i], errno);
            goto out;
        }
    }
    if (upper && syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0) {
        cspawn_set_error(err, "fsconfig upperdir", upper, errno);
        goto out;
    }
    if (work && syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "workdir", work, 0) < 0) {
        cspawn_set_error(err, "fsconfig workdir", work, errno);
        goto out;
    }
    if (syscall(SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
        cspawn_set_error(err, "fsconfig create overlay", target, errno);
        goto out;
    }
    int mfd = (int)syscall(SYS_fsmount, fsfd, FSMOUNT_CLOEXEC, 0);
    if (mfd < 0) {
        cspawn_set_error(err, "fsmount overlay", target, errno);
        goto out;
    }
    if (syscall(SYS_move_mount, mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
        cspawn_set_error(err, "move_mount overlay", target, errno);
    } else {
        rc = 0;
    }
    close(mfd);
out:
    close(fsfd);
    return rc;
}

int cspawn_mount_overlay(const char *const *lowers, size_t nlowers, const char *upper, const char *work,
                         const char *target, cspawn_error *err) {
    memset(err, 0, sizeof *err);
    if (nlowers == 0) {
        cspawn_set_error(err, "mount overlay", "no lower directory", EINVAL);
        return -1;
    }
    size_t cap = 1024, len = 0;
    char *opts = malloc(cap);
    opts[0] = '\0';
    append_raw(&opts, &len, &cap, "lowerdir=");
    for (size_t i = 0; i < nlowers; i++) {
        if (i) append_raw(&opts, &len, &cap, ":");
        append_escaped(&opts, &len, &cap, lowers[i]);
    }
    if (upper) {
        append_raw(&opts, &len, &cap, ",upperdir=");
        append_escaped(&opts, &len, &cap, upper);
    }
    if (work) {
        append_raw(&opts, &len, &cap, ",workdir=");
        append_escaped(&opts, &len, &cap, work);
    }
    int rc;
    long page = sysconf(_SC_PAGESIZE);
    if ((long)len < page - 1) {
        rc = mount("overlay", target, "overlay", 0, opts);
        if (rc < 0) cspawn_set_error(err, "mount overlay", target, errno);
    } else {
        rc = mount_overlay_fsapi(lowers, nlowers, upper, work, target, err);
    }
    free(opts);
    return rc;
}
