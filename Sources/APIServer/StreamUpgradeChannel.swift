import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

/// The API server's HTTP/1.1 connections: Hummingbird's HTTP/1 + WebSocket upgrade channel, unchanged, with one
/// more upgrade in front of it: `Upgrade: SPDY/3.1`, which kubectl uses for exec/attach/port-forward when it
/// does not (or may not) use WebSockets.
///
/// Hummingbird builds the pipeline `HTTPResponseEncoder → HTTPRequestDecoder → upgrade handler (websocket)`.
/// `SPDYUpgradeHandler` goes between the decoder and the WebSocket upgrade handler and looks at the first request
/// only: anything but a SPDY upgrade passes on untouched (and the handler leaves the pipeline); a SPDY upgrade it
/// accepts takes the connection over (101, then raw SPDY frames); one it refuses passes on without its `Upgrade`
/// header, so the HTTP responder answers it with a Status that explains why (kubectl prints it), instead of
/// Hummingbird's bare 400 for a failed upgrade.
struct StreamUpgradeChannel: ServerChildChannel {
    typealias WebSocketUpgradeHandler = NIOTypedHTTPServerUpgradeHandler<HTTP1WebSocketUpgradeChannel.UpgradeResult>

    struct Value: ServerChildChannelValue {
        let spdy: EventLoopFuture<SPDYUpgradeResult>
        let http: HTTP1WebSocketUpgradeChannel.Value
        var channel: any Channel { http.channel }
    }

    let http: HTTP1WebSocketUpgradeChannel
    /// Decides whether a `SPDY/3.1` upgrade request is served, and prepares what runs after the 101.
    let acceptSPDY: @Sendable (HTTPRequestHead, any Channel) async -> SPDYStreamPlan?
    /// Runs an accepted SPDY connection until it ends.
    let serveSPDY: @Sendable (NIOAsyncChannel<ByteBuffer, ByteBuffer>, SPDYStreamPlan, Logger) async -> Void

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        http.setup(channel: channel, logger: logger).flatMapThrowing { httpValue in
            let operations = channel.pipeline.syncOperations
            let webSocketUpgrade = try operations.handler(type: WebSocketUpgradeHandler.self)
            let spdyUpgrade = SPDYUpgradeHandler(accept: acceptSPDY, result: channel.eventLoop.makePromise())
            try operations.addHandler(spdyUpgrade, position: .before(webSocketUpgrade))
            return Value(spdy: spdyUpgrade.result.futureResult, http: httpValue)
        }
    }

    func handle(value: Value, logger: Logger) async {
        let result: SPDYUpgradeResult
        do {
            result = try await value.spdy.get()
        } catch {
            // The connection ended (or broke) before its first request was read; nothing is left to answer.
            logger.trace("connection ended before its first request: \(error)")
            value.channel.close(promise: nil)
            return
        }
        switch result {
        case .notUpgraded:
            await http.handle(value: value.http, logger: logger)
        case let .upgraded(channel, plan):
            await serveSPDY(channel, plan, logger)
        }
    }
}

enum SPDYUpgradeResult: Sendable {
    case notUpgraded
    case upgraded(NIOAsyncChannel<ByteBuffer, ByteBuffer>, SPDYStreamPlan)
}

