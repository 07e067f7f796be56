import Foundation

/// sysctls through /proc/sys (no `sysctl` process).
enum Sysctl {
    static func path(_ key: String) -> String { "/proc/sys/" + key.replacingOccurrences(of: ".", with: "/") }

    static func read(_ key: String) -> String? {
        (try? String(contentsOfFile: path(key), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Writes the value unless it is already set (writing some keys has side effects even when unchanged).
    static func write(_ key: String, _ value: String) throws {
        if read(key) == value { return }
        let p = path(key)
        let fd = open(p, O_WRONLY | O_CLOEXEC)
        if fd < 0 { throw PodNetworkError.system("set sysctl \(key)=\(value) (\(p))") }
        defer { close(fd) }
        let bytes = Array((value + "\n").utf8)
        if bytes.withUnsafeBytes({ Foundation.write(fd, $0.baseAddress, $0.count) }) < 0 {
            throw PodNetworkError.system("set sysctl \(key)=\(value) (\(p))")
        }
    }
}
