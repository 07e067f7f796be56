import Foundation
import XCTest
@testable import SPDY

/// exec/attach over direct SPDY: protocol negotiation, the stream handshake, client input, output and the exit
/// status on the error stream, driven the way kubectl drives them.
final class SPDYRemoteCommandSessionTests: XCTestCase {
    private func syn(_ id: UInt32, _ type: String, flags: UInt8 = 0) -> SPDYFrame {
        .synStream(streamID: id, associatedToStreamID: 0, priority: 0, slot: 0, flags: flags, headers: ["streamtype": type])
    }

    private func session(_ version: RemoteCommandProtocol = .v4, stdin: Bool = true, stdout: Bool = true,
                         stderr: Bool = true, tty: Bool = false) throws -> (RemoteCommandSession, SPDYFakeClient) {
        let client = try SPDYFakeClient()
        let session = try RemoteCommandSession(version: version,
                                               streams: .init(stdin: stdin, stdout: stdout, stderr: stderr, tty: tty),
                                               send: client.sink)
        return (session, client)
    }

    private func goAways(_ frames: [SPDYFrame]) -> Int {
        frames.filter { if case .goAway = $0 { return true } else { return false } }.count
    }

    // MARK: - Negotiation

    func testNegotiationPicksTheClientsFirstServedProtocol() {
        // kubectl 1.32 falling back to SPDY offers v5 first; v5 is WebSocket-only here, as at the kubelet.
        XCTAssertEqual(RemoteCommandProtocol.negotiate(["v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io",
                                                        "v2.channel.k8s.io", "channel.k8s.io"]), .v4)
        XCTAssertEqual(RemoteCommandProtocol.negotiate(["v4.channel.k8s.io", "v3.channel.k8s.io"]), .v4)
        XCTAssertEqual(RemoteCommandProtocol.negotiate(["v3.channel.k8s.io, v2.channel.k8s.io"]), .v3)
        XCTAssertEqual(RemoteCommandProtocol.negotiate(["channel.k8s.io"]), .v1)
        XCTAssertNil(RemoteCommandProtocol.negotiate(["v5.channel.k8s.io"]))
        XCTAssertNil(RemoteCommandProtocol.negotiate([]))
    }

    func testRefusalsUseTheKubeletsCodesAndWords() {
        let served = RemoteCommandProtocol.allCases.map(\.rawValue)
        XCTAssertNil(StreamProtocolNegotiation.refusal(offered: ["v4.channel.k8s.io"], served: served))
        XCTAssertNil(StreamProtocolNegotiation.refusal(offered: ["portforward.k8s.io"], served: [PortForwardProtocol.v1]))
        let missing = StreamProtocolNegotiation.refusal(offered: [], served: served)
        XCTAssertEqual(missing?.code, 400)
        XCTAssertEqual(missing?.message, "unable to upgrade: X-Stream-Protocol-Version is required")
        let mismatch = StreamProtocolNegotiation.refusal(offered: ["v5.channel.k8s.io", "v9.channel.k8s.io"],
                                                         served: [PortForwardProtocol.v1])
        XCTAssertEqual(mismatch?.code, 403)
        XCTAssertEqual(mismatch?.message, "unable to upgrade: unable to negotiate protocol: client supports "
                       + "[v5.channel.k8s.io v9.channel.k8s.io], server accepts [portforward.k8s.io]")
    }

    func testExpectedStreamsFollowTheFlagsAndTheProtocol() {
        let plain = RemoteCommandSession.Streams(stdin: false, stdout: true, stderr: true, tty: false)
        XCTAssertEqual(plain.expectedTypes(.v4), ["error", "stdout", "stderr"])
        // A terminal has no separate stderr; v3/v4 add the resize stream, v1/v2 have none.
        let tty = RemoteCommandSession.Streams(stdin: true, stdout: true, stderr: true, tty: true)
        XCTAssertFalse(tty.stderr)
        XCTAssertEqual(tty.expectedTypes(.v4), ["error", "stdin", "stdout", "resize"])
        XCTAssertEqual(tty.expectedTypes(.v2), ["error", "stdin", "stdout"])
    }

    // MARK: - Handshake

    func testReadyOnlyOnceEveryExpectedStreamIsOpenAndEachIsReplied() async throws {
        let (session, client) = try session()
        defer { session.close() }
        // kubectl 1.28 opens error first, then stdin, stdout, stderr; frames may arrive in any chunking.
        var inputs = try session.receive(client.encode([syn(1, "error"), syn(3, "stdin"), syn(5, "stdout")]))
        XCTAssertEqual(inputs, [])
        XCTAssertFalse(session.isReady)
        let last = try client.encode([syn(7, "stderr")])
        inputs = try session.receive(Array(last.prefix(5)))
        XCTAssertEqual(inputs, [], "half a frame opens nothing")
        inputs = try session.receive(Array(last.dropFirst(5)))
        XCTAssertEqual(inputs, [.ready])
        XCTAssertTrue(session.isReady)
        let frames = await client.waitFor { SPDYFakeClient.replied($0).count == 4 }
        XCTAssertEqual(SPDYFakeClient.replied(frames), [1, 3, 5, 7], "kubectl waits for a SYN_REPLY per stream")
    }

