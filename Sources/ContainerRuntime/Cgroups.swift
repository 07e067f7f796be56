import Foundation

/// The host's cgroup hierarchies, as the shim sees them: every mounted v1 hierarchy (hybrid
/// hosts: /sys/fs/cgroup/<controller>), or the unified v2 tree at /sys/fs/cgroup.
public enum Cgroups {
    public struct Layout: Sendable, Equatable {
        public var unified: Bool
        /// Mount points of the hierarchies used (one per v1 hierarchy, or the v2 root).
        public var roots: [String]
    }

    public static func layout() -> Layout {
        var roots: [String] = []
        var seen = Set<String>()
        var v2Root: String?
        for entry in MountTable.entries() {
            if entry.fsType == "cgroup" {
                // The same hierarchy may be mounted twice; its options identify it.
                let key = entry.superOptions.split(separator: ",").filter { $0 != "rw" && $0 != "ro" }.joined(separator: ",")
                if seen.insert(key).inserted { roots.append(entry.mountPoint) }
            } else if entry.fsType == "cgroup2" && entry.mountPoint == "/sys/fs/cgroup" {
                v2Root = entry.mountPoint
            }
        }
        if roots.isEmpty, let v2Root { return Layout(unified: true, roots: [v2Root]) }
        return Layout(unified: false, roots: roots)
    }

    /// The directories of a relative cgroup path ("swiftlet/<pod>/<ctr>") in every hierarchy.
    public static func directories(relativePath: String) -> [String] {
        let rel = relativePath.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        return layout().roots.map { $0 + "/" + rel }
    }

    /// Does the cgroup exist in any hierarchy?
    public static func exists(relativePath: String) -> Bool {
        directories(relativePath: relativePath).contains { FileManager.default.fileExists(atPath: $0) }
    }

    /// Removes the cgroup (and its child cgroups, deepest first) in every hierarchy. Retries
    /// while the last processes leave (EBUSY) for up to `wait` seconds. Missing ones are fine.
    public static func remove(relativePath: String, wait: Double = 2) throws {
        for dir in directories(relativePath: relativePath) {
            try removeTree(dir, deadline: Date().addingTimeInterval(wait))
        }
    }

    private static func removeTree(_ dir: String, deadline: Date) throws {
        guard let children = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for child in children {
            var st = stat()
            let path = dir + "/" + child
            if lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR { try removeTree(path, deadline: deadline) }
        }
        while rmdir(dir) != 0 {
            if errno == ENOENT { return }
            if errno != EBUSY || Date() > deadline {
                throw RuntimeError.syscall(call: "rmdir", object: dir, errno: errno)
            }
            usleep(20_000)
        }
    }
}

/// Recursive removal that refuses to cross mount points: a bundle may hold a rootfs or a
/// volume still mounted, whose contents must never be deleted through it.
enum SafeRemove {
    static func directory(_ path: String) throws {
        var st = stat()
        if lstat(path, &st) != 0 {
            if errno == ENOENT { return }
            throw RuntimeError.syscall(call: "stat", object: path, errno: errno)
        }
        if let inside = MountTable.mountPoints(under: path).first {
            throw RuntimeError.syscall(call: "remove", object: "\(path) (\(inside) is still mounted)", errno: EBUSY)
        }
        try removeTree(path, device: st.st_dev)
    }

    private static func removeTree(_ path: String, device: dev_t) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT { return }
            throw RuntimeError.syscall(call: "stat", object: path, errno: errno)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            guard st.st_dev == device else {
                throw RuntimeError.syscall(call: "remove", object: "\(path) (another filesystem)", errno: EXDEV)
            }
            for child in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                try removeTree(path + "/" + child, device: device)
            }
            if rmdir(path) != 0 && errno != ENOENT { throw RuntimeError.syscall(call: "rmdir", object: path, errno: errno) }
        } else if unlink(path) != 0 && errno != ENOENT {
            throw RuntimeError.syscall(call: "unlink", object: path, errno: errno)
        }
    }
}
