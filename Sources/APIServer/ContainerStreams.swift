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

    /// Decides whether an incoming WebSocket upgrade is an exec/attach we serve; everything else goes to the
    /// normal HTTP responder (which answers exec without an upgrade with 400, as Kubernetes does).
    static func shouldUpgrade(_ head: HTTPRequest, _ channel: any Channel, server: KubeAPIServer) async throws
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    {
        guard let path = head.path else { return .dontUpgrade }
        let parts = path.split(separator: "?", maxSplits: 1)
        guard case .resource(let r) = Route.parse(String(parts[0])), r.type.kind == "Pod", r.type.group.isEmpty,
              let sub = r.subresource, ["exec", "attach", "portforward"].contains(sub), let name = r.name else { return .dontUpgrade }
        let offered = (head.headerFields[.secWebSocketProtocol] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard offered.contains(sub == "portforward" ? portForwardProtocol : channelProtocol) else { return .dontUpgrade }
        // Unauthenticated or forbidden: the HTTP responder answers 401/403 with a Status.
        guard let user = await server.authenticator.authenticate(channel: channel, authorization: head.headerFields[.authorization]),
              (try? Authorizer.check(user, RequestAttributes(verb: "create", resource: r, path: String(parts[0])))) != nil
        else { return .dontUpgrade }
        guard let streams = server.podStreams,
              let pod = try? server.registry.get(r.type, namespace: r.namespace, name: name) else { return .dontUpgrade }
        if sub == "portforward" { return portForward(streams, pod: pod) }
        let query = Query(parts.count > 1 ? String(parts[1]) : nil)
        let tty = query.bool("tty"), stdin = query.bool("stdin")
        let container = query["container"]
        let command = query.all("command")
        let session: any StreamSession
        do {
            session = sub == "exec"
                ? try await streams.exec(pod: pod, container: container, argv: command, tty: tty, stdin: stdin)
                : try await streams.attach(pod: pod, container: container, stdin: stdin)
        } catch {
            // Not upgrading lets the HTTP responder explain the failure with a Status.
            return .dontUpgrade
        }
        let isExec = sub == "exec"
        return .upgrade([.secWebSocketProtocol: channelProtocol]) { inbound, outbound, _ in
            try await bridge(session, inbound: inbound, outbound: outbound, reportExit: isExec)
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
    /// exit status on channel 3 and closes.
    static func bridge(_ session: any StreamSession, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
                       reportExit: Bool) async throws {
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
        let status: JSON
        if reportExit, let code = await session.exitCode(), code != 0 {
            status = ["metadata": [:], "status": "Failure", "message": .string("command terminated with non-zero exit code: error executing command [...], exit code \(code)"),
                      "reason": "NonZeroExitCode", "details": ["causes": [["reason": "ExitCode", "message": .string(String(code))]]]]
        } else {
            status = ["metadata": [:], "status": "Success"]
        }
        try await outbound.write(.binary(ByteBuffer(bytes: [3] + status.serialized())))
        try await outbound.close(.normalClosure, reason: nil)
        reader.cancel()
    }
}
