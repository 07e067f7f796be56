// The child's filesystem steps: propagation, the rootfs bind, /proc, /dev and its nodes,
// /dev/pts, /dev/shm, /dev/mqueue, /sys, volumes, pivot_root (crun's dance), masked and
// read-only paths, the read-only root. Async-signal-safe only (see child_util.c).
//
// Mount points inside the rootfs are opened with openat2(RESOLVE_IN_ROOT) and mounted through
// /proc/self/fd/N, so a symlink in the image (say /etc/resolv.conf -> /host/file) resolves
// inside the rootfs and never onto the host.
#define _GNU_SOURCE
#include "spawn_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef MS_STRICTATIME
#define MS_STRICTATIME (1 << 24)
#endif

static unsigned long propagation_flag(int propagation) {
    switch (propagation) {
    case CSPAWN_PROPAGATION_SHARED: return MS_SHARED;
    case CSPAWN_PROPAGATION_SLAVE: return MS_SLAVE;
    default: return MS_PRIVATE;
    }
}

/// The host path of a container path, for error messages: "<rootfs><path>".
static void display_path(const cspawn_prepared *p, const char *path, char *buf, size_t size) {
    cs_strlcpy(buf, p->rootfs, size);
    if (path[0] != '/') cs_strlcat(buf, "/", size);
    cs_strlcat(buf, path, size);
}

/// Opens `path` (container-absolute) beneath rootfd, resolving symlinks as if rootfd were "/".
static int open_in_root(int rootfd, const char *path, int flags, mode_t mode) {
    const char *rel = path;
    while (*rel == '/') rel++;
    if (*rel == '\0') rel = ".";
    struct open_how how;
    char *raw = (char *)&how;
    for (size_t i = 0; i < sizeof how; i++) raw[i] = 0;
    how.flags = (unsigned long long)(flags | O_CLOEXEC);
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
    if (fd < 0 && errno == ENOSYS) fd = openat(rootfd, rel, flags | O_CLOEXEC, mode);
    return (int)fd;
}

/// Splits "/a/b/c" into parent "/a/b" and name "c" (buffers of PATH_MAX).
static void split_path(const char *path, char *parent, char *name) {
    cs_strlcpy(parent, path, PATH_MAX);
    size_t len = cs_strlen(parent);
    while (len > 1 && parent[len - 1] == '/') parent[--len] = '\0';
    size_t slash = len;
    while (slash > 0 && parent[slash - 1] != '/') slash--;
    cs_strlcpy(name, parent + slash, PATH_MAX);
    if (slash <= 1) {
        cs_strlcpy(parent, "/", PATH_MAX);
    } else {
        parent[slash - 1] = '\0';
    }
}

/// mkdir -p inside the root; every prefix is resolved inside the root.
static void mkdir_in_root(const child_ctx *ctx, int rootfd, const char *path, mode_t mode) {
    char buf[PATH_MAX];
    char shown[PATH_MAX];
    cs_strlcpy(buf, path, sizeof buf);
    size_t len = cs_strlen(buf);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        if (buf[i - 1] == '/') continue;
        char saved = buf[i];
        buf[i] = '\0';
        int fd = open_in_root(rootfd, buf, O_PATH | O_DIRECTORY, 0);
        if (fd >= 0) {
            close(fd);
        } else if (errno == ENOENT) {
            char parent[PATH_MAX], name[PATH_MAX];
            split_path(buf, parent, name);
            int pfd = open_in_root(rootfd, parent, O_PATH | O_DIRECTORY, 0);
            if (pfd < 0) {
                display_path(ctx->p, parent, shown, sizeof shown);
                child_fail(ctx, "open", shown, errno);
            }
            if (mkdirat(pfd, name, mode) < 0 && errno != EEXIST) {
                int e = errno;
                display_path(ctx->p, buf, shown, sizeof shown);
                child_fail(ctx, "mkdir", shown, e);
            }
            close(pfd);
        } else {
            display_path(ctx->p, buf, shown, sizeof shown);
            child_fail(ctx, "open", shown, errno);
        }
        buf[i] = saved;
    }
}

