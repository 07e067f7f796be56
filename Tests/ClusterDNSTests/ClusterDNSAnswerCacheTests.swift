import XCTest
import KubeAPI
import Logging
import Synchronization
@testable import ClusterDNS

/// The answer cache and the wire reader that keys it, through the query engine with no sockets: a hit must be
/// the reply the normal path gives, with the query's ID, RD/CD and spelling of the name.
final class ClusterDNSAnswerCacheTests: XCTestCase {
    typealias F = ClusterDNSFixtures

    /// An engine over the fixture cluster plus `extra` Services; forwarding off. `cached: false` gives an engine
    /// whose cache keeps nothing: the normal path to compare hits with.
    final class Harness: Sendable {
        final class Services: Sendable { let list = Mutex<[JSON]>([]) }
        let extra = Services()
        let snapshots: SnapshotCache
        let engine: QueryEngine

        init(shuffle: Bool = true, cached: Bool = true, capacityBytes: Int = 4 << 20) {
            let extra = self.extra
            snapshots = SnapshotCache { serial in
                // A fixed SOA serial: the clock's would differ between two harnesses made a second apart.
                ClusterResolver(snapshot: F.cluster(serial: 42, extraServices: extra.list.withLock { $0 }))
            }
            engine = QueryEngine(config: DNSConfig(listenAddresses: [], forwardUpstream: false, shuffleAddresses: shuffle),
                                 snapshots: snapshots, answers: AnswerCache(capacityBytes: cached ? capacityBytes : 0),
                                 forwarder: nil, stats: StatsRecorder(), logger: Logger(label: "test"))
        }

        func reply(_ packet: [UInt8], overTCP: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws -> [UInt8] {
            guard case .reply(let bytes) = engine.answerLocally(packet, overTCP: overTCP) else {
                XCTFail("the query went upstream", file: file, line: line)
                return []
            }
            return try XCTUnwrap(bytes, file: file, line: line)
        }

        func isCached(_ packet: [UInt8], overTCP: Bool = false) -> Bool {
            guard let q = WireQuestion(packet, overTCP: overTCP, maxUDPPayload: QueryEngine.maxUDPPayload) else { return false }
            return engine.answers.reply(to: q, generation: snapshots.generation) != nil
        }
    }

    static func packet(_ id: UInt16, _ name: String, _ type: DNSType = .a, edns: EDNS? = nil, rd: Bool = true, cd: Bool = false) throws -> [UInt8] {
        var q = DNSMessage.query(id: id, name: DNSName(name), type: type, edns: edns)
        q.header.recursionDesired = rd
        q.header.checkingDisabled = cd
        return try q.encoded()
    }

    static func key(_ packet: [UInt8], overTCP: Bool = false) -> WireQuestion.Key? {
        WireQuestion(packet, overTCP: overTCP, maxUDPPayload: QueryEngine.maxUDPPayload)?.key
    }

    // MARK: - the wire reader

