// <bundle>/attach.sock: a unix stream socket for `kubectl attach` (and `run -i`).
//
// Framing, both directions: 1 byte stream id, 4 bytes big-endian payload length (at most
// 1 MiB), the payload. Stream ids follow Kubernetes' remotecommand channels:
//   client → shim   0 stdin bytes (an empty stdin frame marks the client as a stdin client:
//                     with stdinOnce, the container's stdin closes when the first stdin client
//                     goes away)
//                   4 resize: columns then rows, each a big-endian uint16 (tty only)
//                   255 close stdin (EOF for the container)
//   shim → client   1 stdout bytes, 2 stderr bytes (tty output is all stdout)
//                   3 exit: the exit code as ASCII decimal, sent once before the shim closes
// Output is sent to every connected client from the moment it connects (no replay: the log
// file has the history). A client that falls 4 MiB behind is disconnected.
#ifndef SHIM_ATTACH_H
#define SHIM_ATTACH_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { ATTACH_STDIN = 0, ATTACH_STDOUT = 1, ATTACH_STDERR = 2, ATTACH_EXIT = 3, ATTACH_RESIZE = 4, ATTACH_CLOSE = 255 };
#define ATTACH_MAX_FRAME (1024 * 1024)
#define ATTACH_MAX_BACKLOG (4 * 1024 * 1024)
#define ATTACH_MAX_CLIENTS 32

typedef struct attach_client {
    int fd;
    bool stdin_client;
    unsigned char *in;
    size_t in_len, in_cap;
    unsigned char *out;
    size_t out_len, out_cap;
} attach_client;

typedef struct attach_handler {
    void *context;
    void (*on_stdin)(void *context, const unsigned char *data, size_t len);
    void (*on_resize)(void *context, uint16_t cols, uint16_t rows);
    void (*on_close_stdin)(void *context);
    void (*on_stdin_client_gone)(void *context);
} attach_handler;

typedef struct shim_attach {
    int listen_fd;
    char path[4200];
    attach_client clients[ATTACH_MAX_CLIENTS];
    size_t nclients;
    attach_handler handler;
    bool accept_input;   // false while the container's stdin buffer is full
} shim_attach;

/// Binds <bundle>/attach.sock (through /proc/self/fd/<dirfd> so long bundle paths work).
int shim_attach_listen(shim_attach *a, const char *bundle, attach_handler handler, char *err, size_t errlen);
/// pollfds for the listener and clients; returns how many were filled.
size_t shim_attach_pollfds(shim_attach *a, struct pollfd *pfds);
/// Handles the revents of the pollfds filled by the last shim_attach_pollfds call.
void shim_attach_handle(shim_attach *a, const struct pollfd *pfds, size_t n);
/// Queues a frame to every client.
void shim_attach_broadcast(shim_attach *a, int stream, const void *data, size_t len);
/// Sends the exit frame, flushes (bounded wait) and closes everything; unlinks the socket.
void shim_attach_finish(shim_attach *a, int exit_code);

#endif
