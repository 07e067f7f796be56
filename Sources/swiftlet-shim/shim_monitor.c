// The monitor: the container's parent for its whole life (see shim_start.c for the files it
// keeps in the bundle). One poll loop: signals (SIGCHLD reaps, others are forwarded), output
// to the CRI log and attach clients, stdin from attach clients, the attach socket.
#define _GNU_SOURCE
#include "shim_monitor.h"
#include "shim_attach.h"
#include "shim_cgroup.h"
#include "shim_conf.h"
#include "shim_log.h"
#include "shim_util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define STDIN_BUFFER_MAX (1024 * 1024)
#define DRAIN_SECONDS 5

typedef struct monitor {
    shim_conf *conf;
    const char *bundle;
    shim_cgroups cg;
    bool have_cg;
    shim_log log;
    shim_attach attach;
    int out_fd, err_fd;        // our read ends; with a tty, out_fd is the pty master
    int in_fd;                 // our write end of the container's stdin; the master with a tty
    bool tty;
    unsigned char *stdin_buf;
    size_t stdin_len, stdin_cap;
    bool stdin_closing, stdin_closed, stdin_once_done;
    pid_t pid;
    bool exited;
    int status;
    struct timespec exit_time;
} monitor;

static void report_line(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report_line(int fd, const char *fmt, ...) {
    if (fd < 0) return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n > sizeof line - 2) n = (int)sizeof line - 2;
    // The report is one line: newlines inside a message would break the caller's parsing.
    for (int i = 0; i < n; i++)
        if (line[i] == '\n') line[i] = ' ';
    line[n++] = '\n';
    ssize_t w;
    do {
        w = write(fd, line, (size_t)n);
    } while (w < 0 && errno == EINTR);
}

static void bundle_path(const monitor *m, const char *name, char *buf, size_t size) {
    snprintf(buf, size, "%s/%s", m->bundle, name);
}

// ---- stdin (from attach clients to the container) ----

static void really_close_stdin(monitor *m) {
    if (m->stdin_closed) return;
    m->stdin_closed = true;
    if (!m->tty && m->in_fd >= 0) {
        close(m->in_fd);
        m->in_fd = -1;
    }
}

static void on_stdin(void *context, const unsigned char *data, size_t len) {
    monitor *m = context;
    if (!m->conf->stdin_open || m->stdin_closing || m->stdin_closed || m->in_fd < 0) return;
    if (m->stdin_len + len > m->stdin_cap) {
        size_t want = m->stdin_cap ? m->stdin_cap : 4096;
        while (want < m->stdin_len + len) want *= 2;
        m->stdin_buf = realloc(m->stdin_buf, want);
        m->stdin_cap = want;
    }
    memcpy(m->stdin_buf + m->stdin_len, data, len);
    m->stdin_len += len;
    m->attach.accept_input = m->stdin_len < STDIN_BUFFER_MAX;
}

static void on_close_stdin(void *context) {
    monitor *m = context;
    if (!m->conf->stdin_open || m->stdin_closing || m->stdin_closed) return;
    if (m->tty) {
        // A pty has no half-close: send the terminal's end-of-file character instead.
        unsigned char eot = 4;
        on_stdin(m, &eot, 1);
    }
    m->stdin_closing = true;
    if (m->stdin_len == 0) really_close_stdin(m);
}

static void on_stdin_client_gone(void *context) {
    monitor *m = context;
    if (m->conf->stdin_once && !m->stdin_once_done) {
        m->stdin_once_done = true;
        on_close_stdin(m);
    }
}

static void on_resize(void *context, uint16_t cols, uint16_t rows) {
    monitor *m = context;
    if (!m->tty || m->out_fd < 0) return;
    struct winsize ws = {.ws_row = rows, .ws_col = cols};
    if (ioctl(m->out_fd, TIOCSWINSZ, &ws) < 0) shim_logf("resize pty: %s", strerror(errno));
}

static void flush_stdin(monitor *m) {
    while (m->stdin_len > 0 && m->in_fd >= 0) {
        ssize_t w = write(m->in_fd, m->stdin_buf, m->stdin_len);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) break;
            // The container closed its stdin (or exited): nothing more will be read.
            m->stdin_len = 0;
            if (!m->tty) really_close_stdin(m);
            break;
        }
        memmove(m->stdin_buf, m->stdin_buf + w, m->stdin_len - (size_t)w);
        m->stdin_len -= (size_t)w;
    }
    m->attach.accept_input = m->stdin_len < STDIN_BUFFER_MAX;
    if (m->stdin_closing && m->stdin_len == 0) really_close_stdin(m);
}

