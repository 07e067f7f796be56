import KubeAPI

/// What cluster DNS knows at one moment: Services with their ports and ready endpoints, namespaces and pod
/// IPs, indexed for lookups. Built from the informers' caches (plain JSON objects) whenever they changed, so
/// every query sees one consistent picture.
public struct ClusterSnapshot: Sendable {
    public struct Port: Hashable, Sendable {
        public var name: String
        public var proto: String   // "TCP", "UDP", "SCTP"
        public var number: UInt16
    }

    public struct Endpoint: Hashable, Sendable {
        public var address: [UInt8]
        /// The endpoint's `hostname`, or, as CoreDNS does, its IP with dots (or colons) turned into dashes.
        public var hostname: String
        /// The ports of the EndpointSlice the endpoint came from (target ports, used for headless SRV).
        public var ports: [Port]
    }

    public enum Kind: Hashable, Sendable {
        case clusterIP([[UInt8]])   // empty while no IP is allocated
        case headless
        case externalName(String)
    }

    public struct Service: Hashable, Sendable {
        public var name: String
        public var namespace: String
        public var kind: Kind
        public var ports: [Port]
        /// Ready endpoints (all endpoints when the Service publishes not-ready addresses), deduplicated.
        public var endpoints: [Endpoint]
    }

    /// Who an IP belongs to, for PTR answers.
    enum ReverseOwner: Hashable, Sendable {
        case service(name: String, namespace: String)
        case endpoint(hostname: String, service: String, namespace: String)
        case pod(namespace: String)
    }

    /// "namespace/name" (lower-cased) → Service.
    public private(set) var services: [String: Service] = [:]
    private(set) var namespaces: Set<String> = []
    private(set) var podNamespacesByIP: [[UInt8]: Set<String>] = [:]
    private(set) var reverse: [[UInt8]: [ReverseOwner]] = [:]
    /// SOA serial: when the cluster's objects last changed (Unix seconds), as CoreDNS reports it.
    public var serial: UInt32

    public init(services: [JSON] = [], endpointSlices: [JSON] = [], pods: [JSON] = [], namespaces: [JSON] = [], serial: UInt32 = 0) {
        self.serial = serial
        for ns in namespaces { if let n = ns.name { self.namespaces.insert(n.lowercased()) } }

        var slicesByService: [String: [JSON]] = [:]
        for slice in endpointSlices {
            guard let svc = slice.labels["kubernetes.io/service-name"], let ns = slice.namespace else { continue }
            slicesByService[Self.key(ns, svc), default: []].append(slice)
        }

        var endpointOwners: [[UInt8]: [ReverseOwner]] = [:]
        var serviceOwners: [[UInt8]: ReverseOwner] = [:]
        for obj in services.sorted(by: { Self.key($0.namespace ?? "", $0.name ?? "") < Self.key($1.namespace ?? "", $1.name ?? "") }) {
            guard let name = obj.name, let ns = obj.namespace else { continue }
            // A namespace holding a Service exists, even when the namespaces informer has not caught up.
            self.namespaces.insert(ns.lowercased())
            let key = Self.key(ns, name)
            let svc = Self.service(obj, slices: slicesByService[key] ?? [])
            self.services[key] = svc
            if case .clusterIP(let ips) = svc.kind {
                for ip in ips where serviceOwners[ip] == nil { serviceOwners[ip] = .service(name: name, namespace: ns) }
            }
            for ep in svc.endpoints {
                let owner = ReverseOwner.endpoint(hostname: ep.hostname, service: name, namespace: ns)
                if !(endpointOwners[ep.address]?.contains(owner) ?? false) { endpointOwners[ep.address, default: []].append(owner) }
            }
        }

        let podAddresses = pods.compactMap(Self.podAddresses)
        for (ns, ips) in podAddresses {
            self.namespaces.insert(ns.lowercased())
            for ip in ips { podNamespacesByIP[ip, default: []].insert(ns.lowercased()) }
        }

        // PTR precedence as CoreDNS: a ClusterIP names its Service; otherwise every endpoint name of the IP.
        // Pod IPs that back no Service get their pod A-record name (not in CoreDNS, which leaves them to the
        // upstream resolvers).
        for (ip, owner) in serviceOwners { reverse[ip] = [owner] }
        for (ip, owners) in endpointOwners where reverse[ip] == nil { reverse[ip] = owners }
        for (ns, ips) in podAddresses {
            for ip in ips where reverse[ip] == nil { reverse[ip] = [.pod(namespace: ns)] }
        }
    }

