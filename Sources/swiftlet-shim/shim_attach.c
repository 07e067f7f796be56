#define _GNU_SOURCE
#include "shim_attach.h"
#include "shim_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int shim_attach_listen(shim_attach *a, const char *bundle, attach_handler handler, char *err, size_t errlen) {
    memset(a, 0, sizeof *a);
    a->listen_fd = -1;
    a->handler = handler;
    a->accept_input = true;
    snprintf(a->path, sizeof a->path, "%s/attach.sock", bundle);
    int dirfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        snprintf(err, errlen, "open %s: %s", bundle, strerror(errno));
        return -1;
    }
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/attach.sock", dirfd);
    unlinkat(dirfd, "attach.sock", 0);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 16) < 0) {
        snprintf(err, errlen, "listen %s: %s", a->path, strerror(errno));
        if (fd >= 0) close(fd);
        close(dirfd);
        return -1;
    }
    close(dirfd);
    chmod(a->path, 0600);
    a->listen_fd = fd;
    return 0;
}

static void drop_client(shim_attach *a, size_t i) {
    attach_client *c = &a->clients[i];
    bool was_stdin = c->stdin_client;
    close(c->fd);
    free(c->in);
    free(c->out);
    a->clients[i] = a->clients[--a->nclients];
    if (was_stdin && a->handler.on_stdin_client_gone) a->handler.on_stdin_client_gone(a->handler.context);
}

static void append(unsigned char **buf, size_t *len, size_t *cap, const void *data, size_t n) {
    if (*len + n > *cap) {
        size_t want = *cap ? *cap : 4096;
        while (want < *len + n) want *= 2;
        *buf = realloc(*buf, want);
        *cap = want;
    }
    memcpy(*buf + *len, data, n);
    *len += n;
}

static void queue_frame(attach_client *c, int stream, const void *data, size_t len) {
    unsigned char head[5] = {(unsigned char)stream, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
                             (unsigned char)(len >> 8), (unsigned char)len};
    append(&c->out, &c->out_len, &c->out_cap, head, 5);
    if (len) append(&c->out, &c->out_len, &c->out_cap, data, len);
}

void shim_attach_broadcast(shim_attach *a, int stream, const void *data, size_t len) {
    for (size_t i = 0; i < a->nclients;) {
        attach_client *c = &a->clients[i];
        if (c->out_len + len > ATTACH_MAX_BACKLOG) {
            shim_logf("attach client too slow, disconnected");
            drop_client(a, i);
            continue;
        }
        queue_frame(c, stream, data, len);
        i++;
    }
}

/// Parses complete frames from the client's input buffer. Returns -1 on a protocol error.
static int process_input(shim_attach *a, attach_client *c) {
    size_t off = 0;
    while (c->in_len - off >= 5) {
        unsigned char *h = c->in + off;
        uint32_t len = ((uint32_t)h[1] << 24) | ((uint32_t)h[2] << 16) | ((uint32_t)h[3] << 8) | h[4];
        if (len > ATTACH_MAX_FRAME) return -1;
        if (c->in_len - off - 5 < len) break;
        unsigned char *payload = h + 5;
        switch (h[0]) {
        case ATTACH_STDIN:
            c->stdin_client = true;
            if (len && a->handler.on_stdin) a->handler.on_stdin(a->handler.context, payload, len);
            break;
        case ATTACH_RESIZE:
            if (len >= 4 && a->handler.on_resize)
                a->handler.on_resize(a->handler.context, (uint16_t)((payload[0] << 8) | payload[1]),
                                     (uint16_t)((payload[2] << 8) | payload[3]));
            break;
        case ATTACH_CLOSE:
            c->stdin_client = true;
            if (a->handler.on_close_stdin) a->handler.on_close_stdin(a->handler.context);
            break;
        default:
            return -1;
        }
        off += 5 + len;
    }
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
    return 0;
}

size_t shim_attach_pollfds(shim_attach *a, struct pollfd *pfds) {
    size_t n = 0;
    if (a->listen_fd >= 0) pfds[n++] = (struct pollfd){.fd = a->listen_fd, .events = POLLIN};
    for (size_t i = 0; i < a->nclients; i++) {
        short events = a->accept_input ? POLLIN : 0;
        if (a->clients[i].out_len) events |= POLLOUT;
        pfds[n++] = (struct pollfd){.fd = a->clients[i].fd, .events = events};
    }
    return n;
}

static bool flush_client(attach_client *c) {
    while (c->out_len) {
        ssize_t w = send(c->fd, c->out, c->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN;
        }
        memmove(c->out, c->out + w, c->out_len - (size_t)w);
        c->out_len -= (size_t)w;
    }
    return true;
}

void shim_attach_handle(shim_attach *a, const struct pollfd *pfds, size_t n) {
    size_t idx = 0;
    if (a->listen_fd >= 0 && n > 0) {
        if (pfds[0].revents & POLLIN) {
            int fd;
            while ((fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
                if (a->nclients == ATTACH_MAX_CLIENTS) {
                    close(fd);
                    continue;
                }
                a->clients[a->nclients++] = (attach_client){.fd = fd};
            }
        }
        idx = 1;
    }
    // Clients were appended after the pollfds were built; match by fd, walking backwards so
    // drop_client's swap-with-last never skips one we have not looked at.
    for (size_t k = n; k-- > idx;) {
        size_t i = a->nclients;
        for (size_t j = 0; j < a->nclients; j++)
            if (a->clients[j].fd == pfds[k].fd) i = j;
        if (i == a->nclients || pfds[k].revents == 0) continue;
        attach_client *c = &a->clients[i];
        bool gone = false;
        if (pfds[k].revents & POLLIN) {
            unsigned char buf[65536];
            ssize_t r = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
            if (r > 0) {
                append(&c->in, &c->in_len, &c->in_cap, buf, (size_t)r);
                if (process_input(a, c) < 0) gone = true;
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                gone = true;
            }
        } else if (pfds[k].revents & (POLLHUP | POLLERR)) {
            gone = true;
        }
        if (!gone && (pfds[k].revents & POLLOUT) && !flush_client(c)) gone = true;
        if (gone) drop_client(a, i);
    }
}

void shim_attach_finish(shim_attach *a, int exit_code) {
    char code[16];
    int len = snprintf(code, sizeof code, "%d", exit_code);
    for (size_t i = 0; i < a->nclients; i++) queue_frame(&a->clients[i], ATTACH_EXIT, code, (size_t)len);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    // Give clients up to 2 s to take what is queued; nobody waits on us beyond that.
    for (;;) {
        struct pollfd pfds[ATTACH_MAX_CLIENTS];
        size_t n = 0;
        for (size_t i = 0; i < a->nclients; i++)
            if (a->clients[i].out_len) pfds[n++] = (struct pollfd){.fd = a->clients[i].fd, .events = POLLOUT};
        if (n == 0) break;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (elapsed > 2000 || poll(pfds, n, (int)(2000 - elapsed)) <= 0) break;
        for (size_t i = 0; i < a->nclients; i++)
            if (!flush_client(&a->clients[i])) a->clients[i].out_len = 0;
    }
    while (a->nclients) {
        a->handler.on_stdin_client_gone = NULL;
        drop_client(a, a->nclients - 1);
    }
    if (a->listen_fd >= 0) close(a->listen_fd);
    a->listen_fd = -1;
    unlink(a->path);
}
