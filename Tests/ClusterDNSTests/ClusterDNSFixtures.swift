import KubeAPI
@testable import ClusterDNS

/// Small builders for the Kubernetes objects cluster DNS reads, shaped as the API server stores them.
enum ClusterDNSFixtures {
    struct PortSpec {
        var name: String?
        var port: Int64
        var proto = "TCP"
    }

    static func namespace(_ name: String) -> JSON {
        ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]
    }

    static func service(_ name: String, namespace: String = "default", clusterIP: String? = nil, clusterIPs: [String]? = nil,
                        ports: [PortSpec] = [], type: String = "ClusterIP", externalName: String? = nil,
                        publishNotReady: Bool = false) -> JSON {
        var spec: JSON = ["type": .string(type)]
        if let clusterIP { spec["clusterIP"] = .string(clusterIP) }
        if let ips = clusterIPs ?? clusterIP.map({ [$0] }) { spec["clusterIPs"] = .array(ips.map(JSON.string)) }
        if let externalName { spec["externalName"] = .string(externalName) }
        if publishNotReady { spec["publishNotReadyAddresses"] = true }
        if !ports.isEmpty {
            spec["ports"] = .array(ports.map { p in
                var j: JSON = ["port": .int(p.port), "protocol": .string(p.proto), "targetPort": .int(p.port)]
                if let n = p.name { j["name"] = .string(n) }
                return j
            })
        }
        return ["apiVersion": "v1", "kind": "Service",
                "metadata": ["name": .string(name), "namespace": .string(namespace)], "spec": spec]
    }

    struct EndpointSpec {
        var ip: String
        var hostname: String? = nil
        var ready: Bool? = true
    }

    static func slice(_ name: String, service: String, namespace: String = "default", addressType: String = "IPv4",
                      endpoints: [EndpointSpec], ports: [PortSpec] = []) -> JSON {
        ["apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
         "metadata": ["name": .string(name), "namespace": .string(namespace),
                      "labels": ["kubernetes.io/service-name": .string(service)]],
         "addressType": .string(addressType),
         "endpoints": .array(endpoints.map { e in
             var j: JSON = ["addresses": [.string(e.ip)]]
             if let r = e.ready { j["conditions"] = ["ready": .bool(r)] }
             if let h = e.hostname { j["hostname"] = .string(h) }
             return j
         }),
         "ports": .array(ports.map { p in
             var j: JSON = ["port": .int(p.port), "protocol": .string(p.proto)]
             if let n = p.name { j["name"] = .string(n) }
             return j
         })]
    }

    static func pod(_ name: String, namespace: String = "default", ip: String, phase: String = "Running", hostNetwork: Bool = false) -> JSON {
        ["apiVersion": "v1", "kind": "Pod",
         "metadata": ["name": .string(name), "namespace": .string(namespace)],
         "spec": ["hostNetwork": .bool(hostNetwork)],
         "status": ["phase": .string(phase), "podIP": .string(ip), "podIPs": [["ip": .string(ip)]]]]
    }

    /// A cluster with the objects the resolver tests ask about, and `extraServices`.
    static func cluster(serial: UInt32 = 42, extraServices: [JSON] = []) -> ClusterSnapshot {
        ClusterSnapshot(
            services: [
                service("kubernetes", clusterIP: "10.96.0.1", ports: [PortSpec(name: "https", port: 443)]),
                service("my-nginx", clusterIP: "10.96.0.50", ports: [PortSpec(name: "http", port: 80)]),
                service("multi", clusterIP: "10.96.0.60", ports: [PortSpec(name: "http", port: 80), PortSpec(name: "dns", port: 53, proto: "UDP"), PortSpec(name: nil, port: 9000)]),
                service("nginx", clusterIP: "None", ports: [PortSpec(name: "web", port: 80)]),
                service("empty-headless", clusterIP: "None", ports: [PortSpec(name: "web", port: 80)]),
                service("external", type: "ExternalName", externalName: "www.example.com"),
                service("alias", type: "ExternalName", externalName: "my-nginx.default.svc.cluster.local"),
                service("kube-dns", namespace: "kube-system", clusterIP: "10.96.0.10",
                        ports: [PortSpec(name: "dns", port: 53, proto: "UDP"), PortSpec(name: "dns-tcp", port: 53)]),
                service("dual", clusterIPs: ["10.96.0.70", "fd00:10:96::70"], ports: [PortSpec(name: "http", port: 80)]),
            ] + extraServices,
            endpointSlices: [
                slice("my-nginx-abc", service: "my-nginx", endpoints: [EndpointSpec(ip: "10.244.0.5"), EndpointSpec(ip: "10.244.0.6")],
                      ports: [PortSpec(name: "http", port: 8080)]),
                slice("nginx-abc", service: "nginx",
                      endpoints: [EndpointSpec(ip: "10.244.0.11", hostname: "web-0"), EndpointSpec(ip: "10.244.0.12", hostname: "web-1"),
                                  EndpointSpec(ip: "10.244.0.13"), EndpointSpec(ip: "10.244.0.14", ready: false)],
                      ports: [PortSpec(name: "web", port: 8080)]),
                slice("empty-headless-abc", service: "empty-headless", endpoints: [EndpointSpec(ip: "10.244.0.20", ready: false)],
                      ports: [PortSpec(name: "web", port: 80)]),
            ],
            pods: [
                pod("web-0", ip: "10.244.0.11"),
                pod("lonely", ip: "10.244.0.30"),
                pod("lonely", namespace: "other", ip: "10.244.0.31"),
                pod("node-agent", namespace: "kube-system", ip: "192.168.1.10", hostNetwork: true),
                pod("done", ip: "10.244.0.40", phase: "Succeeded"),
            ],
            namespaces: [namespace("default"), namespace("kube-system"), namespace("empty-ns")],
            serial: serial)
    }
}
