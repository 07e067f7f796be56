// Small helpers of the shim: files, time stamps, /proc.
#ifndef SHIM_UTIL_H
#define SHIM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/// Whole file, NUL-terminated (malloc'ed); NULL with errno on failure.
char *shim_read_file(const char *path, size_t *size);
/// Writes path.tmp then renames it over path, so readers see all or nothing.
int shim_write_atomic(const char *path, const char *content);
/// Writes a short string to an existing file (cgroup knobs). -1 with errno.
int shim_write_string(const char *path, const char *text);
/// mkdir -p. -1 with errno.
int shim_mkdir_p(const char *path, mode_t mode);
/// RFC 3339 UTC with nanoseconds: 2026-11-27T08:00:00.123456789Z (buf >= 40 bytes).
void shim_rfc3339(const struct timespec *ts, char *buf, size_t size);
void shim_rfc3339_now(char *buf, size_t size);
/// Start time of a process in clock ticks since boot (/proc/<pid>/stat field 22); -1 if gone.
long long shim_proc_start_time(pid_t pid);
/// A diagnostic line on stderr (the shim's own log file, <bundle>/shim.log).
void shim_logf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
