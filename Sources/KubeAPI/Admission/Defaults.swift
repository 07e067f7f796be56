// Defaulting, as Kubernetes applies it when it decodes a write (the SetDefaults_* functions),
// plus the few values its default admission plugins and REST strategies fill in that every
// client sees on read-back (serviceAccountName, priority, Service IP families, Namespace
// finalizer). ClusterIP and NodePort allocation are left to the server.

extension Admission {
    /// Fills in the defaults for a kind key in place. Idempotent: applying it to an already
    /// defaulted object changes nothing, so it is safe on create, update and patch results.
    public static func applyDefaults(kind: String, to object: inout JSON) {
        switch kind {
        case "Pod": PodDefaults.applyToPod(&object)
        case "Service": defaultService(&object)
        case "Deployment": defaultDeployment(&object)
        case "ReplicaSet": defaultReplicaSet(&object)
        case "Secret": defaultSecret(&object)
        case "Namespace": defaultNamespace(&object)
        case "Endpoints":
            object.admissionEach("subsets") { subset in
                subset.admissionEach("ports") { $0.admissionDefaultString("protocol", "TCP") }
            }
        case "EndpointSlice":
            object.admissionEach("ports") { port in
                port.admissionDefault("name", "")
                port.admissionDefault("protocol", "TCP")
            }
        case "Node":
            // Allocatable defaults to capacity.
            if object["status"]["allocatable"].isNull, case .object = object["status"]["capacity"] {
                object["status"]["allocatable"] = object["status"]["capacity"]
            }
        default:
            break
        }
    }

    static func defaultService(_ service: inout JSON) {
        var spec = service["spec"]
        spec.admissionDefaultString("type", "ClusterIP")
        let type = spec["type"].string ?? "ClusterIP"
        spec.admissionDefaultString("sessionAffinity", "None")
        if spec["sessionAffinity"].string == "ClientIP" {
            spec.admissionDefault("sessionAffinityConfig", ["clientIP": ["timeoutSeconds": 10800]])
        }
        spec.admissionEach("ports") { port in
            port.admissionDefaultString("protocol", "TCP")
            // targetPort unset (or the zero IntOrString) means "same as port".
            let target = port["targetPort"]
            if target.isNull || target.int == 0 || target.string == "" {
                port["targetPort"] = port["port"]
            }
        }
        if type == "NodePort" || type == "LoadBalancer" {
            spec.admissionDefaultString("externalTrafficPolicy", "Cluster")
        }
        if type != "ExternalName" {
            spec.admissionDefault("internalTrafficPolicy", "Cluster")
        }
        if type == "LoadBalancer" {
            spec.admissionDefault("allocateLoadBalancerNodePorts", true)
        }
        // clusterIP and clusterIPs mirror each other (the REST layer keeps them in step).
        if let ip = spec["clusterIP"].string, !ip.isEmpty, spec["clusterIPs"].elements.isEmpty {
            spec["clusterIPs"] = [.string(ip)]
        } else if (spec["clusterIP"].string ?? "").isEmpty, let first = spec["clusterIPs"].elements.first {
            spec["clusterIP"] = first
        }
        // IP families: this is a single-stack IPv4 cluster. A headless Service without a
        // selector asks for every family the cluster has (RequireDualStack).
        if type != "ExternalName" {
            let headlessWithoutSelector = spec["clusterIP"].string == "None" && spec["selector"].members.isEmpty
            spec.admissionDefault("ipFamilyPolicy", headlessWithoutSelector ? "RequireDualStack" : "SingleStack")
            if spec["ipFamilies"].elements.isEmpty { spec["ipFamilies"] = ["IPv4"] }
        }
        service["spec"] = spec
        // LoadBalancerStatus is a plain struct: it always reads back as {}.
        service.admissionDefault("status", .emptyObject)
        service["status"].admissionDefault("loadBalancer", .emptyObject)
    }

    static func defaultDeployment(_ deployment: inout JSON) {
        var spec = deployment["spec"]
        spec.admissionDefault("replicas", 1)
        var strategy = spec["strategy"]
        strategy.admissionDefaultString("type", "RollingUpdate")
        if strategy["type"].string == "RollingUpdate" {
            strategy.admissionDefault("rollingUpdate", .emptyObject)
            strategy["rollingUpdate"].admissionDefault("maxUnavailable", "25%")
            strategy["rollingUpdate"].admissionDefault("maxSurge", "25%")
        }
        spec["strategy"] = strategy
        spec.admissionDefault("revisionHistoryLimit", 10)
        spec.admissionDefault("progressDeadlineSeconds", 600)
        defaultTemplate(&spec)
        deployment["spec"] = spec
    }

    static func defaultReplicaSet(_ replicaSet: inout JSON) {
        var spec = replicaSet["spec"]
        spec.admissionDefault("replicas", 1)
        defaultTemplate(&spec)
        replicaSet["spec"] = spec
    }

    /// Pod template defaults (PodSpec's, not the Pod-only ones).
    static func defaultTemplate(_ spec: inout JSON) {
        guard case .object = spec["template"] else { return }
        var podSpec = spec["template"]["spec"]
        if case .object = podSpec {} else { podSpec = .emptyObject }
        PodDefaults.applyToSpec(&podSpec)
        spec["template"]["spec"] = podSpec
    }

    static func defaultSecret(_ secret: inout JSON) {
        secret.admissionDefaultString("type", "Opaque")
        // stringData is write-only: it is merged into data (winning over it) on the way in.
        if case .object(let stringData) = secret["stringData"] {
            var data = secret["data"].members
            for (key, value) in stringData {
                data[key] = .string(GoBase64.encode(Array((value.string ?? "").utf8)))
            }
            secret["data"] = .object(data)
            secret["stringData"] = .null
        }
    }

    static func defaultNamespace(_ namespace: inout JSON) {
        if let name = namespace.name, !name.isEmpty {
            namespace["metadata"]["labels"]["kubernetes.io/metadata.name"] = .string(name)
        }
        // The "kubernetes" finalizer is really added on create (see prepareForCreate); adding it
        // here too is harmless except while the namespace is being torn down, when the
        // namespace controller removes it on purpose.
        let terminating = !namespace["metadata"]["deletionTimestamp"].isNull || namespace["status"]["phase"].string == "Terminating"
        if !terminating {
            var finalizers = namespace["spec"]["finalizers"].elements
            if !finalizers.contains("kubernetes") { finalizers.append("kubernetes") }
            namespace["spec"]["finalizers"] = .array(finalizers)
        }
        namespace["status"].admissionDefaultString("phase", "Active")
    }
}