// ---- output ----

static void read_output(monitor *m, int *fd, int stream) {
    char buf[65536];
    ssize_t n = read(*fd, buf, sizeof buf);
    if (n > 0) {
        shim_log_write(&m->log, stream, buf, (size_t)n);
        shim_attach_broadcast(&m->attach, stream + 1, buf, (size_t)n);
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    // EOF, or EIO from a pty master once every slave is closed.
    shim_log_flush(&m->log, stream);
    if (*fd == m->in_fd) m->in_fd = -1;
    close(*fd);
    *fd = -1;
}

// ---- files ----

static void write_state(monitor *m) {
    char path[PATH_MAX + 16], text[512], now[48];
    shim_rfc3339_now(now, sizeof now);
    snprintf(text, sizeof text, "%d\n", (int)m->pid);
    bundle_path(m, "pid", path, sizeof path);
    if (shim_write_atomic(path, text) < 0) shim_logf("write %s: %s", path, strerror(errno));
    snprintf(text, sizeof text, "pid %d\npidStartTime %lld\nstartedAt %s\nshimPid %d\nshimStartTime %lld\n",
             (int)m->pid, shim_proc_start_time(m->pid), now, (int)getpid(), shim_proc_start_time(getpid()));
    bundle_path(m, "state", path, sizeof path);
    if (shim_write_atomic(path, text) < 0) shim_logf("write %s: %s", path, strerror(errno));
}

static void escape_into(const char *in, char *out, size_t size) {
    size_t o = 0;
    for (; *in && o + 3 < size; in++) {
        switch (*in) {
        case '\\': out[o++] = '\\'; out[o++] = '\\'; break;
        case '\n': out[o++] = '\\'; out[o++] = 'n'; break;
        case ' ': out[o++] = '\\'; out[o++] = 's'; break;
        case '\t': out[o++] = '\\'; out[o++] = 't'; break;
        case '\r': out[o++] = '\\'; out[o++] = 'r'; break;
        default: out[o++] = *in;
        }
    }
    out[o] = '\0';
}

static void write_exit(monitor *m, int code, int sig, const struct timespec *when, bool oom, const char *reason,
                       const char *message) {
    char path[PATH_MAX + 16], finished[48], text[4096], escaped[2048] = "";
    shim_rfc3339(when, finished, sizeof finished);
    if (message) escape_into(message, escaped, sizeof escaped);
    snprintf(text, sizeof text, "exitCode %d\nsignal %d\nfinishedAt %s\noomKilled %s\nreason %s\n%s%s%s", code, sig,
             finished, oom ? "true" : "false", reason, message ? "message " : "", escaped, message ? "\n" : "");
    bundle_path(m, "exit", path, sizeof path);
    if (shim_write_atomic(path, text) < 0) shim_logf("write %s: %s", path, strerror(errno));
}

// ---- setup ----

static int open_pty(int *master, int *slave, char *slave_path, size_t size, char *err, size_t errlen) {
    *master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*master < 0 || grantpt(*master) < 0 || unlockpt(*master) < 0 || ptsname_r(*master, slave_path, size) != 0) {
        snprintf(err, errlen, "open pty: %s", strerror(errno));
        return -1;
    }
    *slave = open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*slave < 0) {
        snprintf(err, errlen, "open %s: %s", slave_path, strerror(errno));
        return -1;
    }
    fcntl(*master, F_SETFL, O_NONBLOCK);
    return 0;
}

