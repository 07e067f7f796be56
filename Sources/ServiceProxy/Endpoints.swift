import KubeAPI

/// One endpoint of one Service port, from an EndpointSlice, with the conditions kube-proxy reads.
struct EndpointInfo: Equatable, Sendable {
    var ip: String
    var port: Int
    var ready: Bool
    var serving: Bool
    var terminating: Bool
    /// On this node (the endpoint's nodeName is ours).
    var isLocal: Bool

    var address: String { "\(ip):\(port)" }
}

/// The endpoints of every Service port, keyed by `ns/name`, port name and protocol, as kube-proxy's
/// EndpointSliceCache merges them.
struct EndpointsIndex {
    struct PortKey: Hashable {
        var service: String
        var portName: String
        var proto: String
    }

    private(set) var endpoints: [PortKey: [EndpointInfo]] = [:]

    init(slices: [JSON], nodeName: String) {
        var merged: [PortKey: [String: EndpointInfo]] = [:]
        // Sorted so that duplicates across slices resolve the same way on every sync.
        for slice in slices.sortedByNamespaceAndName() {
            let labels = slice["metadata"]["labels"]
            guard let namespace = slice.namespace, let service = labels["kubernetes.io/service-name"].string,
                  labels[serviceProxyNameLabel] == .null, labels[headlessLabel] == .null,
                  slice["addressType"].string == "IPv4" else { continue }
            for port in slice["ports"].array ?? [] {
                guard let number = port["port"].int, number > 0 else { continue }
                let key = PortKey(service: "\(namespace)/\(service)", portName: port["name"].string ?? "",
                                  proto: (port["protocol"].string ?? "TCP").lowercased())
                for ep in slice["endpoints"].array ?? [] {
                    // Like kube-proxy, only the first address of an endpoint is used.
                    guard let ip = ep["addresses"][0].string, let v = IPv4CIDR.parseAddress(ip) else { continue }
                    let cond = ep["conditions"]
                    // Unknown readiness counts as ready; serving defaults to readiness.
                    let ready = cond["ready"].bool ?? true
                    let info = EndpointInfo(
                        ip: IPv4CIDR.format(v), port: Int(number), ready: ready,
                        serving: cond["serving"].bool ?? ready, terminating: cond["terminating"].bool ?? false,
                        isLocal: !nodeName.isEmpty && ep["nodeName"].string == nodeName)
                    // The same endpoint in two slices (mid-update): keep the more usable copy.
                    if let existing = merged[key, default: [:]][info.address], existing.ready || !info.ready { continue }
                    merged[key, default: [:]][info.address] = info
                }
            }
        }
        for (key, byAddress) in merged {
            endpoints[key] = byAddress.values.sorted { a, b in
                let (x, y) = (IPv4CIDR.parseAddress(a.ip) ?? 0, IPv4CIDR.parseAddress(b.ip) ?? 0)
                return x != y ? x < y : a.port < b.port
            }
        }
    }

    func endpoints(for svc: ServicePortInfo) -> [EndpointInfo] {
        endpoints[PortKey(service: svc.serviceKey, portName: svc.portName, proto: svc.proto)] ?? []
    }
}

/// Which endpoints serve which traffic, following kube-proxy's CategorizeEndpoints (without topology
/// hints): ready endpoints when there are any, otherwise the serving-but-terminating ones, so that a
/// rolling update does not drop connections when the last ready pod goes away.
struct CategorizedEndpoints: Equatable {
    var cluster: [EndpointInfo] = []
    var local: [EndpointInfo] = []
    /// Every endpoint some rule may reach from this node (each gets an endpoint chain).
    var allReachable: [EndpointInfo] = []
    /// The Service has usable endpoints somewhere in the cluster.
    var hasAny = false

    init(_ endpoints: [EndpointInfo], for svc: ServicePortInfo) {
        if svc.usesClusterEndpoints {
            cluster = endpoints.filter(\.ready)
            if cluster.isEmpty { cluster = endpoints.filter { $0.serving && $0.terminating } }
            hasAny = !cluster.isEmpty
        }
        guard svc.usesLocalEndpoints else {
            allReachable = cluster
            return
        }
        var localReady = false, localServingTerminating = false
        for ep in endpoints {
            if ep.ready {
                hasAny = true
                if ep.isLocal { localReady = true }
            } else if ep.serving && ep.terminating {
                hasAny = true
                if ep.isLocal { localServingTerminating = true }
            }
        }
        if localReady {
            local = endpoints.filter { $0.isLocal && $0.ready }
        } else if localServingTerminating {
            local = endpoints.filter { $0.isLocal && $0.serving && $0.terminating }
        }
        guard svc.usesClusterEndpoints else {
            allReachable = local
            return
        }
        allReachable = cluster
        for ep in local where !allReachable.contains(where: { $0.address == ep.address }) { allReachable.append(ep) }
    }
}
