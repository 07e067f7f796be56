import XCTest
import KubeAPI
import KubeClient
import KubeClientTesting
@testable import ClusterDNS

/// The server's message handling (FORMERR, NOTIMP, BADVERS, EDNS, truncation, the forwarding off switch)
/// through `respond(to:)`, with the informers running on a MemoryClient. No traffic leaves loopback.
final class ClusterDNSServerTests: XCTestCase {
    typealias F = ClusterDNSFixtures

    static func bigService(_ client: MemoryClient, name: String = "big", count: Int = 60) {
        client.seed(.services, F.service(name, clusterIP: "None", ports: [F.PortSpec(name: "web", port: 80)]))
        client.seed(.endpointSlices, F.slice("\(name)-1", service: name,
                                             endpoints: (1...count).map { F.EndpointSpec(ip: "10.244.1.\($0)") },
                                             ports: [F.PortSpec(name: "web", port: 8080)]))
    }

    /// Runs a server (port 0 on 127.0.0.1, forwarding off unless `config` says otherwise) for `body`.
    static func withServer(_ client: MemoryClient, _ config: DNSConfig? = nil,
                           _ body: (ClusterDNSServer, Int) async throws -> Void) async throws {
        let server = ClusterDNSServer(client: client, config: config ?? DNSConfig(listenAddresses: ["127.0.0.1"], port: 0, forwardUpstream: false))
        let task = Task { try await server.run() }
        defer { task.cancel() }
        let port = await server.waitUntilListening()
        try await body(server, port)
        task.cancel()
        _ = await task.result
    }

    func query(_ server: ClusterDNSServer, _ m: DNSMessage, overTCP: Bool = false) async throws -> DNSMessage {
        let reply = await server.respond(to: try m.encoded(), overTCP: overTCP)
        return try DNSMessage(decoding: try XCTUnwrap(reply))
    }

    func testAnswersCarryTheQueryIDFlagsAndEDNS() async throws {
        let client = MemoryClient()
        client.seed(.services, F.service("my-nginx", clusterIP: "10.96.0.50", ports: [F.PortSpec(name: "http", port: 80)]))
        try await Self.withServer(client) { server, _ in
            var q = DNSMessage.query(id: 0xBEEF, name: "my-nginx.default.svc.cluster.local", type: .a,
                                     edns: EDNS(udpPayloadSize: 4096, dnssecOK: true))
            q.header.checkingDisabled = true
            let r = try await query(server, q)
            XCTAssertEqual(r.header.id, 0xBEEF)
            XCTAssertTrue(r.header.isResponse)
            XCTAssertTrue(r.header.authoritative)
            XCTAssertTrue(r.header.recursionDesired)
            XCTAssertTrue(r.header.recursionAvailable)
            XCTAssertTrue(r.header.checkingDisabled)
            XCTAssertEqual(r.questions, q.questions)
            XCTAssertEqual(r.answers.map(\.description), ["my-nginx.default.svc.cluster.local. 5 IN A 10.96.0.50"])
            XCTAssertEqual(r.edns?.udpPayloadSize, 4096)
            XCTAssertEqual(r.edns?.dnssecOK, true)

            let small = try await query(server, .query(id: 1, name: "my-nginx.default.svc.cluster.local", type: .a, edns: EDNS(udpPayloadSize: 100)))
            XCTAssertEqual(small.edns?.udpPayloadSize, 512, "sizes below 512 count as 512 (RFC 6891 §6.2.3)")
            let plain = try await query(server, .query(id: 2, name: "my-nginx.default.svc.cluster.local", type: .a))
            XCTAssertNil(plain.edns, "no OPT in the answer to a query without one")
        }
    }

    func testProtocolErrors() async throws {
        try await Self.withServer(MemoryClient()) { server, _ in
            // A header followed by a self-pointing name: FORMERR with the ID kept.
            let garbage: [UInt8] = [0xAB, 0xCD, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1]
            let formerrBytes = await server.respond(to: garbage)
            let formerr = try DNSMessage(decoding: try XCTUnwrap(formerrBytes))
            XCTAssertEqual(formerr.header.id, 0xABCD)
            XCTAssertEqual(formerr.rcode, .formatError)
            // No reply at all to a fragment or to a response.
            let fragment = await server.respond(to: [1, 2, 3])
            XCTAssertNil(fragment)
            var response = DNSMessage.query(id: 3, name: "x.cluster.local", type: .a)
            response.header.isResponse = true
            let ignored = await server.respond(to: try response.encoded())
            XCTAssertNil(ignored)
            // Two questions, or none: FORMERR.
            var two = DNSMessage.query(id: 4, name: "a.cluster.local", type: .a)
            two.questions.append(DNSQuestion(name: "b.cluster.local", type: .a))
            let twoReply = try await query(server, two)
            XCTAssertEqual(twoReply.rcode, .formatError)
            // Opcode STATUS: NOTIMP.
            var status = DNSMessage.query(id: 5, name: "cluster.local", type: .soa)
            status.header.opcode = 2
            let statusReply = try await query(server, status)
            XCTAssertEqual(statusReply.rcode, .notImplemented)
            // EDNS version 1: BADVERS, which needs the OPT record to carry it.
            let v1 = try await query(server, .query(id: 6, name: "cluster.local", type: .soa, edns: EDNS(udpPayloadSize: 1232, version: 1)))
            XCTAssertEqual(v1.rcode, .badVersion)
            XCTAssertEqual(v1.edns?.version, 0)
        }
    }

