import KubeAPI

/// The chains, sets and map elements of one Service port (kube-proxy's per-service-port sync step).
extension ProxyRenderer {
    func renderPort(_ svc: ServicePortInfo, endpoints eps: CategorizedEndpoints,
                    into group: inout RuleGroup, claims: inout ElementClaims) {
        let proto = svc.proto
        let mark = "jump \(Self.markMasqChain)"
        var chains: [String: [String]] = [:]
        var chainOrder: [String] = []
        func chain(_ name: String) {
            if chains[name] == nil {
                chains[name] = []
                chainOrder.append(name)
            }
        }
        func rule(_ name: String, _ body: String) {
            chain(name)
            chains[name]!.append(body)
        }
        func element(_ set: String, _ key: String, _ value: String? = nil) {
            let e = NftElement(set: set, key: key, value: value)
            if claims.claim(e) { group.elements.append(e) }
        }

        element(Self.clusterIPsSet, svc.clusterIP)

        let usesClusterChain = !eps.cluster.isEmpty && svc.usesClusterEndpoints
        let usesLocalChain = !eps.local.isEmpty && svc.usesLocalEndpoints
        if usesClusterChain { chain(svc.clusterPolicyChain) }
        if usesLocalChain { chain(svc.localPolicyChain) }

        // Internal traffic (to the ClusterIP) follows internalTrafficPolicy; external traffic (NodePort,
        // external and load-balancer IPs) goes through the external chain, which applies
        // externalTrafficPolicy.
        var internalChain = svc.clusterPolicyChain
        var hasInternal = eps.hasAny
        if svc.internalPolicyLocal {
            internalChain = svc.localPolicyChain
            if eps.local.isEmpty { hasInternal = false }
        }
        var externalPolicyChain = svc.clusterPolicyChain
        var hasExternal = eps.hasAny
        if svc.externalPolicyLocal {
            externalPolicyChain = svc.localPolicyChain
            if eps.local.isEmpty { hasExternal = false }
        }
        // The external chain exists even without usable external endpoints: its short-circuit rules for
        // pod and host traffic still apply.
        let usesExternalChain = eps.hasAny && svc.externallyAccessible
        if usesExternalChain { chain(svc.externalChain) }

        // No endpoints at all: reject (connect fails at once). Endpoints, but none that this traffic
        // may use (a Local policy without local endpoints): drop, as kube-proxy does.
        let filterVerdict = eps.hasAny ? "drop" : "goto \(Self.rejectChain)"
        let dport = "\(proto) . \(svc.port)"

        if hasInternal {
            element(Self.serviceIPsMap, "\(svc.clusterIP) . \(dport)", "goto \(internalChain)")
        } else {
            element(Self.noEndpointServicesMap, "\(svc.clusterIP) . \(dport)", filterVerdict)
        }

        for ip in svc.externalIPs {
            if eps.hasAny { element(Self.serviceIPsMap, "\(ip) . \(dport)", "goto \(svc.externalChain)") }
            if !hasExternal { element(Self.noEndpointServicesMap, "\(ip) . \(dport)", filterVerdict) }
        }

        // loadBalancerSourceRanges: sources outside the ranges are dropped before DNAT. When the node
        // itself is in a range, the load-balancer IPs are allowed too (a node reaching a VIP it holds
        // sends from that VIP).
        let usesFirewall = !svc.loadBalancerIPs.isEmpty && !svc.loadBalancerSourceRanges.isEmpty
        if usesFirewall {
            var sources = svc.loadBalancerSourceRanges
            let ranges = sources.compactMap(IPv4CIDR.init)
            if nodePortIPs.contains(where: { ip in ranges.contains { $0.contains(ip) } }) {
                sources += svc.loadBalancerIPs
            }
            rule(svc.firewallChain, "ip saddr != { \(sources.joined(separator: ", ")) } drop")
        }
        for ip in svc.loadBalancerIPs {
            if eps.hasAny { element(Self.serviceIPsMap, "\(ip) . \(dport)", "goto \(svc.externalChain)") }
            if usesFirewall { element(Self.firewallIPsMap, "\(ip) . \(dport)", "goto \(svc.firewallChain)") }
        }
        if !hasExternal {
            for ip in svc.loadBalancerIPs { element(Self.noEndpointServicesMap, "\(ip) . \(dport)", filterVerdict) }
        }

        if svc.nodePort != 0 {
            let key = "\(proto) . \(svc.nodePort)"
            if eps.hasAny { element(Self.serviceNodePortsMap, key, "goto \(svc.externalChain)") }
            if !hasExternal { element(Self.noEndpointNodePortsMap, key, filterVerdict) }
        }

        // ClusterIP traffic from outside the pod network (the host, other nodes) is masqueraded so that
        // replies come back through this node to be un-DNATed.
        if hasInternal {
            let match = "ip daddr \(svc.clusterIP) \(proto) dport \(svc.port)"
            if config.masqueradeAll {
                rule(internalChain, "\(match) \(mark)")
            } else if let local = localTraffic {
                rule(internalChain, "\(match) \(local.notLocal) \(mark)")
            }
        }

        if usesExternalChain {
            if !svc.externalPolicyLocal {
                // The endpoint may be on another node: masquerade so replies return through us.
                rule(svc.externalChain, mark)
            } else {
                // Pods and the host reach external addresses as if through the load balancer and back,
                // exempt from the Local policy; the host's source is a local address, so masquerade it.
                if let local = localTraffic {
                    rule(svc.externalChain, "\(local.isLocal) goto \(svc.clusterPolicyChain) comment \"short-circuit pod traffic\"")
                }
                rule(svc.externalChain, "fib saddr type local \(mark) comment \"masquerade local traffic\"")
                rule(svc.externalChain, "fib saddr type local goto \(svc.clusterPolicyChain) comment \"short-circuit local traffic\"")
            }
            if hasExternal { rule(svc.externalChain, "goto \(externalPolicyChain)") }
        }

        func endpointBase(_ ep: EndpointInfo) -> String {
            ChainNames.endpointBase(namespace: svc.namespace, name: svc.name, proto: proto,
                                    portName: svc.portName, ip: ep.ip, port: ep.port)
        }
        func endpointChain(_ ep: EndpointInfo) -> String { ChainNames.endpointPrefix + endpointBase(ep) }
        func affinitySet(_ ep: EndpointInfo) -> String { ChainNames.affinityPrefix + endpointBase(ep) }

        // ClientIP affinity: one timeout set of client addresses per endpoint; a client found in a set
        // goes back to that endpoint, and each new connection refreshes its entry.
        if let timeout = svc.affinityTimeout {
            for ep in eps.allReachable {
                group.sets.append(NftSet(name: affinitySet(ep),
                                         spec: "type ipv4_addr; flags dynamic,timeout; timeout \(timeout)s;"))
            }
        }
        func balance(_ chainName: String, _ endpoints: [EndpointInfo]) {
            if svc.affinityTimeout != nil {
                for ep in endpoints { rule(chainName, "ip saddr @\(affinitySet(ep)) goto \(endpointChain(ep))") }
            }
            let targets = endpoints.enumerated().map { "\($0.offset) : goto \(endpointChain($0.element))" }
            rule(chainName, "numgen random mod \(endpoints.count) vmap { \(targets.joined(separator: ", ")) }")
        }
        if usesClusterChain { balance(svc.clusterPolicyChain, eps.cluster) }
        if usesLocalChain { balance(svc.localPolicyChain, eps.local) }

        for ep in eps.allReachable {
            let name = endpointChain(ep)
            // Hairpin: a pod reaching itself through the Service must see the reply come from the
            // Service, so its own address is masqueraded.
            rule(name, "ip saddr \(ep.ip) \(mark)")
            if svc.affinityTimeout != nil { rule(name, "update @\(affinitySet(ep)) { ip saddr }") }
            rule(name, "meta l4proto \(proto) dnat to \(ep.ip):\(ep.port)")
        }

        group.chains += chainOrder.map { NftChain(name: $0, rules: chains[$0]!) }
    }
}
