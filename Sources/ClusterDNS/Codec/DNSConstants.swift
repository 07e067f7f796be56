/// A resource record type (RFC 1035 §3.2.2 and later RFCs). A struct rather than an enum so that types this
/// server does not know still round-trip.
public struct DNSType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = DNSType(1)
    public static let ns = DNSType(2)
    public static let cname = DNSType(5)
    public static let soa = DNSType(6)
    public static let ptr = DNSType(12)
    public static let mx = DNSType(15)
    public static let txt = DNSType(16)
    public static let aaaa = DNSType(28)
    public static let srv = DNSType(33)
    public static let opt = DNSType(41)
    public static let ixfr = DNSType(251)
    public static let axfr = DNSType(252)
    public static let any = DNSType(255)

    static let names: [UInt16: String] = [
        1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA", 33: "SRV",
        41: "OPT", 251: "IXFR", 252: "AXFR", 255: "ANY", 65: "HTTPS", 64: "SVCB", 99: "SPF", 257: "CAA",
    ]

    /// The mnemonic ("A", "SRV"), or "TYPE<n>" as RFC 3597 writes unknown types.
    public var description: String { Self.names[rawValue] ?? "TYPE\(rawValue)" }
}

/// Record classes; only IN is served, the rest are carried through.
public enum DNSClass {
    public static let internet: UInt16 = 1
    public static let any: UInt16 = 255
}

/// A response code: the header's 4 bits, extended to 12 by the EDNS0 OPT record (RFC 6891 §6.1.3).
public struct DNSRCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let noError = DNSRCode(0)
    public static let formatError = DNSRCode(1)
    public static let serverFailure = DNSRCode(2)
    public static let nameError = DNSRCode(3)   // NXDOMAIN
    public static let notImplemented = DNSRCode(4)
    public static let refused = DNSRCode(5)
    public static let badVersion = DNSRCode(16)  // BADVERS, needs EDNS

    static let names: [UInt16: String] = [
        0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED", 16: "BADVERS",
    ]

    /// The name dig prints ("NOERROR", "NXDOMAIN").
    public var description: String { Self.names[rawValue] ?? "RCODE\(rawValue)" }
}

public enum DNSOpcode {
    public static let query: UInt8 = 0
}
