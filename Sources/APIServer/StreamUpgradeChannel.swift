import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// The API server's HTTP/1.1 connections: Hummingbird's HTTP/1 + WebSocket upgrade channel, unchanged, with one
/// more upgrade in front of it: `Upgrade: SPDY/3.1`, which kubectl uses for exec/attach/port-forward when it
/// does not (or may not) use WebSockets.
///
/// Hummingbird builds the pipeline `HTTPResponseEncoder → HTTPRequestDecoder → upgrade handler (websocket)`. This
/// channel puts a second NIO upgrade handler, holding only the SPDY upgrader, before the WebSocket one. The first
/// request of a connection meets the SPDY handler first: a SPDY upgrade it accepts takes the connection over
/// (101, then raw SPDY frames); anything else passes on untouched to Hummingbird's handler, which upgrades to a
/// WebSocket or hands the request to the HTTP responder as before. A refused SPDY upgrade therefore reaches the
/// responder, which explains the refusal with a Status.
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
            let encoder = try operations.handler(type: HTTPResponseEncoder.self)
            let decoder = try operations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            let webSocketUpgrade = try operations.handler(type: WebSocketUpgradeHandler.self)
            let spdyUpgrade = NIOTypedHTTPServerUpgradeHandler<SPDYUpgradeResult>(
                httpEncoder: encoder,
                extraHTTPHandlers: [decoder],
                upgradeConfiguration: .init(
                    upgraders: [SPDYUpgrader(accept: acceptSPDY)],
                    notUpgradingCompletionHandler: { channel in channel.eventLoop.makeSucceededFuture(.notUpgraded) }))
            try operations.addHandler(spdyUpgrade, position: .before(webSocketUpgrade))
            return Value(spdy: spdyUpgrade.upgradeResultFuture, http: httpValue)
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

/// The NIO upgrader for `Upgrade: SPDY/3.1`. One per connection: the plan decided while building the 101 is kept
/// for the pipeline switch that follows it.
final class SPDYUpgrader: NIOTypedHTTPServerProtocolUpgrader, Sendable {
    typealias UpgradeResult = SPDYUpgradeResult

    struct Declined: Error {}

    let supportedProtocol = "SPDY/3.1"
    let requiredUpgradeHeaders: [String] = []
    private let accept: @Sendable (HTTPRequestHead, any Channel) async -> SPDYStreamPlan?
    private let accepted = NIOLockedValueBox<SPDYStreamPlan?>(nil)

    init(accept: @escaping @Sendable (HTTPRequestHead, any Channel) async -> SPDYStreamPlan?) {
        self.accept = accept
    }

    func buildUpgradeResponse(channel: any Channel, upgradeRequest: HTTPRequestHead,
                              initialResponseHeaders: HTTPHeaders) -> EventLoopFuture<HTTPHeaders> {
        let promise = channel.eventLoop.makePromise(of: HTTPHeaders.self)
        let accept = self.accept, accepted = self.accepted
        promise.completeWithTask {
            // Declining makes NIO pass the request on, as if it had asked for no upgrade.
            guard let plan = await accept(upgradeRequest, channel) else { throw Declined() }
            accepted.withLockedValue { $0 = plan }
            var headers = initialResponseHeaders
            headers.add(name: StreamProtocolHeader.name, value: plan.protocolVersion)
            return headers
        }
        return promise.futureResult
    }

    func upgrade(channel: any Channel, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<SPDYUpgradeResult> {
        channel.eventLoop.makeCompletedFuture {
            guard let plan = accepted.withLockedValue({ $0 }) else { throw Declined() }
            let operations = channel.pipeline.syncOperations
            // Hummingbird's WebSocket upgrade handler sits behind this one and only understands HTTP parts: the
            // connection no longer carries HTTP, so it goes.
            if let webSocketUpgrade = try? operations.handler(type: StreamUpgradeChannel.WebSocketUpgradeHandler.self) {
                operations.removeHandler(webSocketUpgrade, promise: nil)
            }
            let raw = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
            return .upgraded(raw, plan)
        }
    }
}

enum StreamProtocolHeader {
    static let name = "X-Stream-Protocol-Version"
}
