/// How swiftlet's cluster DNS serves: where it listens, its zone, and what it does with other names.
public struct DNSConfig: Sendable {
    /// Addresses to bind UDP and TCP on, e.g. ["10.244.0.1"] or ["127.0.0.1"].
    public var listenAddresses: [String]
    /// 53 in production; 0 picks a free port (the same for UDP and TCP, and for every address).
    public var port: Int
    public var clusterDomain: String
    /// TTL of every answer (CoreDNS's kubernetes plugin default: 5 s).
    public var ttl: UInt32
    public var podMode: PodRecordMode
    /// Send names outside the cluster zones to the upstream resolvers (CoreDNS's `forward . /etc/resolv.conf`).
    /// Off: such names get REFUSED, and reverse lookups for addresses outside the cluster get NXDOMAIN.
    /// Tests must turn this off.
    public var forwardUpstream: Bool
    /// Upstream servers as "ip", "ip:port" or "[ipv6]:port"; empty means the nameservers in `resolvConf`.
    public var upstreamServers: [String]
    public var resolvConf: String
    /// How long one upstream server gets to answer before the next is tried.
    public var upstreamTimeout: Duration
    /// Rotate A/AAAA answers randomly, as the `loadbalance` plugin in kubeadm's Corefile does.
    public var shuffleAddresses: Bool
    /// How long to wait for the informers' first list before serving anyway (CoreDNS waits 5 s).
    public var syncTimeout: Duration
    /// A TCP connection with no query for this long is closed (CoreDNS: 10 s).
    public var tcpIdleTimeout: Duration

    public init(listenAddresses: [String], port: Int = 53, clusterDomain: String = "cluster.local", ttl: UInt32 = 5,
                podMode: PodRecordMode = .insecure, forwardUpstream: Bool = true, upstreamServers: [String] = [],
                resolvConf: String = "/etc/resolv.conf", upstreamTimeout: Duration = .seconds(2),
                shuffleAddresses: Bool = true, syncTimeout: Duration = .seconds(5), tcpIdleTimeout: Duration = .seconds(10)) {
        self.listenAddresses = listenAddresses
        self.port = port
        self.clusterDomain = clusterDomain
        self.ttl = ttl
        self.podMode = podMode
        self.forwardUpstream = forwardUpstream
        self.upstreamServers = upstreamServers
        self.resolvConf = resolvConf
        self.upstreamTimeout = upstreamTimeout
        self.shuffleAddresses = shuffleAddresses
        self.syncTimeout = syncTimeout
        self.tcpIdleTimeout = tcpIdleTimeout
    }
}