    func testKeyIgnoresIDCaseAndRDButNotWhatChangesTheReply() throws {
        let base = try XCTUnwrap(Self.key(try Self.packet(1, "my-nginx.default.svc.cluster.local")))
        XCTAssertEqual(Self.key(try Self.packet(2, "My-NGINX.Default.svc.cluster.LOCAL", rd: false, cd: true)), base)
        XCTAssertNotEqual(Self.key(try Self.packet(1, "my-nginx.default.svc.cluster.local", .aaaa)), base)
        XCTAssertNotEqual(Self.key(try Self.packet(1, "my-nginx.default.svc.cluster.local"), overTCP: true), base)

        let edns = try XCTUnwrap(Self.key(try Self.packet(1, "my-nginx.default.svc.cluster.local", edns: EDNS(udpPayloadSize: 1232))))
        XCTAssertNotEqual(edns, base, "an OPT in the query puts one in the reply")
        XCTAssertNotEqual(Self.key(try Self.packet(1, "my-nginx.default.svc.cluster.local", edns: EDNS(udpPayloadSize: 4096))), edns)
        XCTAssertNotEqual(Self.key(try Self.packet(1, "my-nginx.default.svc.cluster.local", edns: EDNS(udpPayloadSize: 1232, dnssecOK: true))), edns)
        // Sizes are keyed as answered: below 512 counts as 512, above our ceiling as the ceiling.
        XCTAssertEqual(Self.key(try Self.packet(1, "x.cluster.local", edns: EDNS(udpPayloadSize: 100))),
                       Self.key(try Self.packet(1, "x.cluster.local", edns: EDNS(udpPayloadSize: 512))))
        XCTAssertEqual(Self.key(try Self.packet(1, "x.cluster.local", edns: EDNS(udpPayloadSize: 65000))),
                       Self.key(try Self.packet(1, "x.cluster.local", edns: EDNS(udpPayloadSize: 4096))))
        // Options are not echoed, so they do not change the key.
        XCTAssertEqual(Self.key(try Self.packet(1, "x.cluster.local", edns: EDNS(udpPayloadSize: 1232, options: [.init(code: 10, data: [1, 2, 3, 4, 5, 6, 7, 8])]))),
                       Self.key(try Self.packet(1, "x.cluster.local", edns: EDNS(udpPayloadSize: 1232))))
    }

    func testOnlyPlainQueriesAreRead() throws {
        let plain = try Self.packet(1, "my-nginx.default.svc.cluster.local")
        XCTAssertNotNil(Self.key(plain))
        XCTAssertNil(Self.key(Array(plain.prefix(11))))
        XCTAssertNil(Self.key(plain + [0]), "trailing bytes")
        var response = plain
        response[2] |= 0x80
        XCTAssertNil(Self.key(response))
        var notify = plain
        notify[2] |= 4 << 3
        XCTAssertNil(Self.key(notify), "opcode NOTIFY")
        var two = DNSMessage.query(id: 1, name: "a.cluster.local", type: .a)
        two.questions.append(DNSQuestion(name: "b.cluster.local", type: .a))
        XCTAssertNil(Self.key(try two.encoded()))
        XCTAssertNil(Self.key(try Self.packet(1, "x.cluster.local", edns: EDNS(udpPayloadSize: 1232, version: 1))), "BADVERS is the decoder's")
        XCTAssertNil(Self.key(try Self.packet(1, "we ird.cluster.local")))
        XCTAssertNil(Self.key(try Self.packet(1, "caf\u{e9}.cluster.local")))
        // A compressed question name (legal, but nobody sends one).
        XCTAssertNil(Self.key([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1]))
        // An OPT whose option runs past its record.
        var badOption = try Self.packet(1, "x.cluster.local", edns: EDNS(udpPayloadSize: 1232, options: [.init(code: 10, data: [1, 2])]))
        badOption[badOption.count - 3] = 9
        XCTAssertNil(Self.key(badOption))
    }

    // MARK: - hits

    func testHitIsTheNormalReplyWithTheQuerysIDFlagsAndSpelling() throws {
        let cached = Harness(), normal = Harness(cached: false)
        _ = try cached.reply(try Self.packet(1, "my-nginx.default.svc.cluster.local"))
        let again = try Self.packet(0xBEEF, "My-Nginx.DEFAULT.svc.Cluster.local", rd: false, cd: true)
        XCTAssertTrue(cached.isCached(again))
        let hit = try cached.reply(again)
        XCTAssertEqual(hit, try normal.reply(again), "byte for byte what the normal path sends")
        let message = try DNSMessage(decoding: hit)
        XCTAssertEqual(message.header.id, 0xBEEF)
        XCTAssertFalse(message.header.recursionDesired)
        XCTAssertTrue(message.header.checkingDisabled)
        XCTAssertEqual(message.questions.first?.name.labels, ["My-Nginx", "DEFAULT", "svc", "Cluster", "local"])
        XCTAssertEqual(message.answers.map(\.description), ["My-Nginx.DEFAULT.svc.Cluster.local. 5 IN A 10.96.0.50"])

        let rdAgain = try Self.packet(7, "my-nginx.default.svc.cluster.local", rd: true)
        XCTAssertEqual(try cached.reply(rdAgain), try normal.reply(rdAgain))
    }

