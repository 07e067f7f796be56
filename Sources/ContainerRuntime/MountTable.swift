import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The mount table of this process (/proc/self/mountinfo).
public enum MountTable {
    public struct Entry: Sendable, Equatable {
        public var mountPoint: String
        public var fsType: String
        public var source: String
        public var superOptions: String
    }

    public static func entries() -> [Entry] {
        guard let data = ProcFile.read("/proc/self/mountinfo"),
              let text = String(data: data, encoding: .utf8) else { return [] }
        var out: [Entry] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count > 5, let dash = fields.firstIndex(of: "-"), dash + 3 < fields.count else { continue }
            out.append(Entry(mountPoint: unescape(String(fields[4])), fsType: String(fields[dash + 1]),
                             source: unescape(String(fields[dash + 2])), superOptions: String(fields[dash + 3])))
        }
        return out
    }

    /// Is something mounted exactly at this path?
    public static func isMountPoint(_ path: String) -> Bool {
        let wanted = (path as NSString).standardizingPath
        return entries().contains { $0.mountPoint == wanted }
    }

    /// Mount points at or below a directory (what a removal must not cross).
    public static func mountPoints(under directory: String) -> [String] {
        let base = (directory as NSString).standardizingPath
        return entries().map(\.mountPoint).filter { $0 == base || $0.hasPrefix(base + "/") }
    }

    /// mountinfo escapes space, tab, newline and backslash as \ooo octal.
    static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        let raw = Array(s.utf8)
        var bytes: [UInt8] = []
        var i = 0
        while i < raw.count {
            if raw[i] == UInt8(ascii: "\\"), i + 3 < raw.count,
               let v = UInt8(String(decoding: raw[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                bytes.append(v)
                i += 4
            } else {
                bytes.append(raw[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Reads a /proc file whole. Foundation's one-shot readers stop after the first chunk of procfs files (they
/// report size 0), which truncates long mount tables; reading to EOF does not.
public enum ProcFile {
    public static func read(_ path: String) -> Data? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        return try? handle.readToEnd()
    }

    public static func text(_ path: String) -> String? {
        read(path).map { String(decoding: $0, as: UTF8.self) }
    }
}