/// Performs the `Upgrade: SPDY/3.1` of a connection's first request (see `StreamUpgradeChannel`).
///
/// NIO's own upgrade handler cannot sit here: it consumes every upgrade request it does not serve (WebSocket ones
/// included), leaving nothing for the handler behind it.
final class SPDYUpgradeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case firstRequest
        /// A SPDY upgrade request: waiting for its end and for the decision, holding what arrives meanwhile.
        case deciding(head: HTTPRequestHead, ended: Bool, plan: SPDYStreamPlan??, held: [NIOAny])
        /// The 101 is on its way; bytes after the request wait for the raw-connection reader.
        case switching(held: [NIOAny])
        case done
    }

    let result: EventLoopPromise<SPDYUpgradeResult>
    private let accept: @Sendable (HTTPRequestHead, any Channel) async -> SPDYStreamPlan?
    private var state = State.firstRequest

    init(accept: @escaping @Sendable (HTTPRequestHead, any Channel) async -> SPDYStreamPlan?,
         result: EventLoopPromise<SPDYUpgradeResult>) {
        self.accept = accept
        self.result = result
    }

    static func isSPDYUpgrade(_ head: HTTPRequestHead) -> Bool {
        head.headers["upgrade"].contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "spdy/3.1" }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .firstRequest:
            guard case .head(let head) = unwrapInboundIn(data), Self.isSPDYUpgrade(head) else {
                passOn(context, [data])
                return
            }
            state = .deciding(head: head, ended: false, plan: nil, held: [])
            let channel = context.channel, accept = self.accept
            let decision = context.eventLoop.makeFutureWithTask { await accept(head, channel) }
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            decision.whenComplete { outcome in
                let (handler, context) = loopBound.value
                handler.decided(context, plan: (try? outcome.get()) ?? nil)
            }
        case .deciding(let head, let ended, let plan, var held):
            // Only the request's own parts can come before the 101 (its end; a body, which is ignored).
            let isEnd: Bool
            if case .end = unwrapInboundIn(data) { isEnd = true } else { isEnd = false }
            held.append(data)
            state = .deciding(head: head, ended: ended || isEnd, plan: plan, held: held)
            if isEnd { proceedIfReady(context) }
        case .switching(var held):
            held.append(data)  // raw bytes the decoder forwarded when it left
            state = .switching(held: held)
        case .done:
            context.fireChannelRead(data)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Removed undecided means the connection closed before its first request was served: nothing to upgrade or
        // answer. (Once decided, the promise is complete and this does nothing.)
        result.fail(ChannelError.ioOnClosedChannel)
    }

    private func decided(_ context: ChannelHandlerContext, plan: SPDYStreamPlan?) {
        guard case .deciding(let head, let ended, _, let held) = state else {
            // The connection went away while deciding: the process started for it will get no client.
            if case .remoteCommand(let command)? = plan { Task { await command.process.closeStdin() } }
            return
        }
        state = .deciding(head: head, ended: ended, plan: .some(plan), held: held)
        proceedIfReady(context)
    }

    /// Once the request has ended and the decision is known: switch protocols, or pass the request on.
    private func proceedIfReady(_ context: ChannelHandlerContext) {
        guard case .deciding(var head, let ended, let decision?, let held) = state, ended else { return }
        guard let plan = decision else {
            // Refused: the responder explains why. Without the Upgrade header, Hummingbird serves it as plain HTTP.
            let asked = head.headers["upgrade"].joined(separator: ", ")
            head.headers.remove(name: "upgrade")
            head.headers.replaceOrAdd(name: SPDYStreams.refusedUpgradeHeader, value: asked)
            passOn(context, [wrapInboundOut(.head(head))] + held)
            return
        }
        state = .switching(held: [])
        var response = HTTPResponseHead(version: .http1_1, status: .switchingProtocols)
        response.headers.add(name: "Connection", value: "Upgrade")
        response.headers.add(name: "Upgrade", value: "SPDY/3.1")
        response.headers.add(name: StreamProtocolHeader.name, value: plan.protocolVersion)
        let operations = context.pipeline.syncOperations
        do {
            // No more HTTP parsing: what follows the request is SPDY.
            operations.removeHandler(try operations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self), promise: nil)
        } catch {
            fail(context, error, plan)
            return
        }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.head(response))).whenComplete { written in
            let (handler, context) = loopBound.value
            do {
                try written.get()
                try handler.switchToSPDY(context, plan)
            } catch {
                handler.fail(context, error, plan)
            }
        }
    }

    /// After the 101: only raw bytes from here on, read by the SPDY session through an async channel.
    private func switchToSPDY(_ context: ChannelHandlerContext, _ plan: SPDYStreamPlan) throws {
        let operations = context.pipeline.syncOperations
        operations.removeHandler(try operations.handler(type: HTTPResponseEncoder.self), promise: nil)
        // Hummingbird's WebSocket upgrade handler only understands HTTP parts.
        operations.removeHandler(try operations.handler(type: StreamUpgradeChannel.WebSocketUpgradeHandler.self), promise: nil)
        let raw = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
            wrappingChannelSynchronously: context.channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        result.succeed(.upgraded(raw, plan))
        guard case .switching(let held) = state else { return }
        state = .done
        for bytes in held { context.fireChannelRead(bytes) }
        operations.removeHandler(context: context, promise: nil)
    }

    private func fail(_ context: ChannelHandlerContext, _ error: Error, _ plan: SPDYStreamPlan) {
        if case .remoteCommand(let command) = plan { Task { await command.process.closeStdin() } }
        state = .done
        result.fail(error)
        context.close(promise: nil)
    }

    /// Forwards `parts` and leaves the pipeline; later reads go straight to the next handler.
    private func passOn(_ context: ChannelHandlerContext, _ parts: [NIOAny]) {
        state = .done
        result.succeed(.notUpgraded)
        for part in parts { context.fireChannelRead(part) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

enum StreamProtocolHeader {
    static let name = "X-Stream-Protocol-Version"
}
