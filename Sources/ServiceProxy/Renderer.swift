import KubeAPI

/// Services + EndpointSlices + this node → the proxy's table, modelled on kube-proxy's nftables mode.
/// Pure and deterministic: the same input always yields the same ruleset, so rulesets can be compared
/// to find what changed.
///
/// Packet paths:
/// - pods (prerouting) and the host (output) → `services`: `service-ips` (ClusterIP, external and
///   load-balancer IPs) and `service-nodeports` (NodePorts on node IPs) verdict maps → per-port chains →
///   `numgen random` over per-endpoint chains → `dnat`.
/// - filter hooks (before DNAT) reject new connections to Services without endpoints at once, and
///   after DNAT reject unknown ports of ClusterIPs and drop unallocated addresses of the service CIDR.
/// - `mark-for-masquerade` sets a mark that `nat-postrouting` turns into masquerade (hairpin, NodePort,
///   load-balancer and non-pod ClusterIP traffic).
public struct ProxyRenderer: Sendable {
    public let config: ProxyConfig

    public init(config: ProxyConfig) {
        self.config = config
    }

    // Names inside the table (the table itself already says "swiftlet", so no prefixes).
    static let servicesChain = "services"
    static let serviceIPsMap = "service-ips"
    static let serviceNodePortsMap = "service-nodeports"
    static let nodePortIPsSet = "nodeport-ips"
    static let clusterIPsSet = "cluster-ips"
    static let serviceEndpointsCheckChain = "service-endpoints-check"
    static let nodePortEndpointsCheckChain = "nodeport-endpoints-check"
    static let noEndpointServicesMap = "no-endpoint-services"
    static let noEndpointNodePortsMap = "no-endpoint-nodeports"
    static let rejectChain = "reject-chain"
    static let clusterIPsCheckChain = "cluster-ips-check"
    static let firewallIPsMap = "firewall-ips"
    static let firewallCheckChain = "firewall-check"
    static let markMasqChain = "mark-for-masquerade"
    static let masqueradingChain = "masquerading"

    /// Netfilter's standard priorities: dstnat is -100, srcnat 100. Filter chains run just before DNAT
    /// (they must see the Service address), and once more just after it.
    /// (nft 1.0.6 accepts the symbolic `dstnat` only on prerouting, so numbers are written out.)
    ///
    /// Unlike kube-proxy, traffic that is not DNATed is checked in prerouting, not forward: the service CIDR is
    /// routed into the bridge, so a pod's packet to a Service without endpoints would be forwarded back out of
    /// the interface it came in on, and the kernel sends the pod an ICMP redirect before the forward hook runs.
    /// That redirect uses up the pod's ICMP rate-limit budget, and the port-unreachable a UDP reject sends is
    /// then suppressed: the UDP client would wait for its timeout instead of failing at once.
    static let baseChains: [(name: String, type: String, hook: String, priority: Int)] = [
        ("filter-prerouting", "filter", "prerouting", -110),
        ("filter-prerouting-post-dnat", "filter", "prerouting", -90),
        ("filter-input", "filter", "input", -110),
        ("filter-output", "filter", "output", -110),
        ("filter-output-post-dnat", "filter", "output", -90),
        ("nat-prerouting", "nat", "prerouting", -100),
        ("nat-output", "nat", "output", -100),
        ("nat-postrouting", "nat", "postrouting", 100),
    ]

    /// Raw-priority chains, only with `nodeLocalDNS`.
    static let notrackChains: [(name: String, hook: String)] = [("raw-prerouting", "prerouting"), ("raw-output", "output")]

    /// Which base chain jumps to which top-level chain, and on what condition. (kube-proxy checks forwarded
    /// traffic in forward, for old kernels that reject only in input, forward and output; current kernels
    /// reject in prerouting too, which is used here for the reason given at `baseChains`.)
    static let jumps: [(from: String, to: String, condition: String)] = [
        ("filter-prerouting", firewallCheckChain, "ct state new"),
        ("filter-prerouting", serviceEndpointsCheckChain, "ct state new"),
        ("filter-prerouting-post-dnat", clusterIPsCheckChain, "ct state new"),
        ("filter-input", nodePortEndpointsCheckChain, "ct state new"),
        ("filter-input", serviceEndpointsCheckChain, "ct state new"),
        ("filter-output", serviceEndpointsCheckChain, "ct state new"),
        ("filter-output", firewallCheckChain, "ct state new"),
        ("filter-output-post-dnat", clusterIPsCheckChain, "ct state new"),
        ("nat-prerouting", servicesChain, ""),
        ("nat-output", servicesChain, ""),
        ("nat-postrouting", masqueradingChain, ""),
    ]

