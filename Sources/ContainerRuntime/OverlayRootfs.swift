import CSpawn
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Overlay root filesystems for containers: shared read-only image layers below, a
/// per-container upper directory.
public enum OverlayRootfs {
    /// Mounts an overlay at `target`. `lowerDirs` are top-first (the image's last layer first).
    /// Without `upper`/`work` the overlay is read-only (a single lower is bind-mounted read-only
    /// instead, as overlayfs needs two lowers then). Missing upper, work and target directories
    /// are created.
    public static func mount(lowerDirs: [String], upper: String?, work: String?, target: String) throws {
        guard !lowerDirs.isEmpty else { throw RuntimeError.plan("overlay mount on \(target): no lower directory") }
        for dir in [upper, work, target].compactMap({ $0 }) {
            try check(mkdirAll(dir, mode: 0o755), "mkdir", dir)
        }
        if upper == nil && lowerDirs.count == 1 {
            try check(Glibc.mount(lowerDirs[0], target, nil, UInt(MS_BIND | MS_REC), nil), "bind mount", target)
            try check(Glibc.mount(nil, target, nil, UInt(MS_BIND | MS_REMOUNT | MS_RDONLY), nil), "remount read-only", target)
            return
        }
        let lowers = lowerDirs.map { strdup($0) }
        defer { lowers.forEach { free($0) } }
        var err = cspawn_error()
        let rc = lowers.map { UnsafePointer($0) }.withUnsafeBufferPointer { buffer in
            cspawn_mount_overlay(buffer.baseAddress, buffer.count, upper, work, target, &err)
        }
        if rc != 0 {
            let step = withUnsafeBytes(of: err.step) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let object = withUnsafeBytes(of: err.object) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw RuntimeError.syscall(call: step, object: object, errno: err.err)
        }
    }

    /// Unmounts the target (lazily when busy, so a stuck reader cannot keep it).
    public static func unmount(_ target: String) throws {
        if umount2(target, 0) == 0 { return }
        if errno == EINVAL && !MountTable.isMountPoint(target) { return }
        if errno == EBUSY {
            try check(umount2(target, Int32(MNT_DETACH)), "umount", target)
            return
        }
        throw RuntimeError.syscall(call: "umount", object: target, errno: errno)
    }
}