    func testTerminalSessionWaitsForTheResizeStream() throws {
        let (session, client) = try session(stdin: true, stdout: true, stderr: false, tty: true)
        defer { session.close() }
        XCTAssertEqual(try session.receive(client.encode([syn(1, "error"), syn(3, "stdin"), syn(5, "stdout")])), [])
        XCTAssertEqual(try session.receive(client.encode([syn(7, "resize")])), [.ready])
    }

    func testUnknownAndDuplicateStreamsAreRefused() async throws {
        let (session, client) = try session(stdin: false, stderr: false)
        defer { session.close() }
        XCTAssertEqual(try session.receive(client.encode([syn(1, "error"), syn(3, "bogus"), syn(5, "error")])), [])
        XCTAssertEqual(try session.receive(client.encode([syn(7, "stdout")])), [.ready])
        let frames = await client.waitFor { SPDYFakeClient.replied($0).count == 2 && $0.count >= 4 }
        XCTAssertEqual(SPDYFakeClient.replied(frames), [1, 7])
        XCTAssertTrue(frames.contains(.rstStream(streamID: 3, status: SPDYStreamStatus.protocolError)))
        XCTAssertTrue(frames.contains(.rstStream(streamID: 5, status: SPDYStreamStatus.protocolError)))
    }

    // MARK: - Client input

    func testStdinBytesThenItsEndAreReportedOnce() throws {
        let (session, client) = try session()
        defer { session.close() }
        _ = try session.receive(client.encode([syn(1, "error"), syn(3, "stdin"), syn(5, "stdout"), syn(7, "stderr")]))
        let inputs = try session.receive(client.encode([
            .data(streamID: 3, flags: 0, payload: Array("hello\n".utf8)),
            .data(streamID: 5, flags: 0, payload: Array("ignored".utf8)),  // nothing flows client→server on stdout
            .data(streamID: 3, flags: SPDYFrame.flagFin, payload: Array("bye".utf8)),
            .rstStream(streamID: 3, status: SPDYStreamStatus.cancel),
        ]))
        XCTAssertEqual(inputs, [.stdin(Array("hello\n".utf8)), .stdin(Array("bye".utf8)), .stdinClosed])
    }

    func testResizeObjectsAreDecodedAcrossFrames() throws {
        let (session, client) = try session(stdin: true, stdout: true, stderr: false, tty: true)
        defer { session.close() }
        _ = try session.receive(client.encode([syn(1, "error"), syn(3, "stdin"), syn(5, "stdout"), syn(7, "resize")]))
        let wire = Array("{\"Width\":80,\"Height\":24}\n{\"Width\":120,".utf8)
        XCTAssertEqual(try session.receive(client.encode([.data(streamID: 7, flags: 0, payload: wire)])),
                       [.resize(width: 80, height: 24)])
        XCTAssertEqual(try session.receive(client.encode([.data(streamID: 7, flags: 0, payload: Array("\"Height\":40}\n".utf8))])),
                       [.resize(width: 120, height: 40)])
    }

    func testPingIsAnsweredAndGoAwayReported() async throws {
        let (session, client) = try session()
        defer { session.close() }
        XCTAssertEqual(try session.receive(client.encode([.ping(id: 9), .goAway(lastGoodStreamID: 0, status: 0)])), [.goAway])
        let frames = await client.waitFor { $0.contains(.ping(id: 9)) }
        XCTAssertTrue(frames.contains(.ping(id: 9)))
    }

    // MARK: - Output and status

