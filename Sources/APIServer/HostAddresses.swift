import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The node's own addresses, as the kubelet finds them: InternalIP is the IPv4 address of the interface that
/// holds the default route.
public enum HostAddresses {
    /// The interface of the IPv4 default route, read from /proc/net/route.
    public static func defaultRouteInterface() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/net/route", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            if f.count > 2, f[1] == "00000000", f[7] == "00000000" { return String(f[0]) }
        }
        return nil
    }

    /// IPv4 addresses by interface name.
    public static func ipv4Addresses() -> [(interface: String, address: String)] {
        var result: [(String, String)] = []
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0 else { return [] }
        defer { freeifaddrs(head) }
        var p = head
        while let ifa = p {
            defer { p = ifa.pointee.ifa_next }
            guard let sa = ifa.pointee.ifa_addr, sa.pointee.sa_family == UInt16(AF_INET) else { continue }
            var buf = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                var addr = sin.pointee.sin_addr
                _ = inet_ntop(AF_INET, &addr, &buf, socklen_t(INET_ADDRSTRLEN))
            }
            result.append((String(cString: ifa.pointee.ifa_name), String(cString: buf)))
        }
        return result
    }

    /// The node's InternalIP: the default-route interface's address, else the first non-loopback one.
    public static func internalIP() -> String {
        let all = ipv4Addresses()
        if let ifname = defaultRouteInterface(), let a = all.first(where: { $0.interface == ifname }) { return a.address }
        return all.first { !$0.address.hasPrefix("127.") }?.address ?? "127.0.0.1"
    }
}