    var markHex: String { "0x" + String(config.masqueradeMark, radix: 16) }

    /// Node addresses that take NodePort traffic (never loopback); empty means "any local address".
    var nodePortIPs: [String] {
        var seen = Set<String>()
        return config.nodeIPs.compactMap { IPv4CIDR.parseAddress($0) }
            .filter { $0 >> 24 != 127 }.map(IPv4CIDR.format).filter { seen.insert($0).inserted }
    }

    /// The match that selects the NodePort destinations in `services` and the endpoint checks.
    var nodePortMatch: String {
        nodePortIPs.isEmpty ? "fib daddr type local ip daddr != 127.0.0.0/8" : "ip daddr @\(Self.nodePortIPsSet)"
    }

    /// Matches for "this packet comes from a pod on this node" and its negation; nil when neither a pod
    /// CIDR nor a bridge is configured (then only masquerade-all can mark ClusterIP traffic).
    var localTraffic: (isLocal: String, notLocal: String)? {
        if let cidr = config.clusterCIDR.flatMap(IPv4CIDR.init) {
            return ("ip saddr \(cidr)", "ip saddr != \(cidr)")
        }
        if !config.bridgeName.isEmpty {
            return ("iifname \"\(config.bridgeName)\"", "iifname != \"\(config.bridgeName)\"")
        }
        return nil
    }

