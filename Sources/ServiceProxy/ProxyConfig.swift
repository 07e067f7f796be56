/// What the service proxy needs to know about this node and its networks.
public struct ProxyConfig: Sendable, Equatable {
    /// The `ip` family nftables table that holds every rule (tests use their own name).
    public var tableName: String
    /// The ClusterIP range: addresses in it that no Service owns are dropped.
    public var serviceCIDR: String
    /// The pod range, used to tell pod traffic from everything else (kube-proxy's "ClusterCIDR" local
    /// detection). When nil the bridge name is used instead ("BridgeInterface" detection).
    public var clusterCIDR: String?
    /// Addresses that accept NodePort traffic. Loopback addresses are ignored (NodePorts never answer on
    /// 127.0.0.1, as with kube-proxy's nftables mode); when empty, every local non-loopback address does.
    public var nodeIPs: [String]
    /// The Node whose endpoints count as local for the `Local` traffic policies.
    public var nodeName: String
    /// The bridge the pods hang off; traffic arriving on it comes from pods.
    public var bridgeName: String
    /// The packet mark bit that asks for masquerade in postrouting (kube-proxy's default bit 14).
    public var masqueradeMark: UInt32
    /// Masquerade all traffic to ClusterIPs, not only traffic from outside the pod network.
    public var masqueradeAll: Bool
    /// Syncs are coalesced: after a burst of `syncBurst`, at most one starts per interval.
    public var minSyncInterval: Duration
    /// Syncs that may run back to back before `minSyncInterval` applies (kube-proxy's burstRuns, 2).
    public var syncBurst: Int
    /// Rewrite the whole table at this interval, repairing anything changed behind our back. Off by
    /// default: a full rewrite recreates the table and so forgets ClientIP affinity. (A table removed by
    /// someone else is rebuilt anyway on the next change: the partial update fails and a full one follows.)
    public var fullSyncInterval: Duration?
    /// kube-dns's ClusterIP when this node's DNS answers on it as a local address (NodeLocal DNSCache's
    /// arrangement): DNS to and from it is left untracked, so it is neither NATed to the Service's endpoints
    /// nor costs a conntrack entry per query.
    public var nodeLocalDNS: String?

    public init(tableName: String = "swiftlet", serviceCIDR: String = "10.96.0.0/12", clusterCIDR: String? = nil,
                nodeIPs: [String] = [], nodeName: String, bridgeName: String = "swiftlet0",
                masqueradeMark: UInt32 = 0x4000, masqueradeAll: Bool = false,
                minSyncInterval: Duration = .milliseconds(100), syncBurst: Int = 2, fullSyncInterval: Duration? = nil) {
        self.tableName = tableName
        self.serviceCIDR = serviceCIDR
        self.clusterCIDR = clusterCIDR
        self.nodeIPs = nodeIPs
        self.nodeName = nodeName
        self.bridgeName = bridgeName
        self.masqueradeMark = masqueradeMark
        self.masqueradeAll = masqueradeAll
        self.minSyncInterval = minSyncInterval
        self.syncBurst = syncBurst
        self.fullSyncInterval = fullSyncInterval
    }
}
