import Foundation

/// The persisted list of images: one JSON file, replaced atomically (write a temp file, fsync, rename), so a
/// crash leaves either the old or the new index, never a torn one.
struct IndexFile {
    struct Contents: Codable {
        var version = 1
        var images: [ImageRecord] = []
    }

    /// Identifies a version of the file on disk, to notice changes made by another process (the CLI while the
    /// server runs).
    struct Stamp: Equatable {
        var inode: UInt64
        var size: Int64
        var mtimeSec: Int
        var mtimeNsec: Int
    }

    let path: String

    func stamp() -> Stamp? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Stamp(inode: UInt64(st.st_ino), size: Int64(st.st_size), mtimeSec: st.st_mtim.tv_sec, mtimeNsec: st.st_mtim.tv_nsec)
    }

    func read() throws -> [ImageRecord] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return try JSONDecoder().decode(Contents.self, from: data).images
        } catch {
            throw ImageStoreError(.io, "read image index \(path): \(error)")
        }
    }

    func write(_ images: [ImageRecord]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(Contents(images: images)) } catch {
            throw ImageStoreError(.io, "encode image index: \(error)")
        }
        try writeFileAtomically(path, data)
    }
}

/// Writes `data` to `path` via `path.tmp-<pid>` + fsync + rename + fsync of the directory.
func writeFileAtomically(_ path: String, _ data: Data) throws {
    let tmp = "\(path).tmp-\(getpid())"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw ImageStoreError.sys("open", tmp) }
    var ok = true
    data.withUnsafeBytes { buf in
        var off = 0
        while off < buf.count {
            let n = Foundation.write(fd, buf.baseAddress! + off, buf.count - off)
            if n < 0 { if errno == EINTR { continue }; ok = false; return }
            off += n
        }
    }
    let err = errno
    if !ok { close(fd); unlink(tmp); throw ImageStoreError.sys("write", tmp, err) }
    guard fsync(fd) == 0 else { let e = errno; close(fd); unlink(tmp); throw ImageStoreError.sys("fsync", tmp, e) }
    close(fd)
    guard rename(tmp, path) == 0 else { let e = errno; unlink(tmp); throw ImageStoreError.sys("rename", "\(tmp) → \(path)", e) }
    fsyncDirectory((path as NSString).deletingLastPathComponent)
}

/// Makes a rename durable; best effort (a failure here loses nothing that a crash would not).
func fsyncDirectory(_ dir: String) {
    let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd >= 0 { fsync(fd); close(fd) }
}

/// Serialises writers: an NSLock between threads of this process, plus flock(2) on `<root>/lock` between
/// processes (the server and a `swiftlet image …` command sharing one data dir).
final class StoreLock: @unchecked Sendable {
    private let mutex = NSLock()
    private let path: String

    init(path: String) { self.path = path }

    func withLock<T>(_ body: () throws -> T) throws -> T {
        mutex.lock()
        defer { mutex.unlock() }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ImageStoreError.sys("open", path) }
        defer { close(fd) }  // closing the descriptor drops the flock
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw ImageStoreError.sys("flock", path) }
        }
        return try body()
    }
}
