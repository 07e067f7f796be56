import HTTPTypes
import Hummingbird
import KubeAPI
import KubeClient
import Logging
import NIOCore
import NIOHTTP1
import SPDY

/// What an accepted `Upgrade: SPDY/3.1` request runs after the 101.
enum SPDYStreamPlan: Sendable {
    /// exec or attach: the process (already started), the negotiated protocol and the streams the client opens.
    case remoteCommand(RemoteCommandPlan)
    case portForward(pod: JSON, streams: any PodStreams)

    /// The `X-Stream-Protocol-Version` the 101 names.
    var protocolVersion: String {
        switch self {
        case .remoteCommand(let plan): return plan.version.rawValue
        case .portForward: return PortForwardProtocol.v1
        }
    }
}

struct RemoteCommandPlan: Sendable {
    let process: any StreamSession
    let version: RemoteCommandProtocol
    let streams: RemoteCommandSession.Streams
    /// The exec'd command (for the exit status message); nil for attach, which reports no exit code.
    let command: [String]?
}

/// `pods/exec`, `pods/attach` and `pods/portforward` over a direct SPDY/3.1 connection: what kubectl ≤ 1.29 uses for
/// exec/attach, ≤ 1.30 for port-forward, and newer ones when the WebSocket upgrade is refused (or disabled with
/// KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false / KUBECTL_PORT_FORWARD_WEBSOCKETS=false).
enum SPDYStreams {
    /// How long the client has to open its streams after the 101 (the kubelet's stream creation timeout).
    static let streamCreationTimeout: Duration = .seconds(30)
    /// After the last frame, how long to wait for kubectl to close the connection before closing it ourselves.
    /// Closing first could reset the connection while kubectl still reads the status.
    static let closeGrace: Duration = .seconds(10)

    /// Whether to upgrade, deciding as the kubelet does. Declining leaves the request to the HTTP responder, which
    /// answers with the reason (protocol mismatch, no command, container not running, …).
    static func accept(_ head: HTTPRequestHead, channel: any Channel, server: KubeAPIServer) async -> SPDYStreamPlan? {
        guard let target = await StreamTarget.resolve(target: head.uri, authorization: head.headers.first(name: "Authorization"),
                                                     channel: channel, server: server) else { return nil }
        let offered = head.headers[StreamProtocolHeader.name]
        switch target.kind {
        case .portforward:
            guard StreamProtocolNegotiation.refusal(offered: offered, served: [PortForwardProtocol.v1]) == nil else { return nil }
            return .portForward(pod: target.pod, streams: target.streams)
        case .exec, .attach:
            guard let version = RemoteCommandProtocol.negotiate(offered) else { return nil }
            let streams = target.remoteCommandStreams
            guard streams.stdin || streams.stdout || streams.stderr else { return nil }
            guard let process = try? await target.startSession() else { return nil }
            return .remoteCommand(RemoteCommandPlan(process: process, version: version, streams: streams,
                                                    command: target.kind == .exec ? target.command : nil))
        }
    }

    /// Serves an upgraded connection until it ends.
    static func serve(_ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, plan: SPDYStreamPlan, logger: Logger) async {
        do {
            try await channel.executeThenClose { inbound, outbound in
                switch plan {
                case let .portForward(pod, streams):
                    try await portForward(pod: pod, streams: streams, inbound: inbound, outbound: outbound)
                case let .remoteCommand(plan):
                    try await remoteCommand(plan, inbound: inbound, outbound: outbound)
                }
            }
        } catch {
            logger.debug("SPDY stream connection ended: \(error)")
        }
    }

    /// Port-forward: the same session as inside the WebSocket tunnel, on the raw connection.
    static func portForward(pod: JSON, streams: any PodStreams, inbound: NIOAsyncChannelInboundStream<ByteBuffer>,
                            outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        let session = try PortForwardSession(
            pod: pod.name ?? "", uid: pod.uid ?? "",
            connect: { port in try streams.portForward(pod: pod, port: port) },
            send: { bytes in try await outbound.write(ByteBuffer(bytes: bytes)) })
        defer { session.close() }
        for try await buffer in inbound {
            try await session.receive(Array(buffer.readableBytesView))
            if session.isClosed { break }
        }
    }