    static func key(_ namespace: String, _ name: String) -> String { "\(namespace)/\(name)".lowercased() }

    public func service(namespace: String, name: String) -> Service? { services[Self.key(namespace, name)] }

    public func namespaceExists(_ namespace: String) -> Bool { namespaces.contains(namespace.lowercased()) }

    func podExists(ip: [UInt8], namespace: String) -> Bool { podNamespacesByIP[ip]?.contains(namespace.lowercased()) ?? false }

    func reverseOwners(of ip: [UInt8]) -> [ReverseOwner] { reverse[ip] ?? [] }

    /// The addresses of the cluster DNS Service itself (kube-system/kube-dns), for `ns.dns.<zone>`.
    var nameserverAddresses: [[UInt8]] {
        if case .clusterIP(let ips)? = service(namespace: "kube-system", name: "kube-dns")?.kind { return ips }
        return []
    }

    /// A pod's namespace and IPs; nil for host-network pods (their IP is the node's) and finished pods (their
    /// IP went back to the pool and may already belong to another pod).
    private static func podAddresses(_ pod: JSON) -> (String, [[UInt8]])? {
        guard let ns = pod.namespace, pod["spec"]["hostNetwork"].bool != true else { return nil }
        if let phase = pod["status"]["phase"].string, phase == "Succeeded" || phase == "Failed" { return nil }
        var ips = pod["status"]["podIPs"].elements.compactMap { $0["ip"].string }
        if ips.isEmpty, let ip = pod["status"]["podIP"].string { ips = [ip] }
        return (ns, ips.compactMap(IPText.parse))
    }

    private static func ports(_ list: [JSON]) -> [Port] {
        list.compactMap { p in
            guard let n = p["port"].int, n > 0, n <= 65535 else { return nil }
            return Port(name: p["name"].string ?? "", proto: (p["protocol"].string ?? "TCP").uppercased(), number: UInt16(n))
        }
    }

    private static func service(_ obj: JSON, slices: [JSON]) -> Service {
        let spec = obj["spec"]
        let kind: Kind
        if spec["type"].string == "ExternalName" {
            kind = .externalName(spec["externalName"].string ?? "")
        } else if spec["clusterIP"].string == "None" {
            kind = .headless
        } else {
            var texts = spec["clusterIPs"].elements.compactMap(\.string)
            if texts.isEmpty, let ip = spec["clusterIP"].string { texts = [ip] }
            kind = .clusterIP(texts.compactMap(IPText.parse))
        }
        let publishNotReady = spec["publishNotReadyAddresses"].bool == true
            || obj.annotations["service.alpha.kubernetes.io/tolerate-unready-endpoints"] == "true"

        var endpoints: [Endpoint] = []
        var seen: Set<Endpoint> = []
        for slice in slices {
            let type = slice["addressType"].string ?? "IPv4"
            guard type == "IPv4" || type == "IPv6" else { continue }
            let ports = Self.ports(slice["ports"].elements)
            for ep in slice["endpoints"].elements {
                // EndpointSlice semantics: an absent `ready` condition means ready.
                let ready = ep["conditions"]["ready"].bool ?? true
                guard ready || publishNotReady else { continue }
                for text in ep["addresses"].elements.compactMap(\.string) {
                    guard let ip = IPText.parse(text) else { continue }
                    let canonical = IPText.format(ip) ?? text
                    let dashed = String(canonical.map { $0 == "." || $0 == ":" ? "-" : $0 })
                    let host = ep["hostname"].string.flatMap { $0.isEmpty ? nil : $0 } ?? dashed
                    let e = Endpoint(address: ip, hostname: host, ports: ports)
                    if seen.insert(e).inserted { endpoints.append(e) }
                }
            }
        }
        endpoints.sort { $0.address.lexicographicallyPrecedes($1.address) }
        return Service(name: obj.name ?? "", namespace: obj.namespace ?? "", kind: kind,
                       ports: ports(spec["ports"].elements), endpoints: endpoints)
    }
}
