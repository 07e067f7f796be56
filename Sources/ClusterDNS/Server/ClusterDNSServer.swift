import KubeAPI
import KubeClient
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// swiftlet's cluster DNS: CoreDNS's kubernetes plugin (plus `forward . /etc/resolv.conf`, `loadbalance`)
/// in-process. Watches Services, EndpointSlices, Pods and Namespaces through its own informers and answers on
/// UDP and TCP on every listen address until the task running `run()` is cancelled.
public final class ClusterDNSServer: Sendable {
    public let config: DNSConfig
    let informers: [Informer]
    let cache: SnapshotCache
    let engine: QueryEngine
    let recorder = StatsRecorder()
    let connections = OpenConnections()
    let logger: Logger
    private let listening = Mutex<(port: Int?, waiters: [CheckedContinuation<Int, Never>])>((nil, []))

    /// A bound socket: the UDP channel, or the TCP server channel whose children answer queries.
    struct Listener {
        enum Transport: String { case udp, tcp }
        var transport: Transport
        var host: String
        var channel: Channel
    }

    public init(client: any KubeClient, config: DNSConfig, logger: Logger = Logger(label: "swiftlet.cluster-dns")) {
        self.config = config
        self.logger = logger
        let services = Informer(client: client, resource: .services)
        let slices = Informer(client: client, resource: .endpointSlices)
        let pods = Informer(client: client, resource: .pods)
        let namespaces = Informer(client: client, resource: .namespaces)
        informers = [services, slices, pods, namespaces]
        let config = config
        cache = SnapshotCache { serial in
            let snapshot = ClusterSnapshot(services: services.list(), endpointSlices: slices.list(), pods: pods.list(),
                                           namespaces: namespaces.list(), serial: serial)
            return ClusterResolver(snapshot: snapshot, clusterDomain: config.clusterDomain, ttl: config.ttl, podMode: config.podMode)
        }
        let cache = cache
        for i in informers { i.addHandler { _, _ in cache.invalidate() } }

        var forwarder: UpstreamForwarder?
        if config.forwardUpstream {
            forwarder = UpstreamForwarder(servers: Self.upstreams(config, logger: logger), timeout: config.upstreamTimeout,
                                          group: MultiThreadedEventLoopGroup.singleton)
        }
        engine = QueryEngine(config: config, snapshots: cache, forwarder: forwarder, stats: recorder, logger: logger)
    }

    /// Counters since start, by query type and response code.
    public var stats: DNSStats { recorder.snapshot }

    /// The resolver over what the informers hold right now.
    public var resolver: ClusterResolver { cache.current }

    /// Answers one query packet as the listeners would (for tests and diagnostics; no socket involved).
    public func respond(to packet: [UInt8], overTCP: Bool = false) async -> [UInt8]? {
        await engine.respond(to: packet, overTCP: overTCP)
    }

    /// Returns the port once every listener is bound (useful with `port: 0`).
    public func waitUntilListening() async -> Int {
        await withCheckedContinuation { (c: CheckedContinuation<Int, Never>) in
            let port = listening.withLock { s -> Int? in
                if s.port == nil { s.waiters.append(c) }
                return s.port
            }
            if let port { c.resume(returning: port) }
        }
    }

