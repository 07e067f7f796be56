/// A DNS message (RFC 1035 §4). The OPT pseudo-record is lifted out of the additional section into `edns`,
/// and written back last on encode.
public struct DNSMessage: Hashable, Sendable {
    public var header: DNSHeader
    public var questions: [DNSQuestion]
    public var answers: [DNSRecord]
    public var authority: [DNSRecord]
    public var additional: [DNSRecord]
    public var edns: EDNS?

    public init(header: DNSHeader = DNSHeader(), questions: [DNSQuestion] = [], answers: [DNSRecord] = [],
                authority: [DNSRecord] = [], additional: [DNSRecord] = [], edns: EDNS? = nil) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authority = authority
        self.additional = additional
        self.edns = edns
    }

    /// A query as a stub resolver sends it (RD set).
    public static func query(id: UInt16, name: DNSName, type: DNSType, edns: EDNS? = nil) -> DNSMessage {
        var h = DNSHeader(id: id)
        h.recursionDesired = true
        return DNSMessage(header: h, questions: [DNSQuestion(name: name, type: type)], edns: edns)
    }

    /// The full response code: header bits plus the EDNS extension. Setting a code above 15 needs `edns`.
    public var rcode: DNSRCode {
        get { DNSRCode(UInt16(edns?.extendedRCode ?? 0) << 4 | UInt16(header.rcodeLow)) }
        set {
            header.rcodeLow = UInt8(newValue.rawValue & 0x0F)
            if edns != nil { edns!.extendedRCode = UInt8(newValue.rawValue >> 4) }
        }
    }
}

public struct DNSCodecError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "DNS message: \(message)" }
}
