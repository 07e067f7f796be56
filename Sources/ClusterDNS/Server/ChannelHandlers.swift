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

/// Answers each datagram: cluster names at once on the event loop, names for the upstream on their own task (one
/// waiting on an upstream must not hold up the rest); the reply goes back to where the query came from.
final class UDPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let engine: QueryEngine

    init(engine: QueryEngine) { self.engine = engine }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let packet = Array(envelope.data.readableBytesView)
        let client = envelope.remoteAddress
        switch engine.answerLocally(packet, overTCP: false) {
        case .reply(let reply):
            guard let reply else { return }
            let out = AddressedEnvelope(remoteAddress: client, data: context.channel.allocator.buffer(bytes: reply))
            context.write(wrapOutboundOut(out), promise: nil)
        case .upstream(let work):
            // Under a flood, drop what cannot be answered soon rather than queue without bound; clients retry.
            guard engine.admit() else { return }
            let channel = context.channel
            let engine = self.engine
            Task {
                defer { engine.release() }
                guard let reply = await engine.complete(work) else { return }
                try? await channel.writeAndFlush(AddressedEnvelope(remoteAddress: client, data: ByteBuffer(bytes: reply)))
            }
        }
    }

    /// The replies to one read's queries leave together.
    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    /// A failed send or an ICMP error concerns one client; the socket serves on.
    func errorCaught(context: ChannelHandlerContext, error: Error) {}
}

/// Answers each framed query of a TCP connection (cluster names at once, the rest on a task); replies may leave
/// in a different order than the queries came, which RFC 7766 §6.2.1.1 allows (clients match them by ID).
final class TCPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let engine: QueryEngine

    init(engine: QueryEngine) { self.engine = engine }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let packet = Array(unwrapInboundIn(data).readableBytesView)
        switch engine.answerLocally(packet, overTCP: true) {
        case .reply(let reply):
            guard let reply else { return }
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: DNSTCPFraming.frame(reply))), promise: nil)
        case .upstream(let work):
            let channel = context.channel
            let engine = self.engine
            Task {
                guard let reply = await engine.complete(work) else { return }
                try? await channel.writeAndFlush(ByteBuffer(bytes: DNSTCPFraming.frame(reply)))
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
