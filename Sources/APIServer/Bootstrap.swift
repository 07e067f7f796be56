import KubeAPI
import KubeStore

/// What exists from the first start, as on a fresh Kubernetes cluster: the four system namespaces with their
/// default ServiceAccounts, the `kubernetes` Service (with endpoints at this API server) and the `kube-dns`
/// Service at the tenth address of the service range.
struct Bootstrap {
    let registry: Registry
    let config: ServerConfig

    func run() throws {
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            try ensure("namespaces", ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]])
            registry.ensureNamespaceDefaults(ns)
        }
        let allocator = registry.allocator
        try ensure("services", [
            "apiVersion": "v1", "kind": "Service",
            "metadata": ["name": "kubernetes", "namespace": "default",
                         "labels": ["component": "apiserver", "provider": "kubernetes"]],
            "spec": ["clusterIP": .string(allocator.serviceCIDR.kubernetesServiceIP),
                     "ports": [["name": "https", "port": 443, "protocol": "TCP", "targetPort": .int(Int64(config.apiPort))]]],
        ])
        try ensure("services", [
            "apiVersion": "v1", "kind": "Service",
            "metadata": ["name": "kube-dns", "namespace": "kube-system",
                         "labels": ["k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"],
                         "annotations": ["prometheus.io/port": "9153", "prometheus.io/scrape": "true"]],
            // No selector: swiftlet's own DNS answers, and the node publishes its endpoints (publishDNSEndpoints).
            "spec": ["clusterIP": .string(allocator.serviceCIDR.kubeDNSServiceIP),
                     "ports": [["name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53],
                               ["name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53],
                               ["name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153]]],
        ])
        try reconcileAPIEndpoints()
    }

    /// Creates an object through the registry (so it is defaulted, allocated and validated) unless it exists.
    func ensure(_ plural: String, _ object: JSON) throws {
        let t = ResourceRegistry.lookup(apiVersion: object.apiVersion ?? "v1", plural: plural)!
        if registry.store.get(registry.key(t, object.namespace, object.name ?? "")) != nil { return }
        var options = WriteOptions()
        options.fieldManager = "kube-apiserver"
        _ = try registry.create(t, namespace: object.namespace, body: .init(object: object, duplicateFields: []), options: options)
    }

    /// The `kubernetes` Service's Endpoints and EndpointSlice name this API server, as kube-apiserver's endpoint
    /// reconciler keeps them.
    func reconcileAPIEndpoints() throws {
        try registry.publishEndpoints(service: "kubernetes", namespace: "default", ip: config.nodeIP,
                                      ports: [["name": "https", "port": .int(Int64(config.apiPort)), "protocol": "TCP"]])
    }
}

extension Registry {
    /// Endpoints and an EndpointSlice for a Service without selector that swiftlet itself serves (the API, the
    /// cluster DNS); rewritten only when the address or ports changed.
    public func publishEndpoints(service: String, namespace: String, ip: String, ports: [JSON]) throws {
        let endpoints: JSON = [
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": ["name": .string(service), "namespace": .string(namespace),
                         "labels": ["endpointslice.kubernetes.io/skip-mirror": "true"]],
            "subsets": [["addresses": [["ip": .string(ip)]], "ports": .array(ports)]],
        ]
        let slice: JSON = [
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": ["name": .string(service), "namespace": .string(namespace),
                         "labels": ["kubernetes.io/service-name": .string(service),
                                    "endpointslice.kubernetes.io/managed-by": "swiftlet"]],
            "addressType": "IPv4",
            "endpoints": [["addresses": [.string(ip)], "conditions": ["ready": true, "serving": true, "terminating": false]]],
            "ports": .array(ports),
        ]
        var options = WriteOptions()
        options.fieldManager = "kube-apiserver"
        for (plural, desired) in [("endpoints", endpoints), ("endpointslices", slice)] {
            let t = ResourceRegistry.all.first { $0.plural == plural }!
            let k = key(t, namespace, service)
            if let current = store.get(k) {
                let same = plural == "endpoints" ? current["subsets"] == desired["subsets"]
                    : (current["endpoints"] == desired["endpoints"] && current["ports"] == desired["ports"])
                if same { continue }
                _ = try store.delete(k)
            }
            _ = try create(t, namespace: namespace, body: .init(object: desired, duplicateFields: []), options: options)
        }
    }
}