    func testForwardingOffRefusesOtherNames() async throws {
        try await Self.withServer(MemoryClient()) { server, _ in
            let r = try await query(server, .query(id: 7, name: "www.example.com", type: .a))
            XCTAssertEqual(r.rcode, .refused)
            XCTAssertFalse(r.header.authoritative)
            let ptr = try await query(server, .query(id: 8, name: "8.8.8.8.in-addr.arpa", type: .ptr))
            XCTAssertEqual(ptr.rcode, .nameError)
            XCTAssertEqual(ptr.authority.first?.type, .soa)
            XCTAssertEqual(server.stats.forwarded, 0)
        }
    }

    func testBigAnswersTruncateOverUDPOnly() async throws {
        let client = MemoryClient()
        Self.bigService(client)
        try await Self.withServer(client) { server, _ in
            let name: DNSName = "big.default.svc.cluster.local"
            let udp = try await query(server, .query(id: 9, name: name, type: .a))
            XCTAssertTrue(udp.header.truncated)
            XCTAssertEqual(udp.answers.count, 29, "as many 16-byte A records as fit in 512 bytes")
            let tcp = try await query(server, .query(id: 10, name: name, type: .a), overTCP: true)
            XCTAssertFalse(tcp.header.truncated)
            XCTAssertEqual(tcp.answers.count, 60)
            let edns = try await query(server, .query(id: 11, name: name, type: .a, edns: EDNS(udpPayloadSize: 4096)))
            XCTAssertFalse(edns.header.truncated)
            XCTAssertEqual(edns.answers.count, 60)
            let srv = try await query(server, .query(id: 12, name: DNSName("_web._tcp.big.default.svc.cluster.local"), type: .srv, edns: EDNS(udpPayloadSize: 1232)))
            XCTAssertTrue(srv.header.truncated)
            XCTAssertEqual(server.stats.truncated, 2)
        }
    }

    func testAnswersFollowInformerChanges() async throws {
        let client = MemoryClient()
        try await Self.withServer(client) { server, _ in
            let q = DNSMessage.query(id: 1, name: "late.default.svc.cluster.local", type: .a)
            let before = try await query(server, q)
            XCTAssertEqual(before.rcode, .nameError)
            client.seed(.services, F.service("late", clusterIP: "10.96.0.77"))
            try await poll("late service resolves") { try await self.query(server, q).answers.count == 1 }
            try await client.delete(.services, namespace: "default", name: "late", options: [:])
            try await poll("deleted service is gone") { try await self.query(server, q).rcode == .nameError }
        }
    }

    func testStatsCountTypesAndRcodes() async throws {
        let client = MemoryClient()
        client.seed(.services, F.service("my-nginx", clusterIP: "10.96.0.50", ports: [F.PortSpec(name: "http", port: 80)]))
        try await Self.withServer(client) { server, _ in
            _ = try await query(server, .query(id: 1, name: "my-nginx.default.svc.cluster.local", type: .a))
            _ = try await query(server, .query(id: 2, name: "nope.default.svc.cluster.local", type: .aaaa))
            _ = try await query(server, .query(id: 3, name: "_http._tcp.my-nginx.default.svc.cluster.local", type: .srv), overTCP: true)
            let s = server.stats
            XCTAssertEqual(s.queriesByType, ["A": 1, "AAAA": 1, "SRV": 1])
            XCTAssertEqual(s.responsesByRcode, ["NOERROR": 2, "NXDOMAIN": 1])
            XCTAssertEqual(s.udpQueries, 2)
            XCTAssertEqual(s.tcpQueries, 1)
            XCTAssertEqual(s.totalQueries, 3)
        }
    }

    func testShuffleKeepsCNAMEFirst() {
        let records = [DNSRecord(name: "a", ttl: 5, data: .cname("b"))] + (0..<20).map { DNSRecord(name: "b", ttl: 5, data: .a([10, 0, 0, UInt8($0)])) }
        let shuffled = QueryEngine.shuffled(records)
        XCTAssertEqual(shuffled.first, records.first)
        XCTAssertEqual(Set(shuffled), Set(records))
    }

    func testResolvConfParsing() {
        let text = """
        # generated
        search example.com
        nameserver 10.255.255.53
        nameserver fe80::1%eth0
        nameserver not-an-ip
        options ndots:2
        """
        XCTAssertEqual(ResolvConf.nameservers(in: text), ["10.255.255.53", "fe80::1"])
        XCTAssertEqual(ResolvConf.hostAndPort("10.0.0.1")?.port, 53)
        XCTAssertEqual(ResolvConf.hostAndPort("127.0.0.1:5353")?.port, 5353)
        XCTAssertEqual(ResolvConf.hostAndPort("[::1]:5353")?.host, "::1")
        XCTAssertEqual(ResolvConf.hostAndPort("fd00::1")?.host, "fd00::1")
        XCTAssertNil(ResolvConf.hostAndPort("example.com:53"))
    }

    func testOwnListenAddressIsNeverAnUpstream() {
        let config = DNSConfig(listenAddresses: ["127.0.0.1"], port: 53, upstreamServers: ["127.0.0.1", "127.0.0.1:5353", "10.0.0.2"])
        XCTAssertEqual(ClusterDNSServer.upstreams(config, logger: .init(label: "test")).map(\.description),
                       ["[IPv4]127.0.0.1:5353", "[IPv4]10.0.0.2:53"])
    }
}

/// Polls `condition` until it holds or 5 s pass (no fixed sleeps).
func poll(_ what: String, timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    XCTFail("timed out waiting until \(what)")
}
