import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a volume's files the way the kubelet's atomic writer does, so readers never see a half-updated set:
/// the payload goes into a fresh `..<timestamp>` directory, `..data` is switched to it by rename, and the
/// visible names are symlinks through `..data`.
public struct AtomicWriter {
    public struct File: Equatable {
        public let path: String      // relative, may contain subdirectories
        public let data: [UInt8]
        public let mode: mode_t
        public init(path: String, data: [UInt8], mode: mode_t) {
            self.path = path
            self.data = data
            self.mode = mode
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    let directory: String

    public init(directory: String) { self.directory = directory }

    static func fail(_ op: String, _ path: String) -> Failure {
        Failure(description: "\(op) \(path): \(String(cString: strerror(errno)))")
    }

    /// Replaces the volume's content with `files`. A no-op when the content is unchanged.
    public func write(_ files: [File]) throws {
        let fm = FileManager.default
        let dataLink = directory + "/..data"
        if let current = try? fm.destinationOfSymbolicLink(atPath: dataLink), matches(files, in: directory + "/" + current) {
            return
        }
        let stamp = Self.timestampName()
        let payloadDir = directory + "/" + stamp
        guard mkdir(payloadDir, 0o755) == 0 else { throw Self.fail("mkdir", payloadDir) }
        for f in files {
            let full = payloadDir + "/" + f.path
            let parent = (full as NSString).deletingLastPathComponent
            try fm.createDirectory(atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, f.mode)
            guard fd >= 0 else { throw Self.fail("create", full) }
            defer { close(fd) }
            var written = 0
            while written < f.data.count {
                let n = f.data[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                if n < 0 { if errno == EINTR { continue }; throw Self.fail("write", full) }
                written += n
            }
            fchmod(fd, f.mode)  // umask must not narrow the mode the pod asked for
        }
        // Switch ..data atomically.
        let tmpLink = directory + "/..data_tmp"
        unlink(tmpLink)
        guard symlink(stamp, tmpLink) == 0 else { throw Self.fail("symlink", tmpLink) }
        let old = try? fm.destinationOfSymbolicLink(atPath: dataLink)
        guard rename(tmpLink, dataLink) == 0 else { throw Self.fail("rename", dataLink) }
        // Visible names: one symlink per top-level path component.
        let wanted = Set(files.map { String($0.path.split(separator: "/").first ?? "") })
        for name in wanted {
            let link = directory + "/" + name
            if (try? fm.destinationOfSymbolicLink(atPath: link)) == "..data/\(name)" { continue }
            unlink(link)
            guard symlink("..data/\(name)", link) == 0 else { throw Self.fail("symlink", link) }
        }
        for entry in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] where !entry.hasPrefix("..") && !wanted.contains(entry) {
            unlink(directory + "/" + entry)
        }
        if let old, old != stamp { try? fm.removeItem(atPath: directory + "/" + old) }
    }

    func matches(_ files: [File], in dir: String) -> Bool {
        for f in files {
            let path = dir + "/" + f.path
            guard let data = FileManager.default.contents(atPath: path), Array(data) == f.data else { return false }
            var st = stat()
            guard stat(path, &st) == 0, st.st_mode & 0o7777 == f.mode else { return false }
        }
        let count = (try? FileManager.default.subpathsOfDirectory(atPath: dir))?.filter { p in
            var isDir: ObjCBool = false
            FileManager.default.fileExists(atPath: dir + "/" + p, isDirectory: &isDir)
            return !isDir.boolValue
        }.count ?? -1
        return count == files.count
    }

    static func timestampName() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = ts.tv_sec
        var tmv = tm()
        gmtime_r(&t, &tmv)
        return String(format: "..%04d_%02d_%02d_%02d_%02d_%02d.%09d", tmv.tm_year + 1900, tmv.tm_mon + 1, tmv.tm_mday,
                      tmv.tm_hour, tmv.tm_min, tmv.tm_sec, ts.tv_nsec)
    }
}
