/// The fixed 12-byte header's flags (RFC 1035 §4.1.1); section counts are derived from the message.
public struct DNSHeader: Hashable, Sendable {
    public var id: UInt16 = 0
    public var isResponse = false
    public var opcode: UInt8 = DNSOpcode.query
    public var authoritative = false
    public var truncated = false
    public var recursionDesired = false
    public var recursionAvailable = false
    public var authenticData = false
    public var checkingDisabled = false
    /// The low 4 bits of the response code; see DNSMessage.rcode for the full (EDNS-extended) value.
    public var rcodeLow: UInt8 = 0

    public init(id: UInt16 = 0) { self.id = id }

    var flags: UInt16 {
        var f: UInt16 = 0
        if isResponse { f |= 0x8000 }
        f |= UInt16(opcode & 0x0F) << 11
        if authoritative { f |= 0x0400 }
        if truncated { f |= 0x0200 }
        if recursionDesired { f |= 0x0100 }
        if recursionAvailable { f |= 0x0080 }
        if authenticData { f |= 0x0020 }
        if checkingDisabled { f |= 0x0010 }
        f |= UInt16(rcodeLow & 0x0F)
        return f
    }

    init(id: UInt16, flags f: UInt16) {
        self.id = id
        isResponse = f & 0x8000 != 0
        opcode = UInt8((f >> 11) & 0x0F)
        authoritative = f & 0x0400 != 0
        truncated = f & 0x0200 != 0
        recursionDesired = f & 0x0100 != 0
        recursionAvailable = f & 0x0080 != 0
        authenticData = f & 0x0020 != 0
        checkingDisabled = f & 0x0010 != 0
        rcodeLow = UInt8(f & 0x000F)
    }
}

/// The EDNS0 pseudo-record (RFC 6891): the requester's UDP payload size, extended rcode bits, version, DO.
public struct EDNS: Hashable, Sendable {
    public struct Option: Hashable, Sendable {
        public var code: UInt16
        public var data: [UInt8]
        public init(code: UInt16, data: [UInt8]) {
            self.code = code
            self.data = data
        }
    }

    public var udpPayloadSize: UInt16
    /// The upper 8 bits of the 12-bit response code.
    public var extendedRCode: UInt8 = 0
    public var version: UInt8 = 0
    public var dnssecOK = false
    public var options: [Option] = []

    public init(udpPayloadSize: UInt16, version: UInt8 = 0, dnssecOK: Bool = false, options: [Option] = []) {
        self.udpPayloadSize = udpPayloadSize
        self.version = version
        self.dnssecOK = dnssecOK
        self.options = options
    }

    /// The OPT record's TTL field: extended rcode, version, DO bit.
    var ttlField: UInt32 { UInt32(extendedRCode) << 24 | UInt32(version) << 16 | (dnssecOK ? 0x8000 : 0) }
}
