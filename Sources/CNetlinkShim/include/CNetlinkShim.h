#ifndef CNETLINKSHIM_H
#define CNETLINKSHIM_H

/* Namespace syscalls Swift's Glibc module does not expose (they need _GNU_SOURCE or <sys/vfs.h>).
 * Each returns 0 or -1 with errno set, like the call it wraps. */

/* unshare(CLONE_NEWNET): moves the calling thread into a new network namespace. */
int pn_unshare_netns(void);

/* setns(fd, CLONE_NEWNET): moves the calling thread into the network namespace `fd` refers to. */
int pn_setns_net(int fd);

/* 1 when `path` is on nsfs (a namespace bind mount), 0 when it is not, -1 with errno when statfs fails. */
int pn_is_nsfs(const char *path);

#endif