static int make_pipe(int fds[2], char *err, size_t errlen) {
    if (pipe2(fds, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/// Lowering oom_score_adj below our own needs CAP_SYS_RESOURCE, which some hosts' root lacks:
/// then the container keeps our value (noted in shim.log) instead of failing to start.
static void clamp_oom_score_adj(cspawn_config *s) {
    if (!s->set_oom_score_adj) return;
    char *own = shim_read_file("/proc/self/oom_score_adj", NULL);
    char *status = shim_read_file("/proc/self/status", NULL);
    long current = own ? strtol(own, NULL, 10) : 0;
    unsigned long long eff = 0;
    char *line = status ? strstr(status, "\nCapEff:") : NULL;
    if (line) eff = strtoull(line + 8, NULL, 16);
    bool can_lower = (eff >> 24) & 1;  // CAP_SYS_RESOURCE
    if (s->oom_score_adj < current && !can_lower) {
        shim_logf("oom_score_adj %d needs CAP_SYS_RESOURCE; the container keeps %ld", s->oom_score_adj, current);
        s->oom_score_adj = (int)current;
    }
    free(own);
    free(status);
}

/// Creates cgroups, IO, the attach socket; starts the container. Returns -1 with err on failure.
static int start_container(monitor *m, char *err, size_t errlen) {
    shim_conf *c = m->conf;
    clamp_oom_score_adj(&c->spawn);
    if (c->cgroup_path) {
        if (shim_cgroups_create(c, &m->cg, err, errlen) < 0) return -1;
        m->have_cg = true;
        if (m->cg.v2) c->spawn.cgroup2_dir = m->cg.dirs[0];
        else {
            c->spawn.cgroup_procs = (const char *const *)m->cg.procs;
            c->spawn.ncgroup_procs = m->cg.ndirs;
        }
    }
    if (shim_log_open(&m->log, c->log_path) < 0) {
        snprintf(err, errlen, "open log %s: %s", c->log_path, strerror(errno));
        return -1;
    }
    int child_fds[3] = {-1, -1, -1};
    char slave_path[256] = "";
    if (m->tty) {
        int master, slave;
        if (open_pty(&master, &slave, slave_path, sizeof slave_path, err, errlen) < 0) return -1;
        m->out_fd = m->in_fd = master;
        child_fds[0] = child_fds[1] = child_fds[2] = slave;
        c->spawn.tty = true;
        c->spawn.console_path = slave_path;
    } else {
        int out[2], errp[2];
        if (make_pipe(out, err, errlen) < 0 || make_pipe(errp, err, errlen) < 0) return -1;
        m->out_fd = out[0];
        m->err_fd = errp[0];
        child_fds[1] = out[1];
        child_fds[2] = errp[1];
        if (c->stdin_open) {
            int in[2];
            if (make_pipe(in, err, errlen) < 0) return -1;
            m->in_fd = in[1];
            child_fds[0] = in[0];
            fcntl(m->in_fd, F_SETFL, O_NONBLOCK);
        }
        fcntl(m->out_fd, F_SETFL, O_NONBLOCK);
        fcntl(m->err_fd, F_SETFL, O_NONBLOCK);
    }
    c->spawn.stdin_fd = child_fds[0];
    c->spawn.stdout_fd = child_fds[1];
    c->spawn.stderr_fd = child_fds[2];
    attach_handler handler = {.context = m, .on_stdin = on_stdin, .on_resize = on_resize,
                              .on_close_stdin = on_close_stdin, .on_stdin_client_gone = on_stdin_client_gone};
    if (shim_attach_listen(&m->attach, m->bundle, handler, err, errlen) < 0) return -1;

    cspawn_error spawn_err;
    cspawn_prepared *prepared = cspawn_prepare(&c->spawn, &spawn_err);
    int rc = -1;
    if (!prepared) {
        snprintf(err, errlen, "%s", spawn_err.message);
    } else if (cspawn_start(prepared, &m->pid, &spawn_err) < 0) {
        snprintf(err, errlen, "%s", spawn_err.message);
    } else {
        rc = 0;
    }
    cspawn_prepared_free(prepared);
    // The container holds its ends now; ours would keep EOF from ever arriving.
    for (int i = 0; i < 3; i++) {
        bool dup_of_earlier = (i > 0 && child_fds[i] == child_fds[0]) || (i > 1 && child_fds[i] == child_fds[1]);
        if (child_fds[i] >= 0 && !dup_of_earlier) close(child_fds[i]);
    }
    return rc;
}

static int exit_code_of(int status, int *sig) {
    *sig = 0;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) {
        *sig = WTERMSIG(status);
        return 128 + *sig;
    }
    return 255;
}

static void reap(monitor *m) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == m->pid && !m->exited) {
            m->exited = true;
            m->status = status;
            clock_gettime(CLOCK_REALTIME, &m->exit_time);
        }
    }
}

static long elapsed_ms(const struct timespec *since) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

