import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX file helpers. They exist because key material must never be observable half-written or with a
/// permissive mode, which Foundation's `write(toFile:atomically:)` does not guarantee (it creates the temp file
/// with the umask's mode and only then could we chmod it).
enum PKIFiles {
    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// Creates `path` (and missing parents) and forces its mode, so a pre-existing directory with a loose mode is
    /// tightened as well.
    static func ensureDirectory(_ path: String, mode: mode_t) throws {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: path, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: NSNumber(value: Int(mode))])
            } catch {
                throw ClusterPKIError.fileOperationFailed(operation: "create directory", path: path, reason: "\(error)")
            }
        } else if !isDirectory.boolValue {
            throw ClusterPKIError.fileOperationFailed(operation: "create directory", path: path, reason: "exists and is not a directory")
        }
        if chmod(path, mode) != 0 {
            throw ClusterPKIError.fileOperationFailed(operation: "chmod", path: path, reason: errnoText())
        }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Reads a file as UTF-8 text, or nil when it does not exist.
    static func readIfPresent(_ path: String) throws -> String? {
        guard exists(path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ClusterPKIError.fileOperationFailed(operation: "read", path: path, reason: "cannot read file")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes `contents` to a temp file in the same directory (created with `mode` from the start), fsyncs it, renames
    /// it over `path` and fsyncs the directory: after a crash `path` holds either the old or the new bytes in full.
    static func writeAtomically(_ path: String, contents: String, mode: mode_t) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw ClusterPKIError.fileOperationFailed(operation: "create", path: temporary, reason: errnoText())
        }
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        do {
            // The umask may have removed bits; for a key that only ever makes it stricter, but a certificate is
            // meant to be world-readable, so set the exact mode.
            if fchmod(fd, mode) != 0 {
                throw ClusterPKIError.fileOperationFailed(operation: "chmod", path: temporary, reason: errnoText())
            }
            let bytes = Array(contents.utf8)
            var written = 0
            while written < bytes.count {
                let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ClusterPKIError.fileOperationFailed(operation: "write", path: temporary, reason: errnoText())
                }
                written += n
            }
            if fsync(fd) != 0 {
                throw ClusterPKIError.fileOperationFailed(operation: "fsync", path: temporary, reason: errnoText())
            }
            closed = true
            if close(fd) != 0 {
                throw ClusterPKIError.fileOperationFailed(operation: "close", path: temporary, reason: errnoText())
            }
            if rename(temporary, path) != 0 {
                throw ClusterPKIError.fileOperationFailed(operation: "rename to \(path)", path: temporary, reason: errnoText())
            }
        } catch {
            unlink(temporary)
            throw error
        }
        // Persist the rename itself; failure here is not fatal to correctness of the contents, so it is best effort.
        let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }
}
