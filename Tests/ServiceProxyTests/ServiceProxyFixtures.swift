import KubeAPI
@testable import ServiceProxy

/// Builders for the Service and EndpointSlice objects the proxy reads (as the API server would store them).
enum SPFixture {
    static func port(_ name: String, _ port: Int, proto: String = "TCP", nodePort: Int? = nil) -> JSON {
        var p: JSON = ["port": .int(Int64(port)), "protocol": .string(proto)]
        if !name.isEmpty { p["name"] = .string(name) }
        if let nodePort { p["nodePort"] = .int(Int64(nodePort)) }
        return p
    }

    static func port(_ port: Int, proto: String = "TCP", nodePort: Int? = nil) -> JSON {
        self.port("", port, proto: proto, nodePort: nodePort)
    }

    static func slicePort(_ port: Int, proto: String = "TCP") -> JSON { slicePort("", port, proto: proto) }

    static func service(_ name: String, namespace: String = "default", type: String = "ClusterIP",
                        clusterIP: String, ports: [JSON], edit: (inout JSON) -> Void = { _ in }) -> JSON {
        var s: JSON = [
            "apiVersion": "v1", "kind": "Service",
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "spec": ["type": .string(type), "clusterIP": .string(clusterIP), "clusterIPs": [.string(clusterIP)],
                     "ports": .array(ports), "sessionAffinity": "None",
                     "internalTrafficPolicy": "Cluster"],
        ]
        if type == "NodePort" || type == "LoadBalancer" { s["spec"]["externalTrafficPolicy"] = "Cluster" }
        edit(&s)
        return s
    }

    static func endpoint(_ ip: String, ready: Bool? = true, serving: Bool? = nil, terminating: Bool? = nil,
                         node: String? = "node-1") -> JSON {
        var cond = JSON.object([:])
        if let ready { cond["ready"] = .bool(ready) }
        if let serving { cond["serving"] = .bool(serving) }
        if let terminating { cond["terminating"] = .bool(terminating) }
        var e: JSON = ["addresses": [.string(ip)], "conditions": cond]
        if let node { e["nodeName"] = .string(node) }
        return e
    }

    static func slicePort(_ name: String, _ port: Int, proto: String = "TCP") -> JSON {
        var p: JSON = ["port": .int(Int64(port)), "protocol": .string(proto)]
        if !name.isEmpty { p["name"] = .string(name) }
        return p
    }

    static func slice(_ name: String, service: String, namespace: String = "default", ports: [JSON],
                      endpoints: [JSON]) -> JSON {
        [
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": ["name": .string(name), "namespace": .string(namespace),
                         "labels": ["kubernetes.io/service-name": .string(service),
                                    "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"]],
            "addressType": "IPv4", "ports": .array(ports), "endpoints": .array(endpoints),
        ]
    }

    static let config = ProxyConfig(tableName: "swiftlet", serviceCIDR: "10.96.0.0/12",
                                    nodeIPs: ["192.0.2.2", "127.0.0.1"], nodeName: "node-1", bridgeName: "swiftlet0")

    static func render(_ services: [JSON], _ slices: [JSON], config: ProxyConfig = config) -> ProxyRuleset {
        ProxyRenderer(config: config).render(services: services, endpointSlices: slices)
    }

    /// `web` in `default`: ClusterIP 10.96.0.10:80 → two ready pods on :8080.
    static func web(type: String = "ClusterIP", nodePort: Int? = nil, edit: (inout JSON) -> Void = { _ in }) -> JSON {
        service("web", type: type, clusterIP: "10.96.0.10", ports: [port("http", 80, nodePort: nodePort)], edit: edit)
    }

    static func webSlice(_ endpoints: [JSON] = [endpoint("10.244.0.5"), endpoint("10.244.0.6", node: "node-2")]) -> JSON {
        slice("web-abc", service: "web", ports: [slicePort("http", 8080)], endpoints: endpoints)
    }
}

extension ProxyRuleset {
    /// The value stored for `key` in map `set` ("" for a plain set element); nil when absent.
    func value(in set: String, key: String) -> String? {
        elements(of: set).first { $0.key == key }.map { $0.value ?? "" }
    }

    func chains(withPrefix prefix: String) -> [NftChain] { allChains.filter { $0.name.hasPrefix(prefix) } }
}
