// The monitor process of `swiftlet-shim start` (after detaching).
#ifndef SHIM_MONITOR_H
#define SHIM_MONITOR_H

#include "shim_conf.h"

/// Starts the container, reports "started <pid>" or "error <message>" on report_fd, then stays
/// its parent until it exited and its output is drained; writes the bundle's pid, state and
/// exit files. Returns the shim's exit status.
int shim_monitor_main(const char *bundle, shim_conf *conf, int report_fd);

#endif
