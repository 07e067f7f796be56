extension DNSMessage {
    /// Parses a message from the wire. Every read is bounds-checked and compression pointers must point
    /// backwards, so malformed or hostile packets fail with an error instead of looping or trapping.
    public init(decoding bytes: [UInt8]) throws {
        var r = DNSReader(bytes: bytes)
        let id = try r.u16()
        let flags = try r.u16()
        let qd = try r.u16(), an = try r.u16(), ns = try r.u16(), ar = try r.u16()
        var msg = DNSMessage(header: DNSHeader(id: id, flags: flags))
        for _ in 0..<qd {
            let name = try r.name()
            msg.questions.append(DNSQuestion(name: name, type: DNSType(try r.u16()), qClass: try r.u16()))
        }
        for _ in 0..<an { msg.answers.append(try r.record()) }
        for _ in 0..<ns { msg.authority.append(try r.record()) }
        for _ in 0..<ar {
            let start = r.offset
            let name = try r.name()
            let type = DNSType(try r.u16())
            guard type == .opt else {
                r.offset = start
                msg.additional.append(try r.record())
                continue
            }
            // RFC 6891 §6.1.1: one OPT, owned by the root.
            guard msg.edns == nil else { throw DNSCodecError("more than one OPT record") }
            guard name.labels.isEmpty else { throw DNSCodecError("OPT record not owned by the root") }
            let size = try r.u16()
            let ttl = try r.u32()
            let end = try r.rdataEnd()
            var edns = EDNS(udpPayloadSize: size, version: UInt8((ttl >> 16) & 0xFF), dnssecOK: ttl & 0x8000 != 0)
            edns.extendedRCode = UInt8(ttl >> 24)
            while r.offset < end {
                let code = try r.u16()
                let len = Int(try r.u16())
                guard r.offset + len <= end else { throw DNSCodecError("EDNS option \(code) overruns the OPT record") }
                edns.options.append(EDNS.Option(code: code, data: try r.take(len)))
            }
            msg.edns = edns
        }
        self = msg
    }

    /// Just the ID and flags, for answering FORMERR to a packet whose body does not parse.
    public static func peekHeader(_ bytes: [UInt8]) -> DNSHeader? {
        guard bytes.count >= 12 else { return nil }
        return DNSHeader(id: UInt16(bytes[0]) << 8 | UInt16(bytes[1]), flags: UInt16(bytes[2]) << 8 | UInt16(bytes[3]))
    }
}

struct DNSReader {
    let bytes: [UInt8]
    var offset = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func u8() throws -> UInt8 {
        guard offset < bytes.count else { throw DNSCodecError("truncated at byte \(offset)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() throws -> UInt16 {
        guard offset + 2 <= bytes.count else { throw DNSCodecError("truncated at byte \(offset)") }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u32() throws -> UInt32 {
        let hi = try u16(), lo = try u16()
        return UInt32(hi) << 16 | UInt32(lo)
    }

    mutating func take(_ n: Int) throws -> [UInt8] {
        guard n >= 0, offset + n <= bytes.count else { throw DNSCodecError("truncated at byte \(offset)") }
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }

    /// Reads RDLENGTH and returns where the RDATA ends.
    mutating func rdataEnd() throws -> Int {
        let len = Int(try u16())
        guard offset + len <= bytes.count else { throw DNSCodecError("record data overruns the message at byte \(offset)") }
        return offset + len
    }

    /// A possibly compressed name (RFC 1035 §4.1.4). Pointers must point strictly before the pointer itself,
    /// which rules out loops.
    mutating func name() throws -> DNSName {
        var labels: [String] = []
        var pos = offset
        var jumped = false
        var wireLength = 1
        while true {
            guard pos < bytes.count else { throw DNSCodecError("name runs past the end at byte \(pos)") }
            let len = bytes[pos]
            switch len & 0xC0 {
            case 0x00:
                if len == 0 {
                    if !jumped { offset = pos + 1 }
                    return DNSName(labels: labels)
                }
                let start = pos + 1, end = start + Int(len)
                guard end <= bytes.count else { throw DNSCodecError("label runs past the end at byte \(pos)") }
                wireLength += 1 + Int(len)
                guard wireLength <= 255 else { throw DNSCodecError("name longer than 255 bytes") }
                labels.append(String(decoding: bytes[start..<end], as: UTF8.self))
                pos = end
            case 0xC0:
                guard pos + 1 < bytes.count else { throw DNSCodecError("compression pointer cut off at byte \(pos)") }
                let target = Int(len & 0x3F) << 8 | Int(bytes[pos + 1])
                guard target < pos else { throw DNSCodecError("compression pointer at byte \(pos) does not point backwards") }
                if !jumped { offset = pos + 2 }
                jumped = true
                pos = target
            default:
                throw DNSCodecError("unsupported label type 0x\(String(len, radix: 16)) at byte \(pos)")
            }
        }
    }

    mutating func record() throws -> DNSRecord {
        let name = try name()
        let type = DNSType(try u16())
        let rrClass = try u16()
        let ttl = try u32()
        let end = try rdataEnd()
        let data: DNSRData
        switch type {
        case .a:
            guard end - offset == 4 else { throw DNSCodecError("A record of \(end - offset) bytes") }
            data = .a(try take(4))
        case .aaaa:
            guard end - offset == 16 else { throw DNSCodecError("AAAA record of \(end - offset) bytes") }
            data = .aaaa(try take(16))
        case .cname: data = .cname(try self.name())
        case .ns: data = .ns(try self.name())
        case .ptr: data = .ptr(try self.name())
        case .mx: data = .mx(preference: try u16(), exchange: try self.name())
        case .srv: data = .srv(priority: try u16(), weight: try u16(), port: try u16(), target: try self.name())
        case .soa:
            data = .soa(mname: try self.name(), rname: try self.name(), serial: try u32(), refresh: try u32(),
                        retry: try u32(), expire: try u32(), minimum: try u32())
        case .txt:
            var strings: [String] = []
            while offset < end {
                let n = Int(try u8())
                guard offset + n <= end else { throw DNSCodecError("TXT string overruns its record") }
                strings.append(String(decoding: try take(n), as: UTF8.self))
            }
            data = .txt(strings)
        default:
            data = .unknown(type: type, data: try take(end - offset))
        }
        guard offset == end else { throw DNSCodecError("\(type) record data is \(end) bytes but parsed to \(offset)") }
        return DNSRecord(name: name, rrClass: rrClass, ttl: ttl, data: data)
    }
}
