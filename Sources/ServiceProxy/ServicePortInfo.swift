import KubeAPI

/// One port of one Service, reduced to what the rules depend on (kube-proxy's ServicePort).
struct ServicePortInfo: Equatable, Sendable {
    var namespace: String
    var name: String
    var portName: String
    /// `tcp`, `udp` or `sctp`, as nftables spells them.
    var proto: String
    var port: Int
    var nodePort: Int
    var clusterIP: String
    var externalIPs: [String]
    var loadBalancerIPs: [String]
    var loadBalancerSourceRanges: [String]
    /// ClientIP session affinity timeout in seconds; nil without affinity.
    var affinityTimeout: Int?
    var externalPolicyLocal: Bool
    var internalPolicyLocal: Bool

    var serviceKey: String { "\(namespace)/\(name)" }
    /// `ns/name:port` as kube-proxy prints a ServicePortName.
    var displayName: String { portName.isEmpty ? serviceKey : "\(serviceKey):\(portName)" }

    var externallyAccessible: Bool { nodePort != 0 || !externalIPs.isEmpty || !loadBalancerIPs.isEmpty }
    /// Cluster endpoints serve ClusterIP traffic unless its policy is Local, and always back external
    /// traffic (Local external policy still short-circuits pod and host traffic to them).
    var usesClusterEndpoints: Bool { !internalPolicyLocal || externallyAccessible }
    var usesLocalEndpoints: Bool { internalPolicyLocal || (externallyAccessible && externalPolicyLocal) }

    var chainBase: String { ChainNames.servicePortBase(namespace: namespace, name: name, proto: proto, portName: portName) }
    var clusterPolicyChain: String { ChainNames.clusterPolicyPrefix + chainBase }
    var localPolicyChain: String { ChainNames.localPolicyPrefix + chainBase }
    var externalChain: String { ChainNames.externalPrefix + chainBase }
    var firewallChain: String { ChainNames.firewallPrefix + chainBase }
}

/// Labels that tell kube-proxy to leave an object to someone else (on Services and EndpointSlices).
let serviceProxyNameLabel = "service.kubernetes.io/service-proxy-name"
let headlessLabel = "service.kubernetes.io/headless"
/// The default ClientIP affinity timeout (3 hours), as the API server defaults it.
let defaultAffinityTimeout = 10800

extension ServicePortInfo {
    /// The ports kube-proxy would program for `service`: none for ExternalName and headless Services,
    /// for Services another proxy owns, or without an IPv4 ClusterIP (IPv6 is not supported here).
    static func ports(of service: JSON) -> [ServicePortInfo] {
        let spec = service["spec"]
        guard let namespace = service.namespace, let name = service.name else { return [] }
        if service["metadata"]["labels"][serviceProxyNameLabel] != .null { return [] }
        let type = spec["type"].string ?? "ClusterIP"
        if type == "ExternalName" { return [] }
        guard let clusterIP = spec["clusterIP"].string, IPv4CIDR.parseAddress(clusterIP) != nil else { return [] }

        let externalIPs = (spec["externalIPs"].array ?? []).compactMap(\.string).filter { IPv4CIDR.parseAddress($0) != nil }
        var lbIPs: [String] = []
        if type == "LoadBalancer" {
            for ingress in service["status"]["loadBalancer"]["ingress"].array ?? [] {
                // "Proxy" mode ingress IPs are handled by the load balancer, not by nodes.
                if ingress["ipMode"].string == "Proxy" { continue }
                if let ip = ingress["ip"].string, IPv4CIDR.parseAddress(ip) != nil { lbIPs.append(ip) }
            }
        }
        let sourceRanges = (spec["loadBalancerSourceRanges"].array ?? []).compactMap(\.string)
            .compactMap { IPv4CIDR($0.trimmingWhitespace())?.description }
        var affinity: Int?
        if spec["sessionAffinity"].string == "ClientIP" {
            affinity = spec["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"].int.map { Int($0) } ?? defaultAffinityTimeout
        }
        let exposesExternally = type == "NodePort" || type == "LoadBalancer" || !externalIPs.isEmpty
        let externalLocal = exposesExternally && spec["externalTrafficPolicy"].string == "Local"
        let internalLocal = spec["internalTrafficPolicy"].string == "Local"

        return (spec["ports"].array ?? []).compactMap { p in
            guard let port = p["port"].int, port > 0 else { return nil }
            let nodePort = (type == "NodePort" || type == "LoadBalancer") ? Int(p["nodePort"].int ?? 0) : 0
            return ServicePortInfo(
                namespace: namespace, name: name, portName: p["name"].string ?? "",
                proto: (p["protocol"].string ?? "TCP").lowercased(), port: Int(port), nodePort: nodePort,
                clusterIP: clusterIP, externalIPs: externalIPs, loadBalancerIPs: lbIPs,
                loadBalancerSourceRanges: sourceRanges, affinityTimeout: affinity,
                externalPolicyLocal: externalLocal, internalPolicyLocal: internalLocal)
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
