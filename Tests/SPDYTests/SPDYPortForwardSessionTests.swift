import Foundation
import Glibc
import XCTest
@testable import SPDY

final class SPDYPortForwardSessionTests: XCTestCase {
    /// An HTTP/1.0 server that answers one request and closes, like `curl` through `kubectl port-forward` sees.
    private func httpListener(requests: SPDYRequestLog) throws -> SPDYTestListener {
        try SPDYTestListener { fd in
            let head = SPDYTestListener.readRequestHead(fd)
            requests.append(head)
            SPDYTestListener.writeAll(fd, "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello")
            close(fd)
        }
    }

    func testForwardsHTTPRequestAndClosesBothStreams() async throws {
        let requests = SPDYRequestLog()
        let listener = try httpListener(requests: requests)
        defer { listener.stop() }
        let client = try SPDYFakeClient()
        let connectedPorts = SPDYRequestLog()
        let connectedFDs = SPDYRequestLog()
        let session = try PortForwardSession(pod: "web", uid: "u1", connect: { port in
            connectedPorts.append(String(port))
            let fd = try connectTCP(host: "127.0.0.1", port: listener.port)  // any pod port maps to the listener
            connectedFDs.append(String(fd))
            return fd
        }, send: client.sink)
        defer { session.close() }

        // kubectl: error stream + its FIN, data stream + request bytes. Delivered in small uneven chunks.
        let wire = try client.encode([
            spdySyn(1, "error", port: 80, request: 0),
            .data(streamID: 1, flags: SPDYFrame.flagFin, payload: []),
            spdySyn(3, "data", port: 80, request: 0),
            .data(streamID: 3, flags: 0, payload: Array("GET / HTTP/1.1\r\nHost: localhost:18081\r\n\r\n".utf8)),
            .ping(id: 1),
        ])
        var offset = 0
        while offset < wire.count {
            let end = min(wire.count, offset + 7)
            try await session.receive(Array(wire[offset..<end]))
            offset = end
        }

        let frames = await client.waitFor { SPDYFakeClient.hasFin($0, stream: 3) && SPDYFakeClient.hasFin($0, stream: 1) }
        XCTAssertEqual(SPDYFakeClient.replied(frames), [1, 3])
        XCTAssertTrue(frames.contains(.ping(id: 1)))
        XCTAssertEqual(SPDYFakeClient.payload(frames, stream: 3), "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello")
        XCTAssertTrue(SPDYFakeClient.hasFin(frames, stream: 3))
        XCTAssertEqual(SPDYFakeClient.payload(frames, stream: 1), "", "no error text on success")
        XCTAssertTrue(SPDYFakeClient.hasFin(frames, stream: 1), "kubectl waits for FIN on the error stream")
        XCTAssertEqual(requests.items.first?.hasPrefix("GET / HTTP/1.1\r\n"), true)
        XCTAssertEqual(connectedPorts.items, ["80"])

        // kubectl then closes its side of the data stream; with both directions done the socket must be closed.
        let fd = Int32(connectedFDs.items.first ?? "") ?? -1
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertNotEqual(fcntl(fd, F_GETFD), -1, "open while the client may still write")
        try await session.receive(client.encode([.data(streamID: 3, flags: SPDYFrame.flagFin, payload: [])]))
        let deadline = Date().addingTimeInterval(5)
        while fcntl(fd, F_GETFD) != -1 && Date() < deadline { try await Task.sleep(nanoseconds: 5_000_000) }
        XCTAssertEqual(fcntl(fd, F_GETFD), -1, "socket closed after FIN both ways")
    }