/// A directory mount point: created when missing, returned as an O_PATH fd.
static int ensure_dir(const child_ctx *ctx, int rootfd, const char *path, mode_t mode) {
    mkdir_in_root(ctx, rootfd, path, mode);
    int fd = open_in_root(rootfd, path, O_PATH | O_DIRECTORY, 0);
    if (fd < 0) {
        char shown[PATH_MAX];
        display_path(ctx->p, path, shown, sizeof shown);
        child_fail(ctx, "open", shown, errno);
    }
    return fd;
}

/// A file mount point: parent directories and an empty file created when missing.
static int ensure_file(const child_ctx *ctx, int rootfd, const char *path) {
    char parent[PATH_MAX], name[PATH_MAX], shown[PATH_MAX];
    split_path(path, parent, name);
    mkdir_in_root(ctx, rootfd, parent, 0755);
    int fd = open_in_root(rootfd, path, O_PATH, 0);
    if (fd >= 0) return fd;
    if (errno != ENOENT) {
        display_path(ctx->p, path, shown, sizeof shown);
        child_fail(ctx, "open", shown, errno);
    }
    fd = open_in_root(rootfd, path, O_RDONLY | O_CREAT, 0644);
    if (fd < 0) {
        display_path(ctx->p, path, shown, sizeof shown);
        child_fail(ctx, "create mount point", shown, errno);
    }
    return fd;
}

static int mount_on_fd(int fd, const char *source, const char *fstype, unsigned long flags,
                       const char *data) {
    char target[64];
    cs_fd_path(fd, target, sizeof target);
    return mount(source, target, fstype, flags, data);
}

/// The per-mount flags a bind remount must keep (the kernel refuses to clear locked ones).
static unsigned long kept_flags(const char *path) {
    struct statfs st;
    if (statfs(path, &st) < 0) return 0;
    unsigned long flags = 0;
    if (st.f_flags & ST_NOSUID) flags |= MS_NOSUID;
    if (st.f_flags & ST_NODEV) flags |= MS_NODEV;
    if (st.f_flags & ST_NOEXEC) flags |= MS_NOEXEC;
    if (st.f_flags & ST_NOATIME) flags |= MS_NOATIME;
    if (st.f_flags & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (st.f_flags & ST_RELATIME) flags |= MS_RELATIME;
    return flags;
}

static int remount_readonly(const char *path, unsigned long extra) {
    return mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | extra | kept_flags(path), NULL);
}

static void mount_fs(const child_ctx *ctx, int rootfd, const char *path, mode_t mode,
                     const char *fstype, unsigned long flags, const char *data) {
    int fd = ensure_dir(ctx, rootfd, path, mode);
    if (mount_on_fd(fd, fstype, fstype, flags, data) < 0) {
        int e = errno;
        char step[64], shown[PATH_MAX];
        cs_strlcpy(step, "mount ", sizeof step);
        cs_strlcat(step, fstype, sizeof step);
        display_path(ctx->p, path, shown, sizeof shown);
        child_fail(ctx, step, shown, e);
    }
    close(fd);
}

/// Bind-mounts a host path onto a container path (file or directory mount point).
static void bind_into_root(const child_ctx *ctx, int rootfd, const char *source, const char *dest,
                           bool source_is_dir, bool readonly, int propagation) {
    char shown[PATH_MAX], object[1024];
    int fd = source_is_dir ? ensure_dir(ctx, rootfd, dest, 0755) : ensure_file(ctx, rootfd, dest);
    display_path(ctx->p, dest, shown, sizeof shown);
    if (mount_on_fd(fd, source, NULL, MS_BIND | MS_REC, NULL) < 0) {
        int e = errno;
        cs_strlcpy(object, source, sizeof object);
        cs_strlcat(object, " to ", sizeof object);
        cs_strlcat(object, shown, sizeof object);
        child_fail(ctx, "bind mount", object, e);
    }
    close(fd);
    // Reopen: the fd taken before the mount points beneath it, not at the new mount.
    fd = open_in_root(rootfd, dest, O_PATH, 0);
    if (fd < 0) child_fail(ctx, "open", shown, errno);
    char target[64];
    cs_fd_path(fd, target, sizeof target);
    if (readonly && remount_readonly(target, 0) < 0) child_fail(ctx, "remount read-only", shown, errno);
    if (mount(NULL, target, NULL, MS_REC | propagation_flag(propagation), NULL) < 0)
        child_fail(ctx, "set propagation", shown, errno);
    close(fd);
}

