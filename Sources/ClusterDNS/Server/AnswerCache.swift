import Synchronization

/// A plain query read straight from its wire bytes, without decoding the message: what the answer cache is keyed
/// by and what a cached reply is made to fit. Only the common shape qualifies (one uncompressed question of
/// letters, digits, '-' and '_', at most an OPT record of version 0, nothing after it); anything else is left
/// to the decoder, which also owns every error reply.
struct WireQuestion: Equatable {
    /// The lower-cased name, type and class, then what else changes the reply's bytes: whether the query has
    /// EDNS, its DO bit and the payload size we answer with (which is also the truncation limit), and TCP.
    let key: Key
    /// The question's name as it arrived (case preserved): a cached reply gets it in place of its own.
    let name: ArraySlice<UInt8>
    let id: UInt16
    /// RD and CD as the query sets them, in the header's flags word: the reply echoes them.
    let echoedFlags: UInt16
    /// The name is already lower case (see AnswerCache.store for why that matters).
    let isLowerCase: Bool
    /// The question type, for the query counters.
    let type: DNSType

    /// The header flag bits a reply copies from its query.
    static let echoedFlagBits: UInt16 = 0x0100 | 0x0010  // RD, CD

    /// nil when the packet is not a plain query of the shape above.
    init?(_ p: [UInt8], overTCP: Bool, maxUDPPayload: Int) {
        guard p.count >= 12 else { return nil }
        func u16(_ at: Int) -> Int { Int(p[at]) << 8 | Int(p[at + 1]) }
        let flags = UInt16(u16(2))
        // QR clear and opcode QUERY; one question, no answer or authority records, at most the OPT.
        guard flags & 0xF800 == 0, u16(4) == 1, u16(6) == 0, u16(8) == 0, u16(10) <= 1 else { return nil }

        var key: [UInt8] = []
        key.reserveCapacity(p.count - 12 + 3)
        var at = 12
        var lowerCase = true
        while true {
            guard at < p.count else { return nil }
            let length = Int(p[at])
            if length == 0 { break }
            // Pointers and label types other than plain ones go to the decoder, as do names over 255 bytes.
            guard length <= 63, at + 1 + length < p.count, at + 1 + length - 12 < 255 else { return nil }
            key.append(p[at])
            for byte in p[at + 1...at + length] {
                guard let lower = Self.lowered(byte) else { return nil }
                if lower != byte { lowerCase = false }
                key.append(lower)
            }
            at += 1 + length
        }
        key.append(0)
        let nameEnd = at + 1
        guard nameEnd + 4 <= p.count else { return nil }
        key.append(contentsOf: p[nameEnd..<nameEnd + 4])  // type, class
        at = nameEnd + 4

        // 0: no EDNS; otherwise 1, plus 2 for DO; then the payload size answered with (0 without EDNS).
        var edns: UInt8 = 0
        var payload = 0
        if u16(10) == 1 {
            // The OPT record: root owner, type 41, the requester's size, extended rcode, version 0, flags, options.
            guard at + 11 <= p.count, p[at] == 0, u16(at + 1) == Int(DNSType.opt.rawValue), p[at + 6] == 0 else { return nil }
            edns = 1 | (p[at + 7] & 0x80 != 0 ? 2 : 0)
            payload = min(maxUDPPayload, max(512, u16(at + 3)))
            let end = at + 11 + u16(at + 9)
            guard end <= p.count else { return nil }
            at += 11
            // The options are not echoed, but they must be well formed as the decoder wants them.
            while at < end {
                guard at + 4 <= end, at + 4 + u16(at + 2) <= end else { return nil }
                at += 4 + u16(at + 2)
            }
            guard at == end else { return nil }
        }
        guard at == p.count else { return nil }
        key.append(edns | (overTCP ? 4 : 0))
        key.append(UInt8(payload >> 8))
        key.append(UInt8(payload & 0xFF))

        self.key = Key(bytes: key)
        name = p[12..<nameEnd]
        id = UInt16(u16(0))
        echoedFlags = flags & Self.echoedFlagBits
        isLowerCase = lowerCase
        type = DNSType(UInt16(u16(nameEnd)))
    }

