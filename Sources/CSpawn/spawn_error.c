// Error records: filled in the parent, from its own failures or from the child's reports.
#define _GNU_SOURCE
#include "spawn_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void format_message(cspawn_error *err) {
    if (strcmp(err->step, "lookup") == 0) {
        // The wording runc uses, which people search for.
        snprintf(err->message, sizeof err->message, "exec: \"%s\": executable file not found in $PATH", err->object);
    } else if (err->err) {
        snprintf(err->message, sizeof err->message, "%s %s: %s", err->step, err->object, strerror(err->err));
    } else {
        snprintf(err->message, sizeof err->message, "%s %s", err->step, err->object);
    }
}

void cspawn_set_error(cspawn_error *err, const char *step, const char *object, int errnum) {
    err->err = errnum;
    snprintf(err->step, sizeof err->step, "%s", step);
    snprintf(err->object, sizeof err->object, "%s", object ? object : "");
    format_message(err);
}

void cspawn_error_from_report(cspawn_error *err, const child_report *report) {
    char step[sizeof report->step + 1], object[sizeof report->object + 1];
    memcpy(step, report->step, sizeof report->step);
    step[sizeof report->step] = '\0';
    memcpy(object, report->object, sizeof report->object);
    object[sizeof report->object] = '\0';
    cspawn_set_error(err, step, object, report->err);
}

int cspawn_read_reports(int fd, cspawn_error *err, pid_t *reported_pid) {
    *reported_pid = -1;
    int failed = 0;
    child_report report;
    size_t have = 0;
    for (;;) {
        ssize_t n = read(fd, (char *)&report + have, sizeof report - have);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (!failed) cspawn_set_error(err, "read", "report pipe", errno);
            return 1;
        }
        if (n == 0) break;
        have += (size_t)n;
        if (have < sizeof report) continue;
        have = 0;
        if (report.kind == REPORT_PID) {
            *reported_pid = report.pid;
        } else if (report.kind == REPORT_ERROR && !failed) {
            cspawn_error_from_report(err, &report);
            failed = 1;
        }
    }
    return failed;
}