    func testNegativeAnswersAreCached() throws {
        let cached = Harness(), normal = Harness(cached: false)
        for (name, type) in [("nope.default.svc.cluster.local", DNSType.a), ("my-nginx.default.svc.cluster.local", .txt)] {
            let q = try Self.packet(1, name, type)
            let first = try cached.reply(q)
            XCTAssertTrue(cached.isCached(q), "\(name) \(type)")
            XCTAssertEqual(try cached.reply(q), first)
            XCTAssertEqual(first, try normal.reply(q))
        }
        // Another spelling gets its own question back; the rest is the same answer (names compare case-blind).
        let shouting = try Self.packet(2, "NOPE.DEFAULT.SVC.CLUSTER.LOCAL")
        let hit = try DNSMessage(decoding: try cached.reply(shouting))
        XCTAssertEqual(hit.questions.first?.name.labels, ["NOPE", "DEFAULT", "SVC", "CLUSTER", "LOCAL"])
        XCTAssertEqual(hit, try DNSMessage(decoding: try normal.reply(shouting)))
        XCTAssertEqual(hit.rcode, .nameError)
    }

    func testOnlyLowerCaseQuestionsFillTheCache() throws {
        let h = Harness()
        let mixed = try Self.packet(1, "My-Nginx.default.svc.cluster.local")
        _ = try h.reply(mixed)
        XCTAssertFalse(h.isCached(mixed))
        _ = try h.reply(try Self.packet(2, "my-nginx.default.svc.cluster.local"))
        XCTAssertTrue(h.isCached(mixed))
    }

    func testEDNSVariantsAndTransportsAreCachedApart() throws {
        let cached = Harness(), normal = Harness(cached: false)
        let name = "my-nginx.default.svc.cluster.local"
        let variants: [([UInt8], Bool)] = [
            (try Self.packet(1, name), false),
            (try Self.packet(2, name, edns: EDNS(udpPayloadSize: 1232)), false),
            (try Self.packet(3, name, edns: EDNS(udpPayloadSize: 100)), false),
            (try Self.packet(4, name, edns: EDNS(udpPayloadSize: 1232, dnssecOK: true)), false),
            (try Self.packet(5, name, edns: EDNS(udpPayloadSize: 1232)), true),
        ]
        for _ in 0..<2 {
            for (q, tcp) in variants { XCTAssertEqual(try cached.reply(q, overTCP: tcp), try normal.reply(q, overTCP: tcp)) }
        }
        XCTAssertEqual(cached.engine.answers.count, variants.count)
        let plain = try DNSMessage(decoding: try cached.reply(variants[0].0))
        XCTAssertNil(plain.edns)
        let small = try DNSMessage(decoding: try cached.reply(variants[2].0))
        XCTAssertEqual(small.edns?.udpPayloadSize, 512)
        let secure = try DNSMessage(decoding: try cached.reply(variants[3].0))
        XCTAssertEqual(secure.edns?.dnssecOK, true)
    }

    func testHitsAreCountedLikeMisses() throws {
        let cached = Harness(), normal = Harness(cached: false)
        for id in 1...3 {
            for h in [cached, normal] {
                _ = try h.reply(try Self.packet(UInt16(id), "my-nginx.default.svc.cluster.local"))
                _ = try h.reply(try Self.packet(UInt16(id), "nope.default.svc.cluster.local", .aaaa), overTCP: true)
            }
        }
        XCTAssertEqual(cached.engine.stats.snapshot, normal.engine.stats.snapshot)
        XCTAssertEqual(cached.engine.stats.snapshot.queriesByType, ["A": 3, "AAAA": 3])
    }

    // MARK: - invalidation and bounds

