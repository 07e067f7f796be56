import Foundation
import XCTest
import KubeAPI
import KubeClient
import KubeClientTesting
@testable import ClusterDNS

/// Cluster DNS on real sockets (127.0.0.1, a free port), asked by Debian's dig. Forwarding stays off except
/// where a second cluster DNS on 127.0.0.1 plays the upstream, so nothing leaves loopback.
final class ClusterDNSDigTests: XCTestCase {
    typealias F = ClusterDNSFixtures

    /// Runs dig with a short timeout and one try, off Swift's cooperative threads.
    func dig(_ port: Int, _ args: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<String, Error>) in
            DispatchQueue.global().async {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/usr/bin/dig")
                p.arguments = ["@127.0.0.1", "-p", String(port), "+time=2", "+tries=1"] + args
                let out = Pipe()
                p.standardOutput = out
                p.standardError = out
                do {
                    try p.run()
                    let data = out.fileHandleForReading.readDataToEndOfFile()
                    p.waitUntilExit()
                    c.resume(returning: String(decoding: data, as: UTF8.self))
                } catch {
                    c.resume(throwing: error)
                }
            }
        }
    }

    func lines(_ s: String) -> [String] { s.split(separator: "\n").map(String.init) }

    func seedTutorialCluster(_ client: MemoryClient) {
        client.seed(.namespaces, F.namespace("default"))
        client.seed(.services, F.service("my-nginx", clusterIP: "10.96.0.50", ports: [F.PortSpec(name: "http", port: 80)]))
        client.seed(.endpointSlices, F.slice("my-nginx-x1", service: "my-nginx",
                                             endpoints: [F.EndpointSpec(ip: "10.244.0.5"), F.EndpointSpec(ip: "10.244.0.6")],
                                             ports: [F.PortSpec(name: "http", port: 80)]))
        ClusterDNSServerTests.bigService(client)
    }

    func testDigAgainstTheLiveServer() async throws {
        let client = MemoryClient()
        seedTutorialCluster(client)
        try await ClusterDNSServerTests.withServer(client) { server, port in
            let a = try await dig(port, ["my-nginx.default.svc.cluster.local", "A", "+short"])
            XCTAssertEqual(lines(a), ["10.96.0.50"], a)

            let srv = try await dig(port, ["_http._tcp.my-nginx.default.svc.cluster.local", "SRV", "+short"])
            XCTAssertEqual(lines(srv), ["0 100 80 my-nginx.default.svc.cluster.local."], srv)

            let ptr = try await dig(port, ["-x", "10.96.0.50", "+short"])
            XCTAssertEqual(lines(ptr), ["my-nginx.default.svc.cluster.local."], ptr)
            let endpointPTR = try await dig(port, ["-x", "10.244.0.6", "+short"])
            XCTAssertEqual(lines(endpointPTR), ["10-244-0-6.my-nginx.default.svc.cluster.local."], endpointPTR)

            let tcp = try await dig(port, ["+tcp", "My-Nginx.Default.Svc.Cluster.Local", "A"])
            XCTAssertTrue(tcp.contains("status: NOERROR"), tcp)
            XCTAssertTrue(tcp.contains("flags: qr aa rd ra;"), tcp)
            XCTAssertTrue(tcp.contains("My-Nginx.Default.Svc.Cluster.Local. 5 IN A\t10.96.0.50"), tcp)
            XCTAssertTrue(tcp.contains("(TCP)"), tcp)

            let txt = try await dig(port, ["dns-version.cluster.local", "TXT", "+short"])
            XCTAssertEqual(lines(txt), ["\"1.1.0\""], txt)

            let pod = try await dig(port, ["10-244-0-5.default.pod.cluster.local", "+short"])
            XCTAssertEqual(lines(pod), ["10.244.0.5"], pod)
        }
    }

    func testNXDomainAndNoDataAsDigShowsThem() async throws {
        let client = MemoryClient()
        seedTutorialCluster(client)
        try await ClusterDNSServerTests.withServer(client) { server, port in
            let nx = try await dig(port, ["missing.default.svc.cluster.local", "A"])
            XCTAssertTrue(nx.contains("status: NXDOMAIN"), nx)
            XCTAssertTrue(nx.contains("ANSWER: 0, AUTHORITY: 1"), nx)
            XCTAssertTrue(nx.contains("cluster.local.\t\t5\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local."), nx)

            let nodata = try await dig(port, ["my-nginx.default.svc.cluster.local", "AAAA"])
            XCTAssertTrue(nodata.contains("status: NOERROR"), nodata)
            XCTAssertTrue(nodata.contains("ANSWER: 0, AUTHORITY: 1"), nodata)

            let refused = try await dig(port, ["www.example.com", "A"])
            XCTAssertTrue(refused.contains("status: REFUSED"), refused)
            XCTAssertEqual(server.stats.forwarded, 0)
        }
    }

    func testBigAnswerTruncatesOverUDPAndWorksOverTCP() async throws {
        let client = MemoryClient()
        seedTutorialCluster(client)
        try await ClusterDNSServerTests.withServer(client) { server, port in
            // Plain DNS (no EDNS): 512 bytes, so 60 A records do not fit; +ignore shows the truncated reply.
            let udp = try await dig(port, ["+noedns", "+ignore", "big.default.svc.cluster.local", "A"])
            XCTAssertTrue(udp.contains("flags: qr aa tc rd ra;"), udp)
            XCTAssertTrue(udp.contains("ANSWER: 29,"), udp)

            let tcp = try await dig(port, ["+tcp", "big.default.svc.cluster.local", "A", "+short"])
            XCTAssertEqual(Set(lines(tcp)), Set((1...60).map { "10.244.1.\($0)" }), tcp)

            // dig's default EDNS size (1232) holds the 60 A records but not 60 SRV records: dig sees TC and
            // retries over TCP by itself.
            let srv = try await dig(port, ["_web._tcp.big.default.svc.cluster.local", "SRV"])
            XCTAssertTrue(srv.contains("Truncated, retrying in TCP mode"), srv)
            XCTAssertTrue(srv.contains("ANSWER: 60,"), srv)
            XCTAssertTrue(srv.contains("(TCP)"), srv)
            XCTAssertGreaterThanOrEqual(server.stats.truncated, 2)
            XCTAssertGreaterThanOrEqual(server.stats.tcpQueries, 2)
        }
    }

    func testForwardingToALoopbackUpstream() async throws {
        // The upstream: a cluster DNS for cluster.local with forwarding off.
        let upstreamClient = MemoryClient()
        seedTutorialCluster(upstreamClient)
        try await ClusterDNSServerTests.withServer(upstreamClient) { _, upstreamPort in
            // The server under test: zone a.internal, forwarding to that upstream only.
            let client = MemoryClient()
            client.seed(.services, F.service("ext", type: "ExternalName", externalName: "my-nginx.default.svc.cluster.local"))
            let config = DNSConfig(listenAddresses: ["127.0.0.1"], port: 0, clusterDomain: "a.internal",
                                   forwardUpstream: true, upstreamServers: ["127.0.0.1:\(upstreamPort)"])
            try await ClusterDNSServerTests.withServer(client, config) { server, port in
                let fwd = try await dig(port, ["my-nginx.default.svc.cluster.local", "+short"])
                XCTAssertEqual(lines(fwd), ["10.96.0.50"], fwd)
                let fwdTCP = try await dig(port, ["+tcp", "big.default.svc.cluster.local", "+short"])
                XCTAssertEqual(lines(fwdTCP).count, 60, fwdTCP)
                let nx = try await dig(port, ["missing.default.svc.cluster.local"])
                XCTAssertTrue(nx.contains("status: NXDOMAIN"), nx)
                // An ExternalName leading out of the zone is completed from upstream.
                let cname = try await dig(port, ["ext.default.svc.a.internal", "+short"])
                XCTAssertEqual(lines(cname), ["my-nginx.default.svc.cluster.local.", "10.96.0.50"], cname)
                XCTAssertEqual(server.stats.forwarded, 4)
                XCTAssertEqual(server.stats.forwardFailures, 0)
            }
        }
    }

    func testDeadUpstreamGivesServfail() async throws {
        // A loopback port nobody listens on: the forwarder times out and the client gets SERVFAIL.
        let config = DNSConfig(listenAddresses: ["127.0.0.1"], port: 0, forwardUpstream: true,
                               upstreamServers: ["127.0.0.1:9"], upstreamTimeout: .milliseconds(300))
        try await ClusterDNSServerTests.withServer(MemoryClient(), config) { server, port in
            let out = try await dig(port, ["www.example.com"])
            XCTAssertTrue(out.contains("status: SERVFAIL"), out)
            XCTAssertEqual(server.stats.forwardFailures, 1)
        }
    }

    func testCancellationStopsTheServerAndFreesThePort() async throws {
        let server = ClusterDNSServer(client: MemoryClient(), config: DNSConfig(listenAddresses: ["127.0.0.1"], port: 0, forwardUpstream: false))
        let task = Task { try await server.run() }
        let port = await server.waitUntilListening()
        task.cancel()
        _ = await task.result
        // The same port can be taken again over UDP and TCP.
        let again = ClusterDNSServer(client: MemoryClient(), config: DNSConfig(listenAddresses: ["127.0.0.1"], port: port, forwardUpstream: false))
        let second = Task { try await again.run() }
        defer { second.cancel() }
        let samePort = await again.waitUntilListening()
        XCTAssertEqual(samePort, port)
        let out = try await dig(port, ["+tcp", "dns-version.cluster.local", "TXT", "+short"])
        XCTAssertEqual(lines(out), ["\"1.1.0\""])
    }
}
