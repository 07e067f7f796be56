import Foundation

extension PodNetwork {
    /// The host side, idempotent (run it on every start):
    /// - bridge `config.bridgeName` (fixed MAC, MTU) up, holding the gateway `.1/<prefix>` of the node range
    ///   (the kernel adds the connected route for the node range on the bridge);
    /// - each of `config.localServiceIPs` as a /32 on the bridge (a local address: delivered to the host's own
    ///   listener, the cluster DNS, before the service route below is ever looked at);
    /// - `net.ipv4.ip_forward=1`;
    /// - `net.bridge.bridge-nf-call-iptables=1` (br_netfilter): traffic between two pods on the bridge then
    ///   passes the host's IPv4 netfilter hooks, which is what lets conntrack un-DNAT a reply from pod B to
    ///   pod A when A reached B through a ClusterIP (B answers A directly over the bridge). Each bridge port
    ///   gets hairpin mode (see createSandbox) because with br_netfilter a pod reaching *itself* through its
    ///   Service is DNATed in the bridge path and must be sent back out of the port it came in on; the service
    ///   proxy masquerades that hairpin traffic (kube-proxy does the same). Note br_netfilter also makes
    ///   pod-to-pod traffic traverse the host's forward chains: a host firewall with a dropping forward
    ///   policy must accept the pod range.
    /// - route `serviceCIDR dev <bridge> scope link`: the host's first lookup for a ClusterIP succeeds, the
    ///   proxy's DNAT rewrites it, and an unprogrammed ClusterIP dies on the bridge rather than leaving by
    ///   the default route;
    /// - `unreachable clusterPodCIDR`: other nodes' pod ranges never leave by the default route; the node's
    ///   own range on the bridge is more specific and wins.
    public func setUpHost() throws {
        try withLock {
            let nl = try NetlinkSocket()
            let bridge = try ensureBridge(nl)
            try nl.addAddress(nodeCIDR.gateway, prefixLength: nodeCIDR.prefixLength, broadcast: nodeCIDR.broadcast,
                              to: bridge, existingIsFine: true)
            for ip in localServiceIPs {
                try nl.addAddress(ip, prefixLength: 32, broadcast: nil, to: bridge, existingIsFine: true)
            }
            if !bridge.isUp { try nl.setUp(bridge) }
            try Sysctl.write("net.ipv4.ip_forward", "1")
            guard FileManager.default.fileExists(atPath: Sysctl.path("net.bridge.bridge-nf-call-iptables")) else {
                throw PodNetworkError("set sysctl net.bridge.bridge-nf-call-iptables=1", errno: ENOENT,
                                      reason: "br_netfilter is not loaded (modprobe br_netfilter); without it replies between pods behind a ClusterIP are not un-NATed")
            }
            try Sysctl.write("net.bridge.bridge-nf-call-iptables", "1")
            try nl.replaceRoute(serviceRoute(bridge))
            try nl.replaceRoute(clusterRoute)
        }
    }

    /// Removes what setUpHost made: the two routes and the bridge (its address and connected route go with
    /// it). Sandboxes are not touched (destroy them first); sysctls stay, as other bridges may rely on them.
    /// Missing pieces are fine.
    public func tearDownHost() throws {
        try withLock {
            let nl = try NetlinkSocket()
            if let bridge = try nl.link(named: config.bridgeName) {
                try nl.deleteRoute(serviceRoute(bridge))
            }
            try nl.deleteRoute(clusterRoute)
            try nl.deleteLink(named: config.bridgeName)
        }
    }

    func serviceRoute(_ bridge: LinkInfo) -> RouteSpec {
        RouteSpec(destination: serviceCIDR, kind: .onLink(ifindex: bridge.index, ifname: bridge.name))
    }

    var clusterRoute: RouteSpec { RouteSpec(destination: clusterCIDR, kind: .unreachable) }

    /// The bridge, created if missing; an interface of that name that is not a bridge is an error (never
    /// delete something we did not make).
    private func ensureBridge(_ nl: NetlinkSocket) throws -> LinkInfo {
        if let existing = try nl.link(named: config.bridgeName) {
            guard existing.kind == "bridge" else {
                throw PodNetworkError("create bridge \(config.bridgeName)", errno: EEXIST,
                                      reason: "an interface of that name exists and is a \(existing.kind ?? "device without a kind"), not a bridge")
            }
            return existing
        }
        try nl.addBridge(name: config.bridgeName, mtu: config.mtu, mac: Naming.bridgeMAC(bridgeName: config.bridgeName))
        guard let made = try nl.link(named: config.bridgeName) else {
            throw PodNetworkError("create bridge \(config.bridgeName)", errno: ENODEV, reason: "it is gone right after creation")
        }
        return made
    }

    /// The bridge, which setUpHost must have made.
    func requireBridge(_ nl: NetlinkSocket, for operation: String) throws -> LinkInfo {
        guard let bridge = try nl.link(named: config.bridgeName), bridge.kind == "bridge" else {
            throw PodNetworkError(operation, errno: ENODEV,
                                  reason: "bridge \(config.bridgeName) does not exist (set up the host first)")
        }
        return bridge
    }
}