    func testSnapshotChangeDropsTheCache() throws {
        let h = Harness()
        let q = try Self.packet(1, "late.default.svc.cluster.local")
        XCTAssertEqual(try DNSMessage(decoding: try h.reply(q)).rcode, .nameError)
        XCTAssertTrue(h.isCached(q))
        h.extra.list.withLock { $0 = [F.service("late", clusterIP: "10.96.0.77")] }
        h.snapshots.invalidate()
        XCTAssertFalse(h.isCached(q))
        XCTAssertEqual(try DNSMessage(decoding: try h.reply(q)).answers.map(\.description), ["late.default.svc.cluster.local. 5 IN A 10.96.0.77"])
        XCTAssertEqual(try DNSMessage(decoding: try h.reply(q)).answers.count, 1)
    }

    func testStaleFillIsNotKept() throws {
        let cache = AnswerCache()
        let q = try XCTUnwrap(WireQuestion(try Self.packet(1, "x.cluster.local"), overTCP: false, maxUDPPayload: 4096))
        let reply = try Self.packet(1, "x.cluster.local")
        XCTAssertNil(cache.reply(to: q, generation: 2))
        cache.store(reply, for: q, generation: 1, rcodeName: "NOERROR", truncated: false)
        XCTAssertEqual(cache.count, 0, "answered from generation 1 while 2 is current")
        cache.store(reply, for: q, generation: 2, rcodeName: "NOERROR", truncated: false)
        XCTAssertNotNil(cache.reply(to: q, generation: 2))
        XCTAssertNil(cache.reply(to: q, generation: 1))
        XCTAssertNil(cache.reply(to: q, generation: 3))
        XCTAssertEqual(cache.count, 0)
    }

    func testSizeIsBounded() throws {
        let h = Harness(capacityBytes: 1000)
        for i in 0..<50 { _ = try h.reply(try Self.packet(UInt16(i), "s\(i).default.svc.cluster.local")) }
        XCTAssertGreaterThan(h.engine.answers.count, 0)
        XCTAssertLessThan(h.engine.answers.count, 50)
        XCTAssertGreaterThan(h.engine.answers.bytes, 0)
        XCTAssertLessThanOrEqual(h.engine.answers.bytes, 1000)
    }

    // MARK: - what is not cached

    func testAnswersThatVaryOrConcernTheUpstreamAreNotCached() throws {
        let h = Harness()
        let uncached: [[UInt8]] = [
            try Self.packet(1, "nginx.default.svc.cluster.local"),              // three addresses, shuffled per query
            try Self.packet(2, "dual.default.svc.cluster.local", .a),          // one address: cached (checked below)
            try Self.packet(3, "external.default.svc.cluster.local"),           // CNAME out of the cluster
            try Self.packet(4, "www.example.com"),                              // not a cluster name (REFUSED, forwarding off)
            try Self.packet(5, "1.2.3.4.in-addr.arpa", .ptr),                   // an address the cluster does not own
            try Self.packet(6, "x.cluster.local", edns: EDNS(udpPayloadSize: 1232, version: 1)),  // BADVERS
        ]
        for q in uncached { _ = try h.reply(q) }
        XCTAssertEqual(uncached.map { h.isCached($0) }, [false, true, false, false, false, false])
        // Shuffled answers keep being shuffled.
        var orders: Set<[String]> = []
        for id in 0..<40 {
            orders.insert(try DNSMessage(decoding: try h.reply(try Self.packet(UInt16(id), "nginx.default.svc.cluster.local"))).answers.map(\.description))
        }
        XCTAssertGreaterThan(orders.count, 1)
    }

    func testSeveralAddressesAreCachedWhenNotShuffled() throws {
        let h = Harness(shuffle: false), normal = Harness(shuffle: false, cached: false)
        let q = try Self.packet(1, "nginx.default.svc.cluster.local")
        XCTAssertEqual(try h.reply(q), try normal.reply(q))
        XCTAssertTrue(h.isCached(q))
        XCTAssertEqual(try h.reply(q), try normal.reply(q))
    }
}
