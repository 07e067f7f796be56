import Foundation
import KubeAPI
import KubeClient

/// Container logs in the CRI format the shim writes (`<RFC3339Nano> <stdout|stderr> <P|F> <text>`), read back
/// for `kubectl logs` with its options.
public enum ContainerLog {
    public struct Entry: Equatable {
        public let timestamp: String
        public let stream: String
        public let partial: Bool
        public let text: Substring
    }

    public static func parse(_ line: Substring) -> Entry? {
        let f = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard f.count >= 3 else { return nil }
        return Entry(timestamp: String(f[0]), stream: String(f[1]), partial: f[2] == "P", text: f.count > 3 ? f[3] : "")
    }

    /// Renders complete log content from a CRI log file's text, applying tail/since/timestamps/limit.
    public static func render(_ content: String, options: LogOptions) -> String {
        var lines: [String] = []
        var pending = ""
        var pendingStamp = ""
        for raw in content.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let e = parse(raw) else { continue }
            if let since = options.sinceTime, let t = parseRFC3339(e.timestamp), t < since { continue }
            if pending.isEmpty { pendingStamp = e.timestamp }
            pending += e.text
            if !e.partial {
                lines.append(options.timestamps ? "\(pendingStamp) \(pending)\n" : "\(pending)\n")
                pending = ""
            }
        }
        if let tail = options.tailLines, tail >= 0, lines.count > tail { lines = Array(lines.suffix(tail)) }
        var out = lines.joined()
        if let limit = options.limitBytes, out.utf8.count > limit { out = String(decoding: Array(out.utf8.prefix(limit)), as: UTF8.self) }
        return out
    }

    /// Renders one newly appended chunk while following (no tail, same formatting).
    public static func renderFollow(_ chunk: String, options: LogOptions) -> String {
        var o = options
        o.tailLines = nil
        o.limitBytes = nil
        return render(chunk, options: o)
    }
}
