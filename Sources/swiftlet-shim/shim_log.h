// The CRI log format the kubelet reads (`kubectl logs`, `--timestamps`):
//   <RFC 3339 nano timestamp> <stdout|stderr> <F|P> <content>\n
// F ends a line; P is a piece of a line longer than 16 KiB (containerd's limit), continued by
// the next entry of the same stream. A final line without newline is written as F at EOF.
#ifndef SHIM_LOG_H
#define SHIM_LOG_H

#include <stddef.h>

#define SHIM_LOG_MAX_LINE (16 * 1024)

typedef struct shim_log_stream {
    const char *name;    // "stdout" / "stderr"
    char buf[SHIM_LOG_MAX_LINE];
    size_t len;
} shim_log_stream;

typedef struct shim_log {
    char *path;
    int fd;
    shim_log_stream streams[2];
} shim_log;

int shim_log_open(shim_log *log, const char *path);
/// Closes and opens the path again (after the kubelet rotated the file).
int shim_log_reopen(shim_log *log);
/// Feeds output bytes of stream 0 (stdout) or 1 (stderr).
void shim_log_write(shim_log *log, int stream, const char *data, size_t len);
/// Writes what is pending of a stream as a final line (EOF).
void shim_log_flush(shim_log *log, int stream);
void shim_log_close(shim_log *log);

#endif
