import CNetlinkShim
import Foundation

/// Network namespaces kept alive by bind mounts, as `ip netns` does, but without running `ip`.
enum NetworkNamespace {
    /// Creates a new network namespace and pins it at `path` (an empty file is created there and the
    /// namespace bind-mounted onto it). `setUp` runs inside the new namespace before the thread leaves
    /// (e.g. to bring `lo` up). The path must not exist yet.
    static func create(at path: String, setUp: () throws -> Void) throws {
        let fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o444)
        if fd < 0 { throw PodNetworkError.system("create netns file \(path)") }
        close(fd)
        do {
            try runOnFreshThread("create network namespace \(path)") {
                // Only this thread moves: CLONE_NEWNET is per-thread for unshare, and the thread exits after.
                if pn_unshare_netns() != 0 { throw PodNetworkError.system("unshare network namespace for \(path)") }
                if mount("/proc/thread-self/ns/net", path, "none", UInt(MS_BIND), nil) != 0 {
                    throw PodNetworkError.system("bind-mount new network namespace onto \(path)")
                }
                try setUp()
            }
        } catch {
            _ = umount2(path, Int32(MNT_DETACH))
            unlink(path)
            throw error
        }
    }

    /// True when `path` is a namespace bind mount (not just a leftover empty file).
    static func isPinned(_ path: String) -> Bool {
        pn_is_nsfs(path) == 1
    }

    /// Unpins the namespace and removes the file. The namespace itself lives on while processes are still
    /// in it; its interfaces (the pod's eth0 and so the host's veth) go when the last one leaves.
    /// Missing pieces are fine: this is also how half-made sandboxes are cleaned up.
    static func remove(at path: String) throws {
        // MNT_DETACH: a process with the file open (a probe, a container start) must not make this fail.
        while isPinned(path) {
            if umount2(path, Int32(MNT_DETACH)) != 0 {
                if errno == EINVAL { break }  // not a mount point after all
                throw PodNetworkError.system("unmount network namespace \(path)")
            }
        }
        if unlink(path) != 0 && errno != ENOENT {
            throw PodNetworkError.system("remove network namespace file \(path)")
        }
    }

    /// Runs `body` on a fresh thread that has joined the namespace pinned at `path`.
    static func run<T>(in path: String, _ body: () throws -> T) throws -> T {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw PodNetworkError.system("open network namespace \(path)") }
        defer { close(fd) }
        return try runOnFreshThread("enter network namespace \(path)") {
            if pn_setns_net(fd) != 0 { throw PodNetworkError.system("enter network namespace \(path)") }
            return try body()
        }
    }
}
