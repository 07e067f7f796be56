import Foundation

/// An IPv4 address as a host-order integer, so ranges are plain arithmetic.
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let value: UInt32

    public init(_ value: UInt32) { self.value = value }

    /// Parses dotted-quad text ("10.244.0.7"); nil for anything else (no shorthand forms, no leading zeros
    /// that inet_aton would read as octal).
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }),
                  !(p.count > 1 && p.first == "0"), let octet = UInt32(p), octet <= 255 else { return nil }
            v = v << 8 | octet
        }
        value = v
    }

    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
    }

    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.value < b.value }
}

/// An IPv4 prefix such as 10.244.0.0/24. Host bits must be zero: a typo like 10.244.0.1/16 for a range is
/// rejected rather than silently widened.
public struct IPv4CIDR: Hashable, Sendable, CustomStringConvertible {
    public let network: IPv4Address
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let addr = IPv4Address(String(parts[0])),
              parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let len = Int(parts[1]), (0...32).contains(len)
        else { return nil }
        let mask = IPv4CIDR.mask(len)
        guard addr.value & ~mask == 0 else { return nil }
        network = addr
        prefixLength = len
    }

    static func mask(_ len: Int) -> UInt32 { len == 0 ? 0 : UInt32.max << UInt32(32 - len) }

    public var mask: UInt32 { IPv4CIDR.mask(prefixLength) }
    /// The all-ones host address (the directed broadcast).
    public var broadcast: IPv4Address { IPv4Address(network.value | ~mask) }
    /// The first host address: the bridge's, and so the pods' gateway.
    public var gateway: IPv4Address { IPv4Address(network.value + 1) }

    public func contains(_ a: IPv4Address) -> Bool { a.value & mask == network.value }
    public func contains(_ other: IPv4CIDR) -> Bool {
        other.prefixLength >= prefixLength && contains(other.network)
    }

    public var description: String { "\(network)/\(prefixLength)" }
}
