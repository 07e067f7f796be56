import Foundation

/// What a container is doing, as the bundle's files and /proc tell.
public enum ContainerState: Sendable, Equatable {
    /// The container's init runs (its pid is alive and is the process the shim started).
    case running(pid: Int32, startedAt: Date)
    /// The shim recorded the exit: code (128+signal when killed) and when.
    case exited(code: Int32, finishedAt: Date)
    /// Not started, or gone without a recorded exit (the shim itself was killed).
    case unknown
}

/// The shim's `exit` file in full.
public struct ExitInfo: Sendable, Equatable {
    public var exitCode: Int32
    public var signal: Int32
    public var finishedAt: Date
    /// From the `state` file, when the container had started.
    public var startedAt: Date?
    public var oomKilled: Bool
    /// "Completed", "Error", "OOMKilled" or "StartError" (Kubernetes' terminated reasons).
    public var reason: String
    public var message: String?
}

/// The shim's `state` file: which process is ours.
public struct ShimRecord: Sendable, Equatable {
    public var pid: Int32
    public var pidStartTime: Int64
    public var startedAt: Date
    public var shimPid: Int32
    public var shimStartTime: Int64

    /// Is the container's pid still the process the shim started (not a reused pid)?
    public var containerAlive: Bool { ProcessInfoReader.startTime(pid: pid) == pidStartTime }
    public var shimAlive: Bool { ProcessInfoReader.startTime(pid: shimPid) == shimStartTime }
}

enum BundleFiles {
    /// "key value" lines (value unescaped as in spawn.conf).
    static func keyValues(_ path: String) -> [String: String]? {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else { return nil }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let space = line.firstIndex(of: " ") else { continue }
            out[String(line[..<space])] = SpawnConf.unescape(String(line[line.index(after: space)...]))
        }
        return out
    }

    static func record(bundle: String) -> ShimRecord? {
        guard let kv = keyValues(bundle + "/state"),
              let pid = kv["pid"].flatMap({ Int32($0) }),
              let pidStart = kv["pidStartTime"].flatMap({ Int64($0) }),
              let started = kv["startedAt"].flatMap(RFC3339.parse),
              let shimPid = kv["shimPid"].flatMap({ Int32($0) }),
              let shimStart = kv["shimStartTime"].flatMap({ Int64($0) }) else { return nil }
        return ShimRecord(pid: pid, pidStartTime: pidStart, startedAt: started, shimPid: shimPid, shimStartTime: shimStart)
    }

    static func exitInfo(bundle: String) -> ExitInfo? {
        guard let kv = keyValues(bundle + "/exit"),
              let code = kv["exitCode"].flatMap({ Int32($0) }),
              let finished = kv["finishedAt"].flatMap(RFC3339.parse) else { return nil }
        return ExitInfo(exitCode: code, signal: kv["signal"].flatMap { Int32($0) } ?? 0, finishedAt: finished,
                        startedAt: record(bundle: bundle)?.startedAt, oomKilled: kv["oomKilled"] == "true",
                        reason: kv["reason"] ?? (code == 0 ? "Completed" : "Error"), message: kv["message"])
    }
}

/// RFC 3339 timestamps with up to nanosecond fractions ("2026-11-27T08:00:00.123456789Z").
public enum RFC3339 {
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20 else { return nil }
        func number(_ from: Int, _ len: Int) -> Int? {
            var v = 0
            for i in from..<(from + len) {
                guard i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 else { return nil }
                v = v * 10 + Int(bytes[i] - 48)
            }
            return v
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2) else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offset = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            guard let oh = number(index + 1, 2), let om = number(index + 4, 2) else { return nil }
            offset = (oh * 3600 + om * 60) * (bytes[index] == UInt8(ascii: "+") ? 1 : -1)
        } else if index >= bytes.count || (bytes[index] != UInt8(ascii: "Z") && bytes[index] != UInt8(ascii: "z")) {
            return nil
        }
        var tm = tm()
        tm.tm_year = Int32(year - 1900)
        tm.tm_mon = Int32(month - 1)
        tm.tm_mday = Int32(day)
        tm.tm_hour = Int32(hour)
        tm.tm_min = Int32(minute)
        tm.tm_sec = Int32(second)
        let seconds = timegm(&tm)
        return Date(timeIntervalSince1970: Double(seconds - offset) + fraction)
    }
}

/// /proc readings.
public enum ProcessInfoReader {
    /// Start time of a process in clock ticks after boot (/proc/<pid>/stat field 22), nil when
    /// gone or a zombie (dead, only waiting to be reaped).
    public static func startTime(pid: Int32) -> Int64? {
        guard pid > 0, let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat"),
              let text = String(data: data, encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); starttime is field 22.
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return Int64(fields[19])
    }
}
