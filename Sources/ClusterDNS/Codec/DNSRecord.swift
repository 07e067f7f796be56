/// The data of a resource record. Types this server answers with are decoded; anything else is kept as raw
/// bytes so forwarded answers can still be re-encoded (RFC 3597).
public enum DNSRData: Hashable, Sendable {
    case a([UInt8])                 // 4 bytes
    case aaaa([UInt8])              // 16 bytes
    case cname(DNSName)
    case ns(DNSName)
    case ptr(DNSName)
    case mx(preference: UInt16, exchange: DNSName)
    case txt([String])
    case srv(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName)
    case soa(mname: DNSName, rname: DNSName, serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32, minimum: UInt32)
    case unknown(type: DNSType, data: [UInt8])

    public var type: DNSType {
        switch self {
        case .a: return .a
        case .aaaa: return .aaaa
        case .cname: return .cname
        case .ns: return .ns
        case .ptr: return .ptr
        case .mx: return .mx
        case .txt: return .txt
        case .srv: return .srv
        case .soa: return .soa
        case .unknown(let t, _): return t
        }
    }
}

public struct DNSRecord: Hashable, Sendable, CustomStringConvertible {
    public var name: DNSName
    public var rrClass: UInt16
    public var ttl: UInt32
    public var data: DNSRData

    public init(name: DNSName, rrClass: UInt16 = DNSClass.internet, ttl: UInt32, data: DNSRData) {
        self.name = name
        self.rrClass = rrClass
        self.ttl = ttl
        self.data = data
    }

    public var type: DNSType { data.type }

    /// Zone-file form, as dig prints it (used in logs and test failure messages).
    public var description: String {
        let rdata: String
        switch data {
        case .a(let b): rdata = IPText.format(b) ?? "\(b)"
        case .aaaa(let b): rdata = IPText.format(b) ?? "\(b)"
        case .cname(let n), .ns(let n), .ptr(let n): rdata = n.description
        case .mx(let p, let x): rdata = "\(p) \(x)"
        case .txt(let s): rdata = s.map { "\"\($0)\"" }.joined(separator: " ")
        case .srv(let p, let w, let port, let t): rdata = "\(p) \(w) \(port) \(t)"
        case .soa(let m, let r, let s, let rf, let rt, let e, let mn): rdata = "\(m) \(r) \(s) \(rf) \(rt) \(e) \(mn)"
        case .unknown(_, let d): rdata = "\\# \(d.count)"
        }
        return "\(name) \(ttl) IN \(type) \(rdata)"
    }
}

public struct DNSQuestion: Hashable, Sendable {
    public var name: DNSName
    public var type: DNSType
    public var qClass: UInt16

    public init(name: DNSName, type: DNSType, qClass: UInt16 = DNSClass.internet) {
        self.name = name
        self.type = type
        self.qClass = qClass
    }
}