    /// Starts the informers, waits (up to `syncTimeout`) for their first list, binds UDP and TCP on every listen
    /// address (retrying every second while an address is not there yet, e.g. a bridge not yet created) and
    /// serves until cancelled. A listener that fails is bound again.
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for informer in informers { group.addTask { await informer.run() } }
            if config.listenAddresses.isEmpty { logger.warning("cluster DNS has no listen addresses: it will answer nothing") }
            await waitForSync()
            let (listeners, port) = try await bindWithRetry()
            logger.info("cluster DNS for \(config.clusterDomain) listening on \(config.listenAddresses.map { "\($0):\(port)" }.joined(separator: ", ")) (UDP, TCP)")
            let waiters = listening.withLock { s -> [CheckedContinuation<Int, Never>] in
                s.port = port
                defer { s.waiters = [] }
                return s.waiters
            }
            for w in waiters { w.resume(returning: port) }
            for listener in listeners {
                group.addTask { await self.keepServing(listener, port: port) }
            }
            try await group.waitForAll()
        }
    }

    // MARK: - start-up

    private func waitForSync() async {
        let deadline = ContinuousClock.now + config.syncTimeout
        while !informers.allSatisfy(\.hasSynced), ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if !informers.allSatisfy(\.hasSynced) { logger.warning("starting cluster DNS with unsynced Kubernetes API") }
    }

    /// The upstream servers: the configured ones, or resolv.conf's, minus our own listen sockets (a loop).
    static func upstreams(_ config: DNSConfig, logger: Logger) -> [SocketAddress] {
        let names = config.upstreamServers.isEmpty ? ResolvConf.nameservers(path: config.resolvConf) : config.upstreamServers
        let own = Set(config.listenAddresses.compactMap(IPText.parse))
        let servers: [SocketAddress] = names.compactMap { text in
            guard let (host, port) = ResolvConf.hostAndPort(text), let ip = IPText.parse(host) else {
                logger.warning("ignoring upstream nameserver \"\(text)\": not an IP address with an optional port")
                return nil
            }
            if own.contains(ip) && port == config.port {
                logger.warning("ignoring upstream nameserver \(text): it is cluster DNS itself")
                return nil
            }
            return try? SocketAddress(ipAddress: host, port: port)
        }
        if servers.isEmpty { logger.warning("no upstream nameservers: names outside \(config.clusterDomain) will get SERVFAIL") }
        return servers
    }

    private func bindWithRetry() async throws -> ([Listener], Int) {
        var attempt = 0
        while true {
            do {
                return try await bindAll()
            } catch {
                if attempt % 30 == 0 { logger.warning("cluster DNS cannot listen yet (retrying every second): \(error)") }
                attempt += 1
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Binds UDP then TCP on every address; with port 0 the first UDP socket picks the port for all.
    private func bindAll() async throws -> ([Listener], Int) {
        var port = config.port
        var bound: [Listener] = []
        do {
            for host in config.listenAddresses {
                let udp = try await bindUDP(host: host, port: port)
                bound.append(udp)
                if port == 0 { port = udp.channel.localAddress?.port ?? 0 }
                bound.append(try await bindTCP(host: host, port: port))
            }
            return (bound, port)
        } catch {
            for l in bound { try? await l.channel.close() }
            throw error
        }
    }

    func bindUDP(host: String, port: Int) async throws -> Listener {
        let engine = self.engine
        do {
            let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                // Up to 16 queries per recvmmsg (4096 bytes a slot; NIO reads one 2048-byte datagram otherwise),
                // their replies flushed together by one sendmmsg: under load the system calls were most of the cost.
                .channelOption(.datagramVectorReadMessageCount, value: Self.queriesPerRead)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.queriesPerRead * QueryEngine.maxUDPPayload))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(UDPQueryHandler(engine: engine))
                    }
                }
                .bind(host: host, port: port).get()
            return Listener(transport: .udp, host: host, channel: channel)
        } catch {
            throw ListenError(proto: "udp", host: host, port: port, underlying: error)
        }
    }

    static let queriesPerRead = 16

    func bindTCP(host: String, port: Int) async throws -> Listener {
        let engine = self.engine
        let connections = self.connections
        let idle = TimeAmount(config.tcpIdleTimeout)
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { child in
                    connections.add(child)
                    return child.eventLoop.makeCompletedFuture {
                        let sync = child.pipeline.syncOperations
                        try sync.addHandler(IdleStateHandler(readTimeout: idle))
                        try sync.addHandler(CloseOnIdleHandler())
                        try sync.addHandler(ByteToMessageHandler(DNSFrameDecoder()))
                        try sync.addHandler(TCPQueryHandler(engine: engine))
                    }
                }
                .bind(host: host, port: port).get()
            return Listener(transport: .tcp, host: host, channel: channel)
        } catch {
            throw ListenError(proto: "tcp", host: host, port: port, underlying: error)
        }
    }

    // MARK: - serving

    /// Keeps a listener open until cancelled; one that closes by itself (a socket error) is bound again.
    private func keepServing(_ first: Listener, port: Int) async {
        var listener: Listener? = first
        while true {
            if let l = listener {
                let channel = l.channel
                await withTaskCancellationHandler {
                    try? await channel.closeFuture.get()
                } onCancel: {
                    channel.close(promise: nil)
                    if l.transport == .tcp { self.connections.closeAll() }
                }
                if !Task.isCancelled { logger.error("cluster DNS \(l.transport.rawValue) listener on \(l.host):\(port) closed; binding it again") }
                listener = nil
            }
            if Task.isCancelled { return }
            try? await Task.sleep(for: .seconds(1))
            listener = try? await (first.transport == .udp ? bindUDP(host: first.host, port: port) : bindTCP(host: first.host, port: port))
        }
    }
}
/// Binding a listen socket failed; names the protocol and address.
public struct ListenError: Error, CustomStringConvertible {
    public let proto: String
    public let host: String
    public let port: Int
    public let underlying: Error
    public var description: String { "listen on \(proto) \(host):\(port): \(underlying)" }
}

extension TimeAmount {
    init(_ d: Duration) {
        let (seconds, attoseconds) = d.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