    func testRelaysLargeResponseIntact() async throws {
        let body = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let listener = try SPDYTestListener { fd in
            _ = SPDYTestListener.readRequestHead(fd)
            var offset = 0
            while offset < body.count {
                let n = body[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                offset += n
            }
            close(fd)
        }
        defer { listener.stop() }
        let client = try SPDYFakeClient()
        let session = try PortForwardSession(connect: { _ in try connectTCP(host: "127.0.0.1", port: listener.port) },
                                             send: client.sink)
        defer { session.close() }
        try await session.receive(client.encode([
            spdySyn(1, "error", port: 80, request: 0), spdySyn(3, "data", port: 80, request: 0),
            .data(streamID: 3, flags: 0, payload: Array("GET /big HTTP/1.0\r\n\r\n".utf8)),
        ]))
        let frames = await client.waitFor(timeout: 20) { SPDYFakeClient.hasFin($0, stream: 3) }
        let received = frames.flatMap { f -> [UInt8] in
            if case let .data(3, _, payload) = f { return payload }
            return []
        }
        XCTAssertEqual(received.count, body.count)
        XCTAssertTrue(received == body, "bytes relayed in order")
    }

    func testConnectFailureIsReportedOnErrorStream() async throws {
        // A port nobody listens on: bind, note it, close.
        let closedPort: UInt16 = try {
            let l = try SPDYTestListener { close($0) }
            l.stop()
            return l.port
        }()
        let client = try SPDYFakeClient()
        let session = try PortForwardSession(pod: "web", uid: "u1", connect: { _ in
            try connectTCP(host: "127.0.0.1", port: closedPort)
        }, send: client.sink)
        defer { session.close() }
        try await session.receive(client.encode([
            spdySyn(1, "error", port: 80, request: 0, flags: SPDYFrame.flagFin),
            spdySyn(3, "data", port: 80, request: 0),
        ]))
        let frames = await client.waitFor { SPDYFakeClient.hasFin($0, stream: 1) && SPDYFakeClient.hasFin($0, stream: 3) }
        XCTAssertEqual(SPDYFakeClient.payload(frames, stream: 1),
                       "error forwarding port 80 to pod web, uid u1: dial tcp4 127.0.0.1:\(closedPort): connect: connection refused")
        XCTAssertTrue(SPDYFakeClient.hasFin(frames, stream: 1))
        XCTAssertTrue(SPDYFakeClient.hasFin(frames, stream: 3))
    }

    func testEchoAcrossSeveralRequestsAndReset() async throws {
        let closedByServer = SPDYRequestLog()
        let listener = try SPDYTestListener { fd in
            var buf = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(fd, &buf, buf.count)
                if n <= 0 { break }
                _ = buf.withUnsafeBytes { write(fd, $0.baseAddress, n) }
            }
            closedByServer.append("eof")
            close(fd)
        }
        defer { listener.stop() }
        let client = try SPDYFakeClient()
        let session = try PortForwardSession(connect: { _ in try connectTCP(host: "127.0.0.1", port: listener.port) },
                                             send: client.sink)
        defer { session.close() }
        try await session.receive(client.encode([
            spdySyn(1, "error", port: 8080, request: 0), spdySyn(3, "data", port: 8080, request: 0),
            spdySyn(5, "error", port: 8080, request: 1), spdySyn(7, "data", port: 8080, request: 1),
            .data(streamID: 3, flags: 0, payload: Array("one".utf8)),
            .data(streamID: 7, flags: 0, payload: Array("two".utf8)),
        ]))
        var frames = await client.waitFor {
            SPDYFakeClient.payload($0, stream: 3) == "one" && SPDYFakeClient.payload($0, stream: 7) == "two"
                && SPDYFakeClient.hasFin($0, stream: 1) && SPDYFakeClient.hasFin($0, stream: 5)
        }
        XCTAssertEqual(SPDYFakeClient.payload(frames, stream: 3), "one")
        XCTAssertEqual(SPDYFakeClient.payload(frames, stream: 7), "two")

        // Client FIN on stream 3 half-closes toward the echo server, which then closes: FIN comes back.
        try await session.receive(client.encode([.data(streamID: 3, flags: SPDYFrame.flagFin, payload: [])]))
        frames = await client.waitFor { SPDYFakeClient.hasFin($0, stream: 3) }
        XCTAssertTrue(SPDYFakeClient.hasFin(frames, stream: 3))

        // RST on stream 7 closes its socket: the echo server sees EOF; the session sends nothing more on 7.
        try await session.receive(client.encode([.rstStream(streamID: 7, status: SPDYStreamStatus.cancel)]))
        let deadline = Date().addingTimeInterval(5)
        while closedByServer.items.count < 2 && Date() < deadline { try await Task.sleep(nanoseconds: 10_000_000) }
        XCTAssertEqual(closedByServer.items.count, 2)

        try await session.receive(client.encode([.goAway(lastGoodStreamID: 0, status: 0)]))
        XCTAssertTrue(session.isClosed)
    }
}

final class SPDYRequestLog: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ s: String) { lock.lock(); storage.append(s); lock.unlock() }
    var items: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}