    /// The static skeleton: base chains, top-level chains, maps and sets.
    func renderBase() -> RuleGroup {
        var chains: [NftChain] = Self.baseChains.map {
            NftChain(name: $0.name, hook: "type \($0.type) hook \($0.hook) priority \($0.priority); policy accept;")
        }
        func append(_ rule: String, to chain: String) {
            if let i = chains.firstIndex(where: { $0.name == chain }) {
                chains[i].rules.append(rule)
            } else {
                chains.append(NftChain(name: chain, rules: [rule]))
            }
        }
        for j in Self.jumps {
            append(j.condition.isEmpty ? "jump \(j.to)" : "\(j.condition) jump \(j.to)", to: j.from)
        }
        append("ip daddr . meta l4proto . th dport vmap @\(Self.serviceIPsMap)", to: Self.servicesChain)
        append("\(nodePortMatch) meta l4proto . th dport vmap @\(Self.serviceNodePortsMap)", to: Self.servicesChain)
        append("mark set mark or \(markHex)", to: Self.markMasqChain)
        append("mark and \(markHex) == 0 return", to: Self.masqueradingChain)
        append("mark set mark xor \(markHex)", to: Self.masqueradingChain)
        append("masquerade fully-random", to: Self.masqueradingChain)
        append("ip daddr . meta l4proto . th dport vmap @\(Self.noEndpointServicesMap)", to: Self.serviceEndpointsCheckChain)
        append("\(nodePortMatch) meta l4proto . th dport vmap @\(Self.noEndpointNodePortsMap)", to: Self.nodePortEndpointsCheckChain)
        append("ip daddr . meta l4proto . th dport vmap @\(Self.firewallIPsMap)", to: Self.firewallCheckChain)
        // A TCP reset (or ICMP port unreachable for other protocols) makes connect() fail at once
        // instead of timing out.
        append("meta l4proto tcp reject with tcp reset", to: Self.rejectChain)
        append("reject", to: Self.rejectChain)
        // The reject chain answers TCP with a reset: ICMP errors are rate-limited per peer (and redirects
        // sent by the bridge-routing host count against the same budget), a reset is always sent.
        append("ip daddr @\(Self.clusterIPsSet) goto \(Self.rejectChain) comment \"Reject traffic to invalid ports of ClusterIPs\"",
               to: Self.clusterIPsCheckChain)
        if let cidr = IPv4CIDR(config.serviceCIDR) {
            append("ip daddr \(cidr) drop comment \"Drop traffic to unallocated ClusterIPs\"", to: Self.clusterIPsCheckChain)
        }

        let key3 = "ipv4_addr . inet_proto . inet_service : verdict"
        let key2 = "inet_proto . inet_service : verdict"
        var sets = [
            NftSet(name: Self.clusterIPsSet, spec: "type ipv4_addr; comment \"Active ClusterIPs\";"),
            NftSet(name: Self.noEndpointServicesMap, isMap: true,
                   spec: "type \(key3); comment \"vmap to drop or reject packets to services with no endpoints\";"),
            NftSet(name: Self.noEndpointNodePortsMap, isMap: true,
                   spec: "type \(key2); comment \"vmap to drop or reject packets to service nodeports with no endpoints\";"),
            NftSet(name: Self.firewallIPsMap, isMap: true,
                   spec: "type \(key3); comment \"destinations that are subject to LoadBalancerSourceRanges\";"),
            NftSet(name: Self.serviceIPsMap, isMap: true,
                   spec: "type \(key3); comment \"ClusterIP, ExternalIP and LoadBalancer IP traffic\";"),
            NftSet(name: Self.serviceNodePortsMap, isMap: true, spec: "type \(key2); comment \"NodePort traffic\";"),
        ]
        var elements: [NftElement] = []
        if !nodePortIPs.isEmpty {
            sets.append(NftSet(name: Self.nodePortIPsSet, spec: "type ipv4_addr; comment \"IPs that accept NodePort traffic\";"))
            elements = nodePortIPs.map { NftElement(set: Self.nodePortIPsSet, key: $0) }
        }
        if let dns = config.nodeLocalDNS.flatMap(IPv4CIDR.parseAddress).map(IPv4CIDR.format) {
            // Before conntrack (priority -200) sees them: queries to the local DNS and its replies, both ways,
            // from pods (prerouting) and from the host (output).
            for (name, hook) in Self.notrackChains {
                chains.append(NftChain(name: name, hook: "type filter hook \(hook) priority -300; policy accept;"))
                append("ip daddr \(dns) meta l4proto { tcp, udp } th dport 53 notrack", to: name)
                append("ip saddr \(dns) meta l4proto { tcp, udp } th sport 53 notrack", to: name)
            }
        }
        // Deterministic order for declarations: base chains as listed, then the rest by name.
        let baseNames = Set(Self.baseChains.map(\.name) + Self.notrackChains.map(\.name))
        let hooked = chains.filter { baseNames.contains($0.name) }
        let regular = chains.filter { !baseNames.contains($0.name) }.sorted { $0.name < $1.name }
        return RuleGroup(chains: hooked + regular, sets: sets, elements: elements)
    }

    /// The whole table for these objects. Objects that do not parse are skipped (never fail a sync).
    public func render(services: [JSON], endpointSlices: [JSON]) -> ProxyRuleset {
        let index = EndpointsIndex(slices: endpointSlices, nodeName: config.nodeName)
        var claims = ElementClaims()
        var groups: [String: RuleGroup] = [:]
        for service in services.sortedByNamespaceAndName() {
            let ports = ServicePortInfo.ports(of: service)
            guard let first = ports.first else { continue }
            var group = RuleGroup()
            for port in ports {
                renderPort(port, endpoints: CategorizedEndpoints(index.endpoints(for: port), for: port),
                           into: &group, claims: &claims)
            }
            if !group.isEmpty { groups[first.serviceKey] = group }
        }
        return ProxyRuleset(tableName: config.tableName, base: renderBase(), services: groups)
    }
}

/// A map key can hold one value: when two Services claim the same destination (say the same
/// external IP and port), the first in namespace/name order keeps it, as a stable tie-break.
struct ElementClaims {
    private var taken: [String: Set<String>] = [:]

    mutating func claim(_ e: NftElement) -> Bool {
        taken[e.set, default: []].insert(e.key).inserted
    }
}