static void make_device(const child_ctx *ctx, int rootfd, const char *path, char type,
                        unsigned major, unsigned minor, mode_t mode, uid_t uid, gid_t gid) {
    char parent[PATH_MAX], name[PATH_MAX], shown[PATH_MAX];
    split_path(path, parent, name);
    mkdir_in_root(ctx, rootfd, parent, 0755);
    int pfd = open_in_root(rootfd, parent, O_PATH | O_DIRECTORY, 0);
    display_path(ctx->p, path, shown, sizeof shown);
    if (pfd < 0) child_fail(ctx, "open", shown, errno);
    mode_t kind = type == 'b' ? S_IFBLK : S_IFCHR;
    if (mknodat(pfd, name, kind | (mode & 07777), makedev(major, minor)) < 0) {
        if (errno == EEXIST) {
            close(pfd);
            return;
        }
        if (errno != EPERM) child_fail(ctx, "mknod", shown, errno);
        // Not allowed to create nodes (e.g. in a user namespace): bind the host's node.
        close(pfd);
        bind_into_root(ctx, rootfd, path, path, false, false, CSPAWN_PROPAGATION_PRIVATE);
        return;
    }
    if (fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) child_fail(ctx, "chown", shown, errno);
    close(pfd);
}

static void make_symlink(const child_ctx *ctx, int devfd, const char *target, const char *name) {
    if (symlinkat(target, devfd, name) < 0 && errno != EEXIST) {
        char shown[PATH_MAX];
        display_path(ctx->p, "/dev/", shown, sizeof shown);
        cs_strlcat(shown, name, sizeof shown);
        child_fail(ctx, "symlink", shown, errno);
    }
}

