extension DNSMessage {
    /// Wire form with name compression (RFC 1035 §4.1.4), the OPT record last in the additional section.
    public func encoded() throws -> [UInt8] {
        var w = DNSWriter()
        try w.message(self)
        return w.bytes
    }

    /// Wire form that fits in `limit` bytes: 512 for plain UDP, the requester's EDNS payload size, 65535 for
    /// TCP. Additional records are dropped first (that alone does not set TC, RFC 2181 §9); if the answers
    /// still do not fit, as many answers as fit are kept, authority and additional are dropped and TC is set,
    /// so the client retries over TCP. The OPT record always stays.
    public func encoded(limit: Int) throws -> (bytes: [UInt8], truncated: Bool) {
        let full = try encoded()
        if full.count <= limit { return (full, false) }

        var trimmed = self
        trimmed.additional = []
        if try trimmed.encoded().count <= limit {
            let keep = try largestFitting(upTo: additional.count, limit: limit) { n in
                var m = self
                m.additional = Array(self.additional.prefix(n))
                return m
            }
            return (try keep.encoded(), false)
        }

        var cut = self
        cut.header.truncated = true
        cut.authority = []
        cut.additional = []
        let keep = try largestFitting(upTo: answers.count, limit: limit) { n in
            var m = cut
            m.answers = Array(cut.answers.prefix(n))
            return m
        }
        return (try keep.encoded(), true)
    }

    /// Binary search for the largest n in 0...upTo whose message fits; n = 0 is returned even if too big.
    private func largestFitting(upTo: Int, limit: Int, _ make: (Int) -> DNSMessage) throws -> DNSMessage {
        var lo = 0, hi = upTo
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if try make(mid).encoded().count <= limit { lo = mid } else { hi = mid - 1 }
        }
        return make(lo)
    }
}

struct DNSWriter {
    var bytes: [UInt8] = []
    /// A name suffix as written: its first label and the offset of the rest of it (-1 for the root). A name's
    /// longest written suffix is then found label by label from the root, without building suffix strings.
    private struct Suffix: Hashable {
        var label: String
        var rest: Int
    }
    /// Suffix → offset of its first label, for compression pointers (which reach 14 bits). Matched
    /// case-sensitively, so every name reads back exactly as written (0x20-randomising resolvers check that).
    private var offsets: [Suffix: Int] = [:]

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xFF)) }
    mutating func u32(_ v: UInt32) { u16(UInt16(v >> 16)); u16(UInt16(v & 0xFFFF)) }

    mutating func name(_ n: DNSName, compress: Bool = true) throws {
        guard n.wireLength <= 255 else { throw DNSCodecError("name \(n) is longer than 255 bytes") }
        // Labels from `first` on were written before, starting at `target`.
        var first = n.labels.count
        var target = -1
        while compress, first > 0, let at = offsets[Suffix(label: n.labels[first - 1], rest: target)] {
            first -= 1
            target = at
        }
        for i in 0..<first {
            let label = Array(n.labels[i].utf8)
            guard !label.isEmpty, label.count <= 63 else {
                throw DNSCodecError("label \"\(n.labels[i])\" of \(n) must be 1 to 63 bytes")
            }
            // Registered even when this name is written uncompressed (SRV targets): later names may point here.
            let at = bytes.count
            let suffix = Suffix(label: n.labels[i], rest: i + 1 < first ? at + 1 + label.count : target)
            if at < 0x4000, offsets[suffix] == nil { offsets[suffix] = at }
            u8(UInt8(label.count))
            bytes.append(contentsOf: label)
        }
        if first < n.labels.count {
            u16(0xC000 | UInt16(target))
        } else {
            u8(0)
        }
    }

    mutating func message(_ m: DNSMessage) throws {
        u16(m.header.id)
        u16(m.header.flags)
        for count in [m.questions.count, m.answers.count, m.authority.count, m.additional.count + (m.edns == nil ? 0 : 1)] {
            guard count <= 0xFFFF else { throw DNSCodecError("section of \(count) entries") }
            u16(UInt16(count))
        }
        for q in m.questions {
            try name(q.name)
            u16(q.type.rawValue)
            u16(q.qClass)
        }
        for r in m.answers { try record(r) }
        for r in m.authority { try record(r) }
        for r in m.additional { try record(r) }
        if let e = m.edns {
            u8(0)  // root owner
            u16(DNSType.opt.rawValue)
            u16(e.udpPayloadSize)
            u32(e.ttlField)
            try withLength {
                for o in e.options {
                    guard o.data.count <= 0xFFFF else { throw DNSCodecError("EDNS option \(o.code) too long") }
                    $0.u16(o.code)
                    $0.u16(UInt16(o.data.count))
                    $0.bytes.append(contentsOf: o.data)
                }
            }
        }
    }

    /// Writes a 16-bit length, then the body, then patches the length in.
    private mutating func withLength(_ body: (inout DNSWriter) throws -> Void) throws {
        let at = bytes.count
        u16(0)
        try body(&self)
        let len = bytes.count - at - 2
        guard len <= 0xFFFF else { throw DNSCodecError("record data of \(len) bytes") }
        bytes[at] = UInt8(len >> 8)
        bytes[at + 1] = UInt8(len & 0xFF)
    }

    mutating func record(_ r: DNSRecord) throws {
        try name(r.name)
        u16(r.type.rawValue)
        u16(r.rrClass)
        u32(r.ttl)
        try withLength { w in
            switch r.data {
            case .a(let b):
                guard b.count == 4 else { throw DNSCodecError("A record for \(r.name) with \(b.count) bytes") }
                w.bytes.append(contentsOf: b)
            case .aaaa(let b):
                guard b.count == 16 else { throw DNSCodecError("AAAA record for \(r.name) with \(b.count) bytes") }
                w.bytes.append(contentsOf: b)
            case .cname(let n), .ns(let n), .ptr(let n):
                try w.name(n)
            case .mx(let pref, let x):
                w.u16(pref)
                try w.name(x)
            case .txt(let strings):
                for s in strings {
                    let b = Array(s.utf8)
                    guard b.count <= 255 else { throw DNSCodecError("TXT string for \(r.name) longer than 255 bytes") }
                    w.u8(UInt8(b.count))
                    w.bytes.append(contentsOf: b)
                }
            case .srv(let priority, let weight, let port, let target):
                w.u16(priority)
                w.u16(weight)
                w.u16(port)
                try w.name(target, compress: false)  // RFC 2782: the target is not compressed
            case .soa(let mname, let rname, let serial, let refresh, let retry, let expire, let minimum):
                try w.name(mname)
                try w.name(rname)
                for v in [serial, refresh, retry, expire, minimum] { w.u32(v) }
            case .unknown(_, let d):
                w.bytes.append(contentsOf: d)
            }
        }
    }
}