    /// exec/attach: waits for the client's streams, relays stdin/resize to the process and its output back, then
    /// reports the exit status and waits for kubectl to hang up.
    static func remoteCommand(_ plan: RemoteCommandPlan, inbound: NIOAsyncChannelInboundStream<ByteBuffer>,
                              outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        let process = plan.process
        let session = try RemoteCommandSession(version: plan.version, streams: plan.streams,
                                               send: { bytes in try await outbound.write(ByteBuffer(bytes: bytes)) })
        let (readiness, ready) = AsyncStream<Void>.makeStream()
        let (hangUp, hungUp) = AsyncStream<Void>.makeStream()
        let reader = Task {
            await relayClientInput(inbound, session: session, process: process, ready: ready)
            hungUp.yield()
            hungUp.finish()
        }
        // The reader owns the process's stdin: it closes it when the client closes it or hangs up (or is cancelled here).
        defer { reader.cancel() }

        guard await firstElement(of: readiness, within: streamCreationTimeout) else {
            // The client never opened its streams (or went away): nothing can be reported.
            session.close()
            return
        }
        for await (stream, bytes) in process.output {
            guard await session.write(stream == 2 ? .stderr : .stdout, bytes) else { break }
        }
        if session.isClosed { return }  // the client went away mid-stream
        var status = RemoteCommandStatus.success
        if let command = plan.command, let code = await process.exitCode(), code != 0 {
            status = .exitCode(code, command: command)
        }
        await session.finish(status)
        _ = await firstElement(of: hangUp, within: closeGrace)
    }

    /// Reads the client's frames until it hangs up; readiness goes to `ready`, input to the process.
    private static func relayClientInput(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>, session: RemoteCommandSession,
                                         process: any StreamSession, ready: AsyncStream<Void>.Continuation) async {
        var stdinWritable = true, stdinClosed = false
        do {
            for try await buffer in inbound {
                for input in try session.receive(Array(buffer.readableBytesView)) {
                    switch input {
                    case .ready:
                        ready.yield()
                    case .stdin(let bytes) where stdinWritable:
                        // A process that closed its stdin cannot take more; the rest of the session goes on.
                        do { try await process.writeStdin(bytes) } catch { stdinWritable = false }
                    case .stdin:
                        break
                    case .stdinClosed:
                        stdinWritable = false
                        stdinClosed = true
                        await process.closeStdin()
                    case let .resize(width, height):
                        process.resize(cols: width, rows: height)
                    case .goAway:
                        session.close()
                    }
                }
            }
        } catch {}
        // Once only: with a terminal, closing stdin means typing ^D.
        if !stdinClosed { await process.closeStdin() }
        ready.finish()
    }

    /// True if `stream` yields within `limit`; false if it ends first or time runs out.
    private static func firstElement(of stream: AsyncStream<Void>, within limit: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in stream { return true }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}

extension SPDYStreams {
    /// Set by `StreamUpgradeChannel` on a request whose SPDY upgrade was declined, in place of its `Upgrade` header.
    static let refusedUpgradeHeader = "Swiftlet-Refused-Upgrade"

    /// For a SPDY upgrade request that reached the HTTP responder: the kubelet's answer when the
    /// `X-Stream-Protocol-Version` handshake fails (400 without the header, 403 without a common protocol).
    static func protocolRefusal(_ request: Request, subresource: String) -> APIError? {
        guard let refused = HTTPField.Name(refusedUpgradeHeader), request.headers[refused]?.lowercased() == "spdy/3.1",
              let name = HTTPField.Name(StreamProtocolHeader.name) else { return nil }
        let served = subresource == "portforward" ? [PortForwardProtocol.v1] : RemoteCommandProtocol.allCases.map(\.rawValue)
        guard let (code, message) = StreamProtocolNegotiation.refusal(offered: request.headers[values: name], served: served)
        else { return nil }
        return APIError(code: code, reason: code == 403 ? "Forbidden" : "BadRequest", message: message)
    }
}