static void setup_dev(const child_ctx *ctx, int rootfd) {
    const cspawn_prepared *p = ctx->p;
    mount_fs(ctx, rootfd, "/dev", 0755, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
    static const struct { const char *path; unsigned major, minor; } nodes[] = {
        {"/dev/null", 1, 3}, {"/dev/zero", 1, 5}, {"/dev/full", 1, 7},
        {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
    };
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
        make_device(ctx, rootfd, nodes[i].path, 'c', nodes[i].major, nodes[i].minor, 0666, 0, 0);
    for (size_t i = 0; i < p->ndevices; i++) {
        const cspawn_device *d = &p->devices[i];
        make_device(ctx, rootfd, d->path, d->type, d->major, d->minor, d->mode, d->uid, d->gid);
    }
    int devfd = open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, 0);
    if (devfd < 0) child_fail(ctx, "open", "/dev", errno);
    make_symlink(ctx, devfd, "/proc/self/fd", "fd");
    make_symlink(ctx, devfd, "/proc/self/fd/0", "stdin");
    make_symlink(ctx, devfd, "/proc/self/fd/1", "stdout");
    make_symlink(ctx, devfd, "/proc/self/fd/2", "stderr");
    make_symlink(ctx, devfd, "/proc/kcore", "core");
    make_symlink(ctx, devfd, "pts/ptmx", "ptmx");
    close(devfd);
    mount_fs(ctx, rootfd, "/dev/pts", 0755, "devpts", MS_NOSUID | MS_NOEXEC,
             "newinstance,ptmxmode=0666,mode=0620,gid=5");
    mount_fs(ctx, rootfd, "/dev/shm", 01777, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, p->shm_options);
    mount_fs(ctx, rootfd, "/dev/mqueue", 0755, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    if (p->console_path)
        bind_into_root(ctx, rootfd, p->console_path, "/dev/console", false, false, CSPAWN_PROPAGATION_PRIVATE);
}

static void setup_sys(const child_ctx *ctx, int rootfd) {
    const cspawn_prepared *p = ctx->p;
    unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | (p->sys_readwrite ? 0 : MS_RDONLY);
    int fd = ensure_dir(ctx, rootfd, "/sys", 0555);
    if (mount_on_fd(fd, "sysfs", "sysfs", flags, NULL) == 0) {
        close(fd);
        return;
    }
    int first = errno;
    char shown[PATH_MAX];
    display_path(p, "/sys", shown, sizeof shown);
    if (first != EPERM) child_fail(ctx, "mount sysfs", shown, first);
    // sysfs refused (netns owned by another user namespace): a read-only bind of the host's.
    close(fd);
    bind_into_root(ctx, rootfd, "/sys", "/sys", true, !p->sys_readwrite, CSPAWN_PROPAGATION_PRIVATE);
}

/// crun's do_pivot: pivot_root(".", ".") stacks the old root on the new one; detach it.
static void pivot(const child_ctx *ctx) {
    const char *rootfs = ctx->p->rootfs;
    int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (oldroot < 0) child_fail(ctx, "open", "/", errno);
    int newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (newroot < 0) child_fail(ctx, "open", rootfs, errno);
    if (fchdir(newroot) < 0) child_fail(ctx, "chdir", rootfs, errno);
    if (syscall(SYS_pivot_root, ".", ".") < 0) child_fail(ctx, "pivot_root", rootfs, errno);
    if (fchdir(oldroot) < 0) child_fail(ctx, "chdir", "old root", errno);
    // Make the old root a slave first so that detaching it cannot propagate to the host.
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) child_fail(ctx, "mount make-rslave", "old root", errno);
    if (umount2(".", MNT_DETACH) < 0) child_fail(ctx, "umount2", "old root", errno);
    if (chdir("/") < 0) child_fail(ctx, "chdir", "/", errno);
    close(oldroot);
    close(newroot);
}

static void mask_paths(const child_ctx *ctx) {
    for (char **path = ctx->p->masked_paths; path && *path; path++) {
        struct stat st;
        if (stat(*path, &st) < 0) {
            if (errno == ENOENT) continue;
            child_fail(ctx, "stat", *path, errno);
        }
        if (S_ISDIR(st.st_mode)) {
            if (mount("tmpfs", *path, "tmpfs", MS_RDONLY, NULL) < 0) child_fail(ctx, "mask", *path, errno);
        } else if (mount("/dev/null", *path, NULL, MS_BIND, NULL) < 0) {
            child_fail(ctx, "mask", *path, errno);
        }
    }
    for (char **path = ctx->p->readonly_paths; path && *path; path++) {
        struct stat st;
        if (stat(*path, &st) < 0) {
            if (errno == ENOENT) continue;
            child_fail(ctx, "stat", *path, errno);
        }
        if (mount(*path, *path, NULL, MS_BIND | MS_REC, NULL) < 0) child_fail(ctx, "bind mount", *path, errno);
        if (remount_readonly(*path, MS_REC) < 0) child_fail(ctx, "remount read-only", *path, errno);
    }
}

void child_setup_rootfs(const child_ctx *ctx) {
    const cspawn_prepared *p = ctx->p;
    // Nothing the container mounts may propagate back to the host (rslave by default, like runc).
    if (mount(NULL, "/", NULL, MS_REC | propagation_flag(p->root_propagation), NULL) < 0)
        child_fail(ctx, "make mounts private", "/", errno);
    // pivot_root needs the new root to be a mount point.
    if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
        child_fail(ctx, "bind mount rootfs", p->rootfs, errno);
    int rootfd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) child_fail(ctx, "open", p->rootfs, errno);

    mount_fs(ctx, rootfd, "/proc", 0555, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    setup_dev(ctx, rootfd);
    setup_sys(ctx, rootfd);
    for (size_t i = 0; i < p->nmounts; i++) {
        const prepared_mount *m = &p->mounts[i];
        bind_into_root(ctx, rootfd, m->source, m->destination, m->source_is_dir, m->readonly, m->propagation);
    }
    if (p->cwd && p->cwd[0] == '/') mkdir_in_root(ctx, rootfd, p->cwd, 0755);
    close(rootfd);

    pivot(ctx);
    mask_paths(ctx);
    if (p->readonly_rootfs && remount_readonly("/", 0) < 0) child_fail(ctx, "remount read-only", "/", errno);
}