static void run_loop(monitor *m, int sigfd) {
    for (;;) {
        if (m->exited && m->out_fd < 0 && m->err_fd < 0) break;
        long drain_left = m->exited ? DRAIN_SECONDS * 1000 - elapsed_ms(&m->exit_time) : -1;
        if (m->exited && drain_left <= 0) break;
        struct pollfd pfds[8 + ATTACH_MAX_CLIENTS];
        size_t n = 0;
        pfds[n++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
        size_t out_i = SIZE_MAX, err_i = SIZE_MAX, in_i = SIZE_MAX;
        if (m->out_fd >= 0) {
            out_i = n;
            short ev = POLLIN;
            if (m->tty && m->stdin_len && m->in_fd == m->out_fd) ev |= POLLOUT;
            pfds[n++] = (struct pollfd){.fd = m->out_fd, .events = ev};
        }
        if (m->err_fd >= 0) {
            err_i = n;
            pfds[n++] = (struct pollfd){.fd = m->err_fd, .events = POLLIN};
        }
        if (!m->tty && m->in_fd >= 0 && m->stdin_len) {
            in_i = n;
            pfds[n++] = (struct pollfd){.fd = m->in_fd, .events = POLLOUT};
        }
        size_t attach_i = n;
        n += shim_attach_pollfds(&m->attach, pfds + n);
        int timeout = m->exited ? (int)drain_left : -1;
        int ready = poll(pfds, n, timeout);
        if (ready < 0) {
            if (errno == EINTR) continue;
            shim_logf("poll: %s", strerror(errno));
            break;
        }
        if (pfds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sigfd, &si, sizeof si) == sizeof si) {
                int sig = (int)si.ssi_signo;
                if (sig == SIGCHLD) {
                    reap(m);
                } else if (sig == SIGUSR1) {
                    if (shim_log_reopen(&m->log) < 0) shim_logf("reopen log: %s", strerror(errno));
                } else if (!m->exited) {
                    kill(m->pid, sig);  // SIGTERM/SIGINT/SIGHUP/SIGQUIT to the shim go to the container
                }
            }
        }
        if (out_i != SIZE_MAX && (pfds[out_i].revents & POLLOUT)) flush_stdin(m);
        if (in_i != SIZE_MAX && pfds[in_i].revents) flush_stdin(m);
        if (out_i != SIZE_MAX && (pfds[out_i].revents & (POLLIN | POLLHUP | POLLERR))) read_output(m, &m->out_fd, 0);
        if (err_i != SIZE_MAX && (pfds[err_i].revents & (POLLIN | POLLHUP | POLLERR))) read_output(m, &m->err_fd, 1);
        shim_attach_handle(&m->attach, pfds + attach_i, n - attach_i);
        if (m->stdin_len) flush_stdin(m);
    }
}

/// The monitor process. Reports on report_fd, then lives until the container is gone.
int shim_monitor_main(const char *bundle, shim_conf *conf, int report_fd) {
    monitor m = {.conf = conf, .bundle = bundle, .out_fd = -1, .err_fd = -1, .in_fd = -1, .tty = conf->tty};
    m.attach.listen_fd = -1;
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    signal(SIGPIPE, SIG_IGN);
    sigset_t mask;
    sigemptyset(&mask);
    int forwarded[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaddset(&mask, forwarded[i]);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

    char err[2048] = "";
    if (sigfd < 0) snprintf(err, sizeof err, "signalfd: %s", strerror(errno));
    if (sigfd < 0 || start_container(&m, err, sizeof err) < 0) {
        shim_logf("start failed: %s", err);
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        write_exit(&m, 128, 0, &now, false, "StartError", err);
        report_line(report_fd, "error %s", err);
        if (m.attach.listen_fd >= 0) shim_attach_finish(&m.attach, 128);
        shim_log_close(&m.log);
        if (m.have_cg) {
            reap(&m);
            shim_cgroups_remove(&m.cg);
        }
        return 1;
    }
    write_state(&m);
    shim_logf("container started, pid %d", (int)m.pid);
    report_line(report_fd, "started %d", (int)m.pid);
    close(report_fd);

    run_loop(&m, sigfd);
    if (!m.exited) {
        // Only a broken poll gets here: keep the exit code anyway.
        int status;
        if (waitpid(m.pid, &status, 0) == m.pid) m.status = status;
        clock_gettime(CLOCK_REALTIME, &m.exit_time);
    }
    shim_log_close(&m.log);
    int sig;
    int code = exit_code_of(m.status, &sig);
    bool oom = m.have_cg && shim_cgroups_oom_killed(&m.cg);
    const char *reason = oom ? "OOMKilled" : code == 0 ? "Completed" : "Error";
    write_exit(&m, code, sig, &m.exit_time, oom, reason, NULL);
    shim_logf("container exited, code %d", code);
    shim_attach_finish(&m.attach, code);
    if (m.have_cg) {
        reap(&m);
        shim_cgroups_remove(&m.cg);
        shim_cgroups_free(&m.cg);
    }
    return 0;
}
