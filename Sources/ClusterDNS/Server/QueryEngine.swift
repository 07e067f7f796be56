import Logging
import Synchronization

/// Turns one query packet into one reply packet: decoding, the checks every DNS server makes (FORMERR,
/// NOTIMP, BADVERS), the cluster resolver or the upstream forwarder, EDNS and truncation; repeated questions
/// about cluster names are answered from the answer cache. Both transports share it; it has no sockets of its own.
final class QueryEngine: Sendable {
    let config: DNSConfig
    let snapshots: SnapshotCache
    let answers: AnswerCache
    let forwarder: UpstreamForwarder?
    let stats: StatsRecorder
    let logger: Logger

    /// Largest UDP payload we will send whatever the client advertises (DNS flag day 2020 recommends 1232;
    /// 4096 is the common ceiling).
    static let maxUDPPayload = 4096
    /// UDP queries being answered at once; beyond this new ones are dropped (see admit()).
    static let maxInFlight = 1024
    private let inFlight = Atomic<Int>(0)

    init(config: DNSConfig, snapshots: SnapshotCache, answers: AnswerCache = AnswerCache(), forwarder: UpstreamForwarder?,
         stats: StatsRecorder, logger: Logger) {
        self.config = config
        self.snapshots = snapshots
        self.answers = answers
        self.forwarder = forwarder
        self.stats = stats
        self.logger = logger
    }

    /// Takes a slot for one more concurrent query, or says no when all are taken.
    func admit() -> Bool {
        if inFlight.add(1, ordering: .relaxed).newValue <= Self.maxInFlight { return true }
        inFlight.subtract(1, ordering: .relaxed)
        return false
    }

    func release() { inFlight.subtract(1, ordering: .relaxed) }

    /// What answering a packet takes: nothing more (the reply, or nil when the packet deserves none), or a trip to
    /// the upstream servers.
    enum Step {
        case reply([UInt8]?)
        case upstream(UpstreamWork)
    }

    /// A query that the cluster's names do not settle, with the reply built so far.
    struct UpstreamWork {
        enum Kind {
            /// Not a cluster name: the upstream's answer goes back as it is.
            case forward(question: DNSQuestion)
            /// An ExternalName pointing outside the cluster: the CNAME is completed from upstream.
            case chase(DNSQuestion)
        }
        var kind: Kind
        var packet: [UInt8]
        var reply: DNSMessage
        var limit: Int
        var overTCP: Bool
    }

    /// The reply to send, or nil when the packet deserves none (not a query, or not even a header).
    func respond(to packet: [UInt8], overTCP: Bool) async -> [UInt8]? {
        switch answerLocally(packet, overTCP: overTCP) {
        case .reply(let bytes): return bytes
        case .upstream(let work): return await complete(work)
        }
    }

    /// Everything that needs no upstream, done at once on the caller's thread: decoding, the checks, the cluster
    /// resolver. The listeners answer cluster names this way on the event loop, with no task and no thread hop
    /// per query (those hops were most of the cost of a query).
    func answerLocally(_ packet: [UInt8], overTCP: Bool) -> Step {
        let wire = WireQuestion(packet, overTCP: overTCP, maxUDPPayload: Self.maxUDPPayload)
        if let wire, let hit = answers.reply(to: wire, generation: snapshots.generation) {
            stats.countQuery(type: hit.typeName, overTCP: overTCP)
            stats.countResponse(rcode: hit.rcodeName, truncated: hit.truncated)
            return .reply(hit.reply)
        }

        let query: DNSMessage
        do {
            query = try DNSMessage(decoding: packet)
        } catch {
            guard let header = DNSMessage.peekHeader(packet), !header.isResponse else { return .reply(nil) }
            count(type: nil, overTCP: overTCP)
            var reply = DNSMessage(header: Self.replyHeader(header))
            reply.rcode = .formatError
            return .reply(finish(reply, limit: 512, overTCP: overTCP))
        }
        guard !query.header.isResponse else { return .reply(nil) }
        count(type: query.questions.first?.type, overTCP: overTCP)

        var reply = DNSMessage(header: Self.replyHeader(query.header), questions: query.questions)
        if let e = query.edns {
            reply.edns = EDNS(udpPayloadSize: UInt16(min(Self.maxUDPPayload, max(512, Int(e.udpPayloadSize)))), dnssecOK: e.dnssecOK)
        }
        let limit = overTCP ? 65535 : min(Self.maxUDPPayload, max(512, Int(query.edns?.udpPayloadSize ?? 512)))

        guard query.header.opcode == DNSOpcode.query else {
            reply.rcode = .notImplemented
            return .reply(finish(reply, limit: limit, overTCP: overTCP))
        }
        guard query.questions.count == 1, let question = query.questions.first else {
            reply.rcode = .formatError
            return .reply(finish(reply, limit: limit, overTCP: overTCP))
        }
        if let e = query.edns, e.version > 0 {
            reply.rcode = .badVersion  // RFC 6891 §6.1.3
            return .reply(finish(reply, limit: limit, overTCP: overTCP))
        }

        let answer: ResolverAnswer
        // Read before resolving: the cached reply must belong to the snapshot it was resolved from.
        let (resolver, generation) = snapshots.currentWithGeneration
        var fromCluster = false
        switch resolver.resolve(question) {
        case .answer(let a):
            answer = a
            fromCluster = true
        case .upstream(let fallback):
            guard config.forwardUpstream, forwarder != nil else {
                answer = fallback
                break
            }
            return .upstream(UpstreamWork(kind: .forward(question: question), packet: packet, reply: reply, limit: limit, overTCP: overTCP))
        }

        reply.rcode = answer.rcode
        reply.header.authoritative = answer.authoritative
        reply.answers = config.shuffleAddresses ? Self.shuffled(answer.answers) : answer.answers
        reply.authority = answer.authority
        reply.additional = answer.additional
        if let chase = answer.chase, config.forwardUpstream, forwarder != nil {
            return .upstream(UpstreamWork(kind: .chase(chase), packet: packet, reply: reply, limit: limit, overTCP: overTCP))
        }
        guard let wire, fromCluster, Self.isSameForEveryQuery(answer, shuffling: config.shuffleAddresses) else {
            return .reply(finish(reply, limit: limit, overTCP: overTCP))
        }
        guard let (bytes, truncated) = encodedAndCounted(reply, limit: limit) else { return .reply(serverFailure(reply)) }
        answers.store(bytes, for: wire, generation: generation, rcodeName: String(describing: reply.rcode), truncated: truncated)
        return .reply(bytes)
    }

