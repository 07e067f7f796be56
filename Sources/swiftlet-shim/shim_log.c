#define _GNU_SOURCE
#include "shim_log.h"
#include "shim_util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static int open_path(const char *path) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    shim_mkdir_p(dirname(dir), 0755);
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

int shim_log_open(shim_log *log, const char *path) {
    memset(log, 0, sizeof *log);
    log->streams[0].name = "stdout";
    log->streams[1].name = "stderr";
    log->fd = -1;
    if (!path) return 0;  // no log requested: output only goes to attached clients
    log->path = strdup(path);
    log->fd = open_path(path);
    return log->fd < 0 ? -1 : 0;
}

int shim_log_reopen(shim_log *log) {
    if (!log->path) return 0;
    int fd = open_path(log->path);
    if (fd < 0) return -1;
    if (log->fd >= 0) close(log->fd);
    log->fd = fd;
    return 0;
}

static void emit(shim_log *log, shim_log_stream *s, const char *data, size_t len, char tag) {
    if (log->fd < 0) return;
    // A carriage return before the newline (tty output) is not part of the line.
    if (tag == 'F' && len > 0 && data[len - 1] == '\r') len--;
    char head[96];
    char now[48];
    shim_rfc3339_now(now, sizeof now);
    int hl = snprintf(head, sizeof head, "%s %s %c ", now, s->name, tag);
    struct iovec iov[3] = {
        {.iov_base = head, .iov_len = (size_t)hl},
        {.iov_base = (void *)data, .iov_len = len},
        {.iov_base = "\n", .iov_len = 1},
    };
    // One writev per entry keeps entries whole for a concurrent reader.
    if (writev(log->fd, iov, 3) < 0) shim_logf("write %s: %s", log->path, strerror(errno));
}

void shim_log_write(shim_log *log, int stream, const char *data, size_t len) {
    shim_log_stream *s = &log->streams[stream];
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t take = nl ? (size_t)(nl - data) : len;
        size_t room = SHIM_LOG_MAX_LINE - s->len;
        if (take >= room) {
            // The line outgrows the buffer: a partial entry, the rest continues later.
            memcpy(s->buf + s->len, data, room);
            emit(log, s, s->buf, SHIM_LOG_MAX_LINE, 'P');
            s->len = 0;
            data += room;
            len -= room;
            continue;
        }
        memcpy(s->buf + s->len, data, take);
        s->len += take;
        data += take;
        len -= take;
        if (nl) {
            emit(log, s, s->buf, s->len, 'F');
            s->len = 0;
            data++;
            len--;
        }
    }
}

void shim_log_flush(shim_log *log, int stream) {
    shim_log_stream *s = &log->streams[stream];
    if (s->len > 0) emit(log, s, s->buf, s->len, 'F');
    s->len = 0;
}

void shim_log_close(shim_log *log) {
    shim_log_flush(log, 0);
    shim_log_flush(log, 1);
    if (log->fd >= 0) close(log->fd);
    free(log->path);
    log->fd = -1;
    log->path = NULL;
}
