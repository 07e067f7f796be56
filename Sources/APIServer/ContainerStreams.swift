import ClusterPKI
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import KubeAPI
import KubeClient
import NIOCore
import NIOSSL
import SPDY

/// `pods/log` as chunked text, and `pods/exec` / `pods/attach` over WebSocket with the `v5.channel.k8s.io`
/// subprotocol (0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize, 255 close), the protocol kubectl tries first.
enum ContainerStreams {
    static let channelProtocol = "v5.channel.k8s.io"
    static let portForwardProtocol = "SPDY/3.1+portforward.k8s.io"

    /// `GET pods/<name>/log`.
    static func logs(_ streams: any PodStreams, pod: JSON, query: Query) throws -> Reply {
        var options = LogOptions()
        options.follow = query.bool("follow")
        options.previous = query.bool("previous")
        options.timestamps = query.bool("timestamps")
        options.tailLines = query.int("tailLines")
        options.limitBytes = query.int("limitBytes")
        if let s = query.int("sinceSeconds") { options.sinceTime = Date().addingTimeInterval(-Double(s)) }
        if let t = query["sinceTime"], let d = parseRFC3339(t) { options.sinceTime = d }
        let chunks: AsyncThrowingStream<[UInt8], Error>
        do {
            chunks = try streams.logs(pod: pod, container: query["container"], options: options)
        } catch let e as PodStreamError {
            throw APIError(code: e.code, reason: e.code == 400 ? "BadRequest" : "InternalError", message: e.description)
        }
        let body = ResponseBody { writer in
            for try await chunk in chunks { try await writer.write(ByteBuffer(bytes: chunk)) }
            try await writer.finish(nil)
        }
        return .streaming(contentType: "text/plain", body: body)
    }

    /// Decides whether an incoming WebSocket upgrade is an exec/attach/port-forward we serve. A declined upgrade is
    /// answered 400 by Hummingbird, and kubectl then falls back to SPDY (see SPDYStreams), whose refusal the HTTP
    /// responder explains.
    static func shouldUpgrade(_ head: HTTPRequest, _ channel: any Channel, server: KubeAPIServer) async throws
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    {
        guard let path = head.path,
              let target = await StreamTarget.resolve(target: path, authorization: head.headerFields[.authorization],
                                                      channel: channel, server: server) else { return .dontUpgrade }
        let offered = (head.headerFields[.secWebSocketProtocol] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard offered.contains(target.kind == .portforward ? portForwardProtocol : channelProtocol) else { return .dontUpgrade }
        if target.kind == .portforward { return portForward(target.streams, pod: target.pod) }
        let session: any StreamSession
        do {
            session = try await target.startSession()
        } catch {
            return .dontUpgrade
        }
        let command = target.kind == .exec ? target.command : nil
        return .upgrade([.secWebSocketProtocol: channelProtocol]) { inbound, outbound, _ in
            try await bridge(session, inbound: inbound, outbound: outbound, command: command)
        }
    }

    /// kubectl port-forward: SPDY/3.1 frames inside WebSocket binary messages; each forwarded connection is a
    /// TCP connection from the node to the pod's port.
    static func portForward(_ streams: any PodStreams, pod: JSON)
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    {
        .upgrade([.secWebSocketProtocol: portForwardProtocol]) { inbound, outbound, _ in
            let session = try PortForwardSession(
                pod: pod.name ?? "", uid: pod.uid ?? "",
                connect: { port in try streams.portForward(pod: pod, port: port) },
                send: { bytes in try await outbound.write(.binary(ByteBuffer(bytes: bytes))) })
            defer { session.close() }
            for try await message in inbound.messages(maxSize: 1 << 22) {
                guard case .binary(var buffer) = message else { continue }
                try await session.receive(buffer.readBytes(length: buffer.readableBytes) ?? [])
                if session.isClosed { break }
            }
        }
    }

    /// Pumps the session's output to the client and the client's stdin and resizes to the session, then sends the
    /// exit status on channel 3 and closes. `command` is the exec'd command (nil for attach, which has no exit code).
    static func bridge(_ session: any StreamSession, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
                       command: [String]?) async throws {
        let reader = Task {
            do {
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .binary(var buffer) = message, let channel = buffer.readInteger(as: UInt8.self) else { continue }
                    let payload = buffer.readBytes(length: buffer.readableBytes) ?? []
                    switch channel {
                    case 0: try await session.writeStdin(payload)
                    case 4:
                        if let size = try? JSON.parse(payload), let w = size["Width"].int, let h = size["Height"].int {
                            session.resize(cols: UInt16(clamping: w), rows: UInt16(clamping: h))
                        }
                    case 255 where payload.first == 0: await session.closeStdin()
                    default: break
                    }
                }
            } catch {}
            await session.closeStdin()
        }
        for await (stream, bytes) in session.output {
            try await outbound.write(.binary(ByteBuffer(bytes: [stream] + bytes)))
        }
        var status = RemoteCommandStatus.success
        if let command, let code = await session.exitCode(), code != 0 { status = .exitCode(code, command: command) }
        try await outbound.write(.binary(ByteBuffer(bytes: [3] + status.statusJSON)))
        try await outbound.close(.normalClosure, reason: nil)
        reader.cancel()
    }
}
