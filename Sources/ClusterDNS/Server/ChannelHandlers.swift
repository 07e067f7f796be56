import NIOCore

/// Cuts a TCP byte stream into DNS messages at their 2-byte length prefixes (RFC 7766 §8).
struct DNSFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
              buffer.readableBytes >= 2 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 2)
        context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: Int(length))!))
        return .continue
    }
}

/// Closes a TCP connection that the IdleStateHandler in front of it reports idle, so idle clients do not
/// hold sockets forever.
final class CloseOnIdleHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

/// Completes `promise` with the first datagram from `server` that carries `id`; anything else (late or
/// spoofed answers) is ignored.
final class UpstreamDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let server: SocketAddress
    let id: UInt16
    let promise: EventLoopPromise<[UInt8]>

    init(server: SocketAddress, id: UInt16, promise: EventLoopPromise<[UInt8]>) {
        self.server = server
        self.id = id
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.remoteAddress == server, let bytes = envelope.data.getBytes(at: envelope.data.readerIndex, length: envelope.data.readableBytes),
              DNSMessage.peekHeader(bytes)?.id == id else { return }
        promise.succeed(bytes)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise.fail(error)
    }
}

/// Completes `promise` with the first framed message carrying `id` on an upstream TCP connection.
final class UpstreamStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let id: UInt16
    let promise: EventLoopPromise<[UInt8]>

    init(id: UInt16, promise: EventLoopPromise<[UInt8]>) {
        self.id = id
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let bytes = frame.getBytes(at: frame.readerIndex, length: frame.readableBytes), DNSMessage.peekHeader(bytes)?.id == id else { return }
        promise.succeed(bytes)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(UpstreamError.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise.fail(error)
    }
}

/// Answers each datagram on its own task (one waiting on an upstream must not hold up the rest) and sends
/// the reply back to where the query came from.
final class UDPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let engine: QueryEngine

    init(engine: QueryEngine) { self.engine = engine }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        // Under a flood, drop what cannot be answered soon rather than queue without bound; clients retry.
        guard engine.admit() else { return }
        let packet = Array(envelope.data.readableBytesView)
        let client = envelope.remoteAddress
        let channel = context.channel
        let engine = self.engine
        Task {
            defer { engine.release() }
            guard let reply = await engine.respond(to: packet, overTCP: false) else { return }
            try? await channel.writeAndFlush(AddressedEnvelope(remoteAddress: client, data: ByteBuffer(bytes: reply)))
        }
    }

    /// A failed send or an ICMP error concerns one client; the socket serves on.
    func errorCaught(context: ChannelHandlerContext, error: Error) {}
}

/// Answers each framed query of a TCP connection; replies may leave in a different order than the queries
/// came, which RFC 7766 §6.2.1.1 allows (clients match them by ID).
final class TCPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let engine: QueryEngine

    init(engine: QueryEngine) { self.engine = engine }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let packet = Array(unwrapInboundIn(data).readableBytesView)
        let channel = context.channel
        let engine = self.engine
        Task {
            guard let reply = await engine.respond(to: packet, overTCP: true) else { return }
            try? await channel.writeAndFlush(ByteBuffer(bytes: DNSTCPFraming.frame(reply)))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
