import NIOCore
import NIOPosix

enum UpstreamError: Error, CustomStringConvertible {
    case timeout(SocketAddress)
    case closed
    case noServers

    var description: String {
        switch self {
        case .timeout(let s): return "upstream \(s) did not answer in time"
        case .closed: return "upstream closed the connection before answering"
        case .noServers: return "no upstream nameservers configured"
        }
    }
}

/// Sends queries for names outside the cluster to the host's resolvers, like CoreDNS's forward plugin: over
/// the client's transport, each query from a fresh socket with a fresh random ID (so a spoofed or late answer
/// is never taken for another query's), trying the servers in order until one answers.
final class UpstreamForwarder: Sendable {
    let servers: [SocketAddress]
    let timeout: TimeAmount
    let group: any EventLoopGroup

    init(servers: [SocketAddress], timeout: Duration, group: any EventLoopGroup) {
        self.servers = servers
        self.timeout = TimeAmount(timeout)
        self.group = group
    }

    /// Forwards the client's query bytes as they are (EDNS and all) and returns the upstream reply with the
    /// client's ID put back.
    func forward(_ query: [UInt8], overTCP: Bool) async throws -> [UInt8] {
        guard query.count >= 12 else { throw DNSCodecError("query shorter than a header") }
        guard !servers.isEmpty else { throw UpstreamError.noServers }
        var lastError: Error = UpstreamError.noServers
        for server in servers {
            let id = UInt16.random(in: 0...UInt16.max)
            var packet = query
            packet[0] = UInt8(id >> 8)
            packet[1] = UInt8(id & 0xFF)
            do {
                var reply = overTCP ? try await exchangeTCP(packet, server: server, id: id)
                                    : try await exchangeUDP(packet, server: server, id: id)
                reply[0] = query[0]
                reply[1] = query[1]
                return reply
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    /// Looks one question up upstream (used to complete ExternalName CNAMEs) and returns the answer records.
    func lookup(_ question: DNSQuestion) async throws -> [DNSRecord] {
        let query = DNSMessage.query(id: 0, name: question.name, type: question.type, edns: EDNS(udpPayloadSize: 1232))
        var reply = try DNSMessage(decoding: try await forward(try query.encoded(), overTCP: false))
        if reply.header.truncated {
            reply = try DNSMessage(decoding: try await forward(try query.encoded(), overTCP: true))
        }
        return reply.rcode == .noError ? reply.answers : []
    }

    private func exchangeUDP(_ packet: [UInt8], server: SocketAddress, id: UInt16) async throws -> [UInt8] {
        let local = server.protocol == .inet6 ? "::" : "0.0.0.0"
        let channel = try await DatagramBootstrap(group: group).bind(host: local, port: 0).get()
        defer { channel.close(promise: nil) }
        let promise = channel.eventLoop.makePromise(of: [UInt8].self)
        // Every path completes the promise (a second completion is ignored): NIO traps on leaked promises.
        defer { promise.fail(UpstreamError.closed) }
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(UpstreamDatagramHandler(server: server, id: id, promise: promise))
        }.get()
        let timer = channel.eventLoop.scheduleTask(in: timeout) { promise.fail(UpstreamError.timeout(server)) }
        defer { timer.cancel() }
        var buffer = channel.allocator.buffer(capacity: packet.count)
        buffer.writeBytes(packet)
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: server, data: buffer), promise: nil)
        return try await promise.futureResult.get()
    }

    private func exchangeTCP(_ packet: [UInt8], server: SocketAddress, id: UInt16) async throws -> [UInt8] {
        let promise = group.next().makePromise(of: [UInt8].self)
        defer { promise.fail(UpstreamError.closed) }
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(UpstreamStreamHandler(id: id, promise: promise))
                }
            }
            .connect(to: server).get()
        defer { channel.close(promise: nil) }
        let timer = channel.eventLoop.scheduleTask(in: timeout) { promise.fail(UpstreamError.timeout(server)) }
        defer { timer.cancel() }
        var buffer = channel.allocator.buffer(capacity: packet.count + 2)
        buffer.writeBytes(DNSTCPFraming.frame(packet))
        channel.writeAndFlush(buffer, promise: nil)
        return try await promise.futureResult.get()
    }
}
