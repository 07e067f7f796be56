import X509
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The names a serving certificate must carry, normalised so that "covers" can be decided by set inclusion:
/// DNS names lower-cased (DNS is case-insensitive), IPs as their 4 or 16 raw bytes (so "::1" equals
/// "0:0:0:0:0:0:0:1").
struct ServerAddresses: Equatable {
    var dnsNames: [String] = []
    var ipAddresses: [[UInt8]] = []

    /// Builds the wanted set from the caller's lists. A "name" that parses as an IP address is put into the IP list,
    /// because a DNS SAN holding "10.0.0.1" never matches a connection to that IP in Go or BoringSSL.
    init(names: [String], ips: [String]) throws {
        for name in names {
            let trimmed = name.trimmingWhitespace()
            guard !trimmed.isEmpty else { continue }
            if let bytes = Self.parseIP(trimmed) {
                appendIP(bytes)
            } else {
                appendDNS(trimmed)
            }
        }
        for ip in ips {
            let trimmed = ip.trimmingWhitespace()
            guard !trimmed.isEmpty else { continue }
            guard let bytes = Self.parseIP(trimmed) else { throw ClusterPKIError.invalidIPAddress(ip) }
            appendIP(bytes)
        }
    }

    /// Reads the SANs present in an issued certificate.
    init(certificate: Certificate) {
        guard let san = try? certificate.extensions.subjectAlternativeNames else { return }
        for name in san {
            switch name {
            case .dnsName(let dns): appendDNS(dns)
            case .ipAddress(let octets): appendIP(Array(octets.bytes))
            default: break
            }
        }
    }

    var isEmpty: Bool { dnsNames.isEmpty && ipAddresses.isEmpty }

    func covers(_ wanted: ServerAddresses) -> Bool {
        wanted.dnsNames.allSatisfy(dnsNames.contains) && wanted.ipAddresses.allSatisfy(ipAddresses.contains)
    }

    var generalNames: [GeneralName] {
        dnsNames.map { GeneralName.dnsName($0) } + ipAddresses.map { GeneralName.ipAddress(.init(contentBytes: $0[...])) }
    }

    private mutating func appendDNS(_ name: String) {
        let lowered = name.lowercased()
        if !dnsNames.contains(lowered) { dnsNames.append(lowered) }
    }

    private mutating func appendIP(_ bytes: [UInt8]) {
        if !ipAddresses.contains(bytes) { ipAddresses.append(bytes) }
    }

    /// IPv4 dotted quad or IPv6 text (brackets around IPv6 tolerated, as in URLs) to network-order bytes.
    static func parseIP(_ text: String) -> [UInt8]? {
        var candidate = text
        if candidate.hasPrefix("["), candidate.hasSuffix("]") { candidate = String(candidate.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, candidate, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, candidate, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.isWhitespace { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