    func testOutputGoesToItsStreamAndLargeChunksAreSplit() async throws {
        let (session, client) = try session(stdin: false)
        defer { session.close() }
        _ = try session.receive(client.encode([syn(1, "error"), syn(3, "stdout"), syn(5, "stderr")]))
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 100_000)
        let okOut = await session.write(.stdout, Array("out\n".utf8))
        let okErr = await session.write(.stderr, Array("err\n".utf8))
        let okBig = await session.write(.stdout, big)
        XCTAssertTrue(okOut && okErr && okBig)
        let frames = await client.waitFor { SPDYFakeClient.payload($0, stream: 3).count == 4 + big.count }
        XCTAssertEqual(SPDYFakeClient.payload(frames, stream: 3), "out\n" + String(decoding: big, as: UTF8.self))
        XCTAssertEqual(SPDYFakeClient.payload(frames, stream: 5), "err\n")
        let sizes = frames.compactMap { f -> Int? in
            if case let .data(id, _, payload) = f, id == 3 { return payload.count }
            return nil
        }
        XCTAssertTrue(sizes.allSatisfy { $0 <= 32 << 10 }, "\(sizes)")
    }

    func testOutputForAStreamTheClientDidNotOpenIsDropped() async throws {
        let (session, client) = try session(stdin: false, stderr: false)
        defer { session.close() }
        _ = try session.receive(client.encode([syn(1, "error"), syn(3, "stdout")]))
        let dropped = await session.write(.stderr, Array("err".utf8))
        XCTAssertTrue(dropped, "not an error: the client asked for no stderr")
        await session.finish(.success)
        let frames = await client.waitFor { self.goAways($0) == 1 }
        let withPayload = Set(frames.compactMap { f -> UInt32? in
            if case let .data(id, _, payload) = f, !payload.isEmpty { return id }
            return nil
        })
        XCTAssertEqual(withPayload, [1], "only the status on the error stream")
    }

    func testV4ReportsTheExitCodeAsStatusJSONThenFinishesEveryStream() async throws {
        let (session, client) = try session()
        _ = try session.receive(client.encode([syn(1, "error"), syn(3, "stdin"), syn(5, "stdout"), syn(7, "stderr")]))
        await session.write(.stdout, Array("out\n".utf8))
        await session.finish(.exitCode(3, command: ["sh", "-c", "echo out; exit 3"]))
        XCTAssertTrue(session.isClosed)
        let frames = await client.waitFor { self.goAways($0) == 1 }

        let status = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(SPDYFakeClient.payload(frames, stream: 1).utf8)) as? [String: Any])
        XCTAssertEqual(status["status"] as? String, "Failure")
        XCTAssertEqual(status["reason"] as? String, "NonZeroExitCode")
        XCTAssertEqual(status["message"] as? String,
                       "command terminated with non-zero exit code: error executing command [sh -c echo out; exit 3], exit code 3")
        let causes = try XCTUnwrap((status["details"] as? [String: Any])?["causes"] as? [[String: Any]])
        XCTAssertEqual(causes.count, 1)
        XCTAssertEqual(causes.first?["reason"] as? String, "ExitCode")
        XCTAssertEqual(causes.first?["message"] as? String, "3", "kubectl parses the code from this string")

        // Every stream ends with FIN, the error stream after the output streams, then GOAWAY.
        let fins = frames.compactMap { f -> UInt32? in
            if case let .data(id, flags, _) = f, flags & SPDYFrame.flagFin != 0 { return id }
            return nil
        }
        XCTAssertEqual(Set(fins), [1, 3, 5, 7])
        XCTAssertEqual(fins.last, 1)
        XCTAssertEqual(frames.last, .goAway(lastGoodStreamID: 7, status: 0))
        let afterFinish = await session.write(.stdout, Array("late".utf8))
        XCTAssertFalse(afterFinish)
    }

    func testOlderProtocolsReportPlainTextAndNothingOnSuccess() async throws {
        for (status, expected) in [(RemoteCommandStatus.success, ""),
                                   (.exitCode(2, command: ["false"]),
                                    "command terminated with non-zero exit code: error executing command [false], exit code 2")] {
            let (session, client) = try session(.v2, stdin: false, stderr: false)
            _ = try session.receive(client.encode([syn(1, "error"), syn(3, "stdout")]))
            await session.finish(status)
            let frames = await client.waitFor { self.goAways($0) == 1 }
            XCTAssertEqual(SPDYFakeClient.payload(frames, stream: 1), expected)
            XCTAssertTrue(SPDYFakeClient.hasFin(frames, stream: 1))
        }
    }

    func testStatusEncodings() throws {
        XCTAssertEqual(String(decoding: RemoteCommandStatus.success.statusJSON, as: UTF8.self), #"{"metadata":{},"status":"Success"}"#)
        XCTAssertEqual(RemoteCommandStatus.success.errorStreamPayload(.v3), [])
        let failure = RemoteCommandStatus.failure("no such container")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(failure.statusJSON)) as? [String: Any])
        XCTAssertEqual(object["reason"] as? String, "InternalError")
        XCTAssertEqual(object["code"] as? Int, 500)
        XCTAssertEqual(object["message"] as? String, "Internal error occurred: no such container")
        XCTAssertEqual(String(decoding: failure.errorStreamPayload(.v1), as: UTF8.self), "Internal error occurred: no such container")
    }
}
