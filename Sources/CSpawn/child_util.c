// Helpers for the child between clone and execve. The parent may have been multithreaded when it
// cloned, so locks inside libc (malloc, stdio) may be held by threads that do not exist in the
// child: only raw syscalls and these hand-written string helpers are used here.
#define _GNU_SOURCE
#include "spawn_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

size_t cs_strlen(const char *s) {
    size_t n = 0;
    while (s && s[n]) n++;
    return n;
}

void cs_strlcpy(char *dst, const char *src, size_t size) {
    if (size == 0) return;
    size_t i = 0;
    if (src) {
        for (; src[i] && i + 1 < size; i++) dst[i] = src[i];
    }
    dst[i] = '\0';
}

void cs_strlcat(char *dst, const char *src, size_t size) {
    size_t used = cs_strlen(dst);
    if (used >= size) return;
    cs_strlcpy(dst + used, src, size - used);
}

void cs_utoa(unsigned long value, char *buf, size_t size) {
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value && n < sizeof tmp);
    size_t i = 0;
    while (n > 0 && i + 1 < size) buf[i++] = tmp[--n];
    buf[i] = '\0';
}

bool cs_streq(const char *a, const char *b) {
    if (!a || !b) return a == b;
    while (*a && *a == *b) { a++; b++; }
    return *a == *b;
}

static void write_all(int fd, const void *data, size_t len) {
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

void child_fail(const child_ctx *ctx, const char *step, const char *object, int err) {
    child_report report;
    // Zero by hand: memset may be an ifunc-resolved libc call, fine, but keep it obvious.
    char *raw = (char *)&report;
    for (size_t i = 0; i < sizeof report; i++) raw[i] = 0;
    report.kind = REPORT_ERROR;
    report.err = err;
    report.pid = -1;
    cs_strlcpy(report.step, step, sizeof report.step);
    cs_strlcpy(report.object, object, sizeof report.object);
    write_all(ctx->report_fd, &report, sizeof report);
    _exit(127);
}

void child_report_pid(const child_ctx *ctx, pid_t pid) {
    child_report report;
    char *raw = (char *)&report;
    for (size_t i = 0; i < sizeof report; i++) raw[i] = 0;
    report.kind = REPORT_PID;
    report.pid = pid;
    write_all(ctx->report_fd, &report, sizeof report);
}

void cs_fd_path(int fd, char *buf, size_t size) {
    char num[24];
    cs_utoa((unsigned long)fd, num, sizeof num);
    cs_strlcpy(buf, "/proc/self/fd/", size);
    cs_strlcat(buf, num, size);
}

int cs_write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t len = cs_strlen(text);
    ssize_t n;
    do {
        n = write(fd, text, len);
    } while (n < 0 && errno == EINTR);
    int saved = errno;
    close(fd);
    if (n < 0) {
        errno = saved;
        return -1;
    }
    return 0;
}