    /// Wire bytes as a dictionary key, hashed in one go (an array of bytes is hashed byte by byte, which was
    /// most of a cache lookup).
    struct Key: Hashable {
        var bytes: [UInt8]

        func hash(into hasher: inout Hasher) {
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    /// The byte in lower case, or nil for a byte outside the characters this reader takes (letters, digits, '-',
    /// '_'), whose text the decoder and encoder might not carry through byte for byte.
    static func lowered(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return b | 0x20
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"): return b
        default: return nil
        }
    }
}

/// Finished replies to the cluster's names, so a repeated question skips decoding, resolving and encoding: the
/// cached bytes get the query's ID, its RD and CD bits and its spelling of the name, nothing else varies. The
/// engine only stores replies that are the same for every such query (no addresses to shuffle, nothing from
/// upstream). Every reply belongs to one snapshot generation: a query seeing a newer one drops them all.
final class AnswerCache: Sendable {
    struct Entry {
        var reply: [UInt8]
        /// For the counters a hit still feeds: the question type's and the rcode's names, TC.
        var typeName: String
        var rcodeName: String
        var truncated: Bool
    }

    private struct State {
        var generation: UInt64 = 0
        var entries: [WireQuestion.Key: Entry] = [:]
        var bytes = 0
    }

    /// Keys and replies together stay under this many bytes; one that would not fit empties the cache first
    /// (cheaper than tracking use, and a cluster's names are few: 1000 Services take about 100 kB).
    let capacityBytes: Int
    private let state = Mutex(State())

    init(capacityBytes: Int = 4 << 20) {
        self.capacityBytes = capacityBytes
    }

    var count: Int { state.withLock { $0.entries.count } }
    var bytes: Int { state.withLock { $0.bytes } }

    /// The reply to `q`, ready to send, if one is cached for snapshot `generation`.
    func reply(to q: WireQuestion, generation: UInt64) -> Entry? {
        guard var entry = state.withLock({ s -> Entry? in
            if generation > s.generation { Self.drop(&s, generation: generation) }
            return generation == s.generation ? s.entries[q.key] : nil
        }) else { return nil }
        entry.reply.withUnsafeMutableBufferPointer { r in
            r[0] = UInt8(q.id >> 8)
            r[1] = UInt8(q.id & 0xFF)
            r[2] |= UInt8(q.echoedFlags >> 8)
            r[3] |= UInt8(q.echoedFlags & 0xFF)
            for (i, byte) in q.name.enumerated() { r[12 + i] = byte }
        }
        return entry
    }

    /// Keeps `reply`, the answer to `q` under snapshot `generation`. Only replies to names already in lower case
    /// are kept: the reply's other names may be compressed into the question's, so a hit in another spelling
    /// reads them in that spelling too; filled from lower case, a hit is always the lower-case reply with the
    /// question's spelling copied in, whoever asked first.
    func store(_ reply: [UInt8], for q: WireQuestion, generation: UInt64, rcodeName: String, truncated: Bool) {
        // The reply must start with the question as asked, or the name could not be patched in.
        guard q.isLowerCase, reply.count >= 12 + q.name.count, reply[12..<12 + q.name.count].elementsEqual(q.name) else { return }
        var entry = Entry(reply: reply, typeName: q.type.description, rcodeName: rcodeName, truncated: truncated)
        entry.reply[2] &= ~UInt8(WireQuestion.echoedFlagBits >> 8)
        entry.reply[3] &= ~UInt8(WireQuestion.echoedFlagBits & 0xFF)
        let size = q.key.bytes.count + reply.count
        guard size <= capacityBytes else { return }
        state.withLock { s in
            // An answer from an older snapshot than the one already seen is stale.
            guard generation >= s.generation else { return }
            if generation > s.generation || s.bytes + size > capacityBytes { Self.drop(&s, generation: generation) }
            if let old = s.entries.updateValue(entry, forKey: q.key) { s.bytes -= q.key.bytes.count + old.reply.count }
            s.bytes += size
        }
    }

    private static func drop(_ s: inout State, generation: UInt64) {
        s.entries.removeAll(keepingCapacity: true)
        s.bytes = 0
        s.generation = generation
    }
}
