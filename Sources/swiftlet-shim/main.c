// swiftlet-shim: the per-container monitor (in the spirit of conmon).
//
//   swiftlet-shim start <bundle-dir>
//       Reads <bundle>/spawn.conf, detaches, starts the container and stays its parent. Prints
//       one line, "started <pid>" or "error <message>", and returns (exit status 0 or 1).
//   swiftlet-shim exec --bundle <dir> [--pid <pid>] [--tty] [--cwd <dir>] [--env K=V]...
//                      [--user <uid>[:<gid>]] -- <argv>...
//       Runs argv inside the running container of the bundle with the container's security
//       settings and this process's stdio; exits with its exit code (128+signal when killed;
//       126/127 when it could not be started, with the reason on stderr).
#include "shim.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static int usage(void) {
    fprintf(stderr,
            "usage: swiftlet-shim start <bundle-dir>\n"
            "       swiftlet-shim exec --bundle <dir> [--pid <pid>] [--tty] [--cwd <dir>] [--env K=V]... "
            "[--user uid[:gid]] -- argv...\n");
    return 2;
}

/// Whatever the caller ignored or blocked (an agent may ignore SIGCHLD or SIGPIPE) must not
/// reach the monitor: an ignored SIGCHLD would reap the container behind our back.
static void reset_signals(void) {
    struct sigaction sa = {.sa_handler = SIG_DFL};
    sigemptyset(&sa.sa_mask);
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &sa, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

int main(int argc, char **argv) {
    reset_signals();
    if (argc >= 3 && strcmp(argv[1], "start") == 0) return shim_start(argv[2]);
    if (argc >= 2 && strcmp(argv[1], "exec") == 0) return shim_exec(argc - 2, argv + 2);
    return usage();
}
