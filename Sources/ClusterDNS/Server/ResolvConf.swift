import Foundation

/// The host's resolvers, read as CoreDNS's `forward . /etc/resolv.conf` does.
public enum ResolvConf {
    /// The `nameserver` addresses in resolv.conf text, in order (IPv6 zone suffixes such as %eth0 dropped).
    public static func nameservers(in text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver" else { return nil }
            let address = fields[1].split(separator: "%", maxSplits: 1)[0]
            return IPText.parse(String(address)) == nil ? nil : String(address)
        }
    }

    /// The nameservers of `path`. When that file only names systemd-resolved's stub (127.0.0.53), the real
    /// upstreams in /run/systemd/resolve/resolv.conf are used instead, as the kubelet does for pods.
    public static func nameservers(path: String) -> [String] {
        let servers = (try? String(contentsOfFile: path, encoding: .utf8)).map(nameservers(in:)) ?? []
        if !servers.isEmpty, servers.allSatisfy({ $0 == "127.0.0.53" }),
           let real = try? String(contentsOfFile: "/run/systemd/resolve/resolv.conf", encoding: .utf8) {
            let upstream = nameservers(in: real)
            if !upstream.isEmpty { return upstream }
        }
        return servers
    }

    /// Splits "ip", "ip:port", "[ipv6]:port" or a bare IPv6 address into host and port (53 by default).
    public static func hostAndPort(_ s: String) -> (host: String, port: Int)? {
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") {
            let host = String(s[s.index(after: s.startIndex)..<close])
            let rest = s[s.index(after: close)...]
            if rest.isEmpty { return (host, 53) }
            guard rest.hasPrefix(":"), let port = Int(rest.dropFirst()), (1...65535).contains(port) else { return nil }
            return (host, port)
        }
        if IPText.parse(s) != nil { return (s, 53) }
        let parts = s.split(separator: ":")
        guard parts.count == 2, IPText.parse(String(parts[0])) != nil, let port = Int(parts[1]), (1...65535).contains(port) else { return nil }
        return (String(parts[0]), port)
    }
}
