// The shim's two commands.
#ifndef SHIM_H
#define SHIM_H

/// `swiftlet-shim start <bundle>`: prints "started <pid>" or "error <message>".
int shim_start(const char *bundle);
/// `swiftlet-shim exec …`: runs a process in the container, exits with its exit code.
int shim_exec(int argc, char **argv);

#endif
