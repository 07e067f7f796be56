import Foundation
import XCTest
import KubeClientTesting
@testable import ClusterDNS

/// A blocking TCP client on 127.0.0.1 for poking at the server's framing and connection handling.
final class LoopbackTCPClient: Sendable {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { close(fd); throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until `count` bytes arrived; fewer means the server closed the connection (or 3 s passed).
    func read(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while out.count < count {
            let n = recv(fd, &chunk, min(chunk.count, count - out.count), 0)
            if n <= 0 { break }
            out += chunk[0..<n]
        }
        return out
    }

    func readMessage() throws -> DNSMessage? {
        let len = read(2)
        guard len.count == 2 else { return nil }
        return try DNSMessage(decoding: read(Int(len[0]) << 8 | Int(len[1])))
    }

    /// True once the server has closed the connection (recv returns 0).
    func isClosedByPeer() -> Bool {
        var b: UInt8 = 0
        return recv(fd, &b, 1, 0) == 0
    }
}

final class ClusterDNSTCPTests: XCTestCase {
    typealias F = ClusterDNSFixtures

    /// Runs blocking socket work off Swift's cooperative threads.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in DispatchQueue.global().async { c.resume(with: Result { try body() }) } }
    }

    func testPipelinedQueriesOnOneConnectionAndIdleClose() async throws {
        let client = MemoryClient()
        client.seed(.services, F.service("my-nginx", clusterIP: "10.96.0.50", ports: [F.PortSpec(name: "http", port: 80)]))
        let config = DNSConfig(listenAddresses: ["127.0.0.1"], port: 0, forwardUpstream: false, tcpIdleTimeout: .milliseconds(300))
        try await ClusterDNSServerTests.withServer(client, config) { server, port in
            let ids: Set<UInt16> = try await blocking {
                let conn = try LoopbackTCPClient(port: port)
                let a = try DNSMessage.query(id: 101, name: "my-nginx.default.svc.cluster.local", type: .a).encoded()
                let b = try DNSMessage.query(id: 102, name: "_http._tcp.my-nginx.default.svc.cluster.local", type: .srv).encoded()
                // Both queries in one write, the second split across two more: the framing must cope.
                let stream = DNSTCPFraming.frame(a) + DNSTCPFraming.frame(b)
                conn.send(Array(stream.prefix(stream.count - 5)))
                conn.send(Array(stream.suffix(5)))
                var ids: Set<UInt16> = []
                for _ in 0..<2 {
                    let reply = try XCTUnwrap(try conn.readMessage())
                    XCTAssertEqual(reply.answers.count, 1)
                    ids.insert(reply.header.id)
                }
                XCTAssertTrue(conn.isClosedByPeer(), "an idle connection is closed after tcpIdleTimeout")
                return ids
            }
            XCTAssertEqual(ids, [101, 102])
            XCTAssertEqual(server.stats.tcpQueries, 2)
        }
    }

    func testStoppingTheServerClosesOpenConnections() async throws {
        let server = ClusterDNSServer(client: MemoryClient(), config: DNSConfig(listenAddresses: ["127.0.0.1"], port: 0, forwardUpstream: false))
        let task = Task { try await server.run() }
        let port = await server.waitUntilListening()
        let conn = try await blocking { try LoopbackTCPClient(port: port) }
        try await poll("the connection is registered") { server.connections.count == 1 }
        task.cancel()
        _ = await task.result
        let closed = try await blocking { conn.isClosedByPeer() }
        XCTAssertTrue(closed)
    }
}