    /// Whether the cluster's answer comes out the same for every query, so its reply may be cached: not when
    /// addresses are shuffled per query, and not an ExternalName leading out of the cluster (whatever has to do
    /// with the upstream is never cached).
    static func isSameForEveryQuery(_ answer: ResolverAnswer, shuffling: Bool) -> Bool {
        guard answer.chase == nil else { return false }
        return !shuffling || answer.answers.filter { $0.type == .a || $0.type == .aaaa }.count < 2
    }

    /// The upstream part of a query that `answerLocally` could not settle.
    func complete(_ work: UpstreamWork) async -> [UInt8]? {
        guard let forwarder else { return nil }
        var reply = work.reply
        stats.update { $0.forwarded += 1 }
        switch work.kind {
        case .forward(let question):
            do {
                let upstream = try await forwarder.forward(work.packet, overTCP: work.overTCP)
                return fitForwarded(upstream, limit: work.limit, overTCP: work.overTCP)
            } catch {
                logger.debug("forwarding \(question.name) \(question.type) failed: \(error)")
                stats.update { $0.forwardFailures += 1 }
                reply.rcode = .serverFailure
                return finish(reply, limit: work.limit, overTCP: work.overTCP)
            }
        case .chase(let chase):
            // As CoreDNS does: the CNAME stays, the addresses it leads to come from upstream.
            if let records = try? await forwarder.lookup(chase) {
                reply.answers += records
            } else {
                stats.update { $0.forwardFailures += 1 }
            }
            return finish(reply, limit: work.limit, overTCP: work.overTCP)
        }
    }

    /// The reply header: the query's ID, opcode, RD and CD; RA set since names outside the cluster are
    /// resolved for the client.
    static func replyHeader(_ q: DNSHeader) -> DNSHeader {
        var h = DNSHeader(id: q.id)
        h.isResponse = true
        h.opcode = q.opcode
        h.recursionDesired = q.recursionDesired
        h.checkingDisabled = q.checkingDisabled
        h.recursionAvailable = true
        return h
    }

    /// Address records in random order (the loadbalance plugin's round robin); the rest keep their place,
    /// so a CNAME still comes before the addresses it leads to.
    static func shuffled(_ records: [DNSRecord]) -> [DNSRecord] {
        let addressIndices = records.indices.filter { records[$0].type == .a || records[$0].type == .aaaa }
        guard addressIndices.count > 1 else { return records }
        var out = records
        for (slot, record) in zip(addressIndices, addressIndices.map { records[$0] }.shuffled()) { out[slot] = record }
        return out
    }

    private func count(type: DNSType?, overTCP: Bool) {
        stats.countQuery(type: type.map { String(describing: $0) } ?? "none", overTCP: overTCP)
    }

    private func finish(_ reply: DNSMessage, limit: Int, overTCP: Bool) -> [UInt8]? {
        encodedAndCounted(reply, limit: limit)?.bytes ?? serverFailure(reply)
    }

    /// The reply's bytes, counted by rcode; nil when it cannot be encoded.
    private func encodedAndCounted(_ reply: DNSMessage, limit: Int) -> (bytes: [UInt8], truncated: Bool)? {
        do {
            let (bytes, truncated) = try reply.encoded(limit: limit)
            stats.countResponse(rcode: String(describing: reply.rcode), truncated: truncated)
            return (bytes, truncated)
        } catch {
            // Only a name from the cluster's objects that breaks DNS limits gets here; say so and fail the query.
            logger.warning("encoding the answer to \(reply.questions.first?.name.description ?? "?") failed: \(error)")
            return nil
        }
    }

    /// SERVFAIL to a query whose answer cannot be encoded.
    private func serverFailure(_ reply: DNSMessage) -> [UInt8]? {
        var failed = DNSMessage(header: reply.header, questions: reply.questions, edns: reply.edns)
        failed.rcode = .serverFailure
        stats.countResponse(rcode: "SERVFAIL")
        return try? failed.encoded()
    }

    /// Passes an upstream reply through; one too big for the client's UDP size is cut down like our own.
    private func fitForwarded(_ bytes: [UInt8], limit: Int, overTCP: Bool) -> [UInt8]? {
        guard let reply = try? DNSMessage(decoding: bytes) else {
            // Not ours to judge: pass it on if it fits, counted by the rcode in its header.
            if let header = DNSMessage.peekHeader(bytes) {
                stats.countResponse(rcode: String(describing: DNSRCode(UInt16(header.rcodeLow))))
            }
            return bytes.count <= limit ? bytes : nil
        }
        if bytes.count <= limit {
            stats.countResponse(rcode: String(describing: reply.rcode))
            return bytes
        }
        return finish(reply, limit: limit, overTCP: overTCP)
    }
}
