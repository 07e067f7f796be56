// What Kubernetes' REST strategies do to an object before validation (PrepareForCreate /
// PrepareForUpdate): reset status on create, keep status and system fields on update, bump
// `metadata.generation` when a spec changes. Kept apart from defaulting because, unlike
// defaults, these depend on whether the write is a create or an update.

extension Admission {
    /// Kinds whose status only the `/status` subresource may change.
    static let kindsWithStatusSubresource: Set<String> = ["Pod", "Service", "Deployment", "ReplicaSet", "Namespace", "Node"]

    /// Call on create, before `applyDefaults` and `validate`. Clears status that clients may not
    /// set (Pods start Pending with their QoS class), sets generation 1 on workloads, adds the
    /// Namespace finalizer, and drops `metadata.namespace` from cluster-scoped kinds.
    public static func prepareForCreate(kind: String, object: inout JSON) {
        if let info = kinds[kind], !info.namespaced { object["metadata"]["namespace"] = .null }
        switch kind {
        case "Pod":
            object["status"] = ["phase": "Pending", "qosClass": .string(qosClass(object["spec"]))]
        case "Service":
            object["status"] = ["loadBalancer": [:]]
        case "Deployment", "ReplicaSet":
            object["status"] = .null
            object["metadata"]["generation"] = 1
        case "Namespace":
            var finalizers = object["spec"]["finalizers"].elements
            if !finalizers.contains("kubernetes") { finalizers.append("kubernetes") }
            object["spec"]["finalizers"] = .array(finalizers)
            object["status"] = ["phase": "Active"]
        default:
            break
        }
    }

    /// Call on update (PUT, and PATCH after merging), before `applyDefaults` and `validate`.
    /// Restores what a main-resource write may not change (status, uid, creationTimestamp,
    /// generation, deletion fields, Namespace finalizers), carries allocated Service IPs and
    /// node ports over when the new object leaves them out, and bumps `metadata.generation`
    /// when a Deployment's or ReplicaSet's spec changes.
    public static func prepareForUpdate(kind: String, object: inout JSON, old: JSON) {
        if (object["metadata"]["uid"].string ?? "").isEmpty { object["metadata"]["uid"] = old["metadata"]["uid"] }
        if !old["metadata"]["creationTimestamp"].isNull {
            object["metadata"]["creationTimestamp"] = old["metadata"]["creationTimestamp"]
        }
        object["metadata"]["generation"] = old["metadata"]["generation"]
        object["metadata"]["deletionTimestamp"] = old["metadata"]["deletionTimestamp"]
        object["metadata"]["deletionGracePeriodSeconds"] = old["metadata"]["deletionGracePeriodSeconds"]
        if let info = kinds[kind], !info.namespaced { object["metadata"]["namespace"] = .null }
        if kindsWithStatusSubresource.contains(kind) { object["status"] = old["status"] }
        switch kind {
        case "Namespace":
            object["spec"]["finalizers"] = old["spec"]["finalizers"]
        case "Service":
            patchAllocatedServiceValues(&object, old: old)
        case "Deployment", "ReplicaSet":
            var specChanged = normalizedForComparison(object["spec"]) != normalizedForComparison(old["spec"])
            if kind == "Deployment" {
                specChanged = specChanged || object["metadata"]["annotations"] != old["metadata"]["annotations"]
            }
            if specChanged { object["metadata"]["generation"] = .int((old["metadata"]["generation"].int ?? 0) + 1) }
        default:
            break
        }
    }

    /// Call on writes to a `/status` subresource: only `status` changes; spec and metadata
    /// (apart from the resourceVersion precondition the client sent) stay as stored.
    public static func prepareForStatusUpdate(kind: String, object: inout JSON, old: JSON) {
        var merged = old
        merged["status"] = object["status"]
        if let rv = object["metadata"]["resourceVersion"].string { merged["metadata"]["resourceVersion"] = .string(rv) }
        object = merged
    }

    /// Service updates that omit clusterIP(s), nodePorts or healthCheckNodePort keep the
    /// allocated ones (clients such as `kubectl replace` send manifests without them).
    static func patchAllocatedServiceValues(_ service: inout JSON, old: JSON) {
        let newType = service["spec"]["type"].string ?? "ClusterIP", oldType = old["spec"]["type"].string ?? "ClusterIP"
        if newType != "ExternalName" && oldType != "ExternalName" {
            if (service["spec"]["clusterIP"].string ?? "").isEmpty { service["spec"]["clusterIP"] = old["spec"]["clusterIP"] }
            if service["spec"]["clusterIPs"].elements.isEmpty, !old["spec"]["clusterIPs"].elements.isEmpty {
                service["spec"]["clusterIPs"] = old["spec"]["clusterIPs"]
            }
        }
        func needsNodePorts(_ type: String, _ spec: JSON) -> Bool {
            type == "NodePort" || (type == "LoadBalancer" && spec["allocateLoadBalancerNodePorts"].bool != false)
        }
        if needsNodePorts(newType, service["spec"]) && needsNodePorts(oldType, old["spec"]) {
            let oldPorts = old["spec"]["ports"].elements
            let newUsed = Set(service["spec"]["ports"].elements.compactMap { $0["nodePort"].int }.filter { $0 != 0 })
            let used = Set(oldPorts.compactMap { $0["nodePort"].int }).intersection(newUsed)
            var byName: [String: Int64] = [:]
            for p in oldPorts { byName[p["name"].string ?? ""] = p["nodePort"].int ?? 0 }
            service["spec"].admissionEach("ports") { port in
                guard (port["nodePort"].int ?? 0) == 0, let previous = byName[port["name"].string ?? ""],
                      previous != 0, !used.contains(previous) else { return }
                port["nodePort"] = .int(previous)
            }
        }
        if newType == "LoadBalancer", oldType == "LoadBalancer",
           service["spec"]["externalTrafficPolicy"].string == "Local", old["spec"]["externalTrafficPolicy"].string == "Local",
           (service["spec"]["healthCheckNodePort"].int ?? 0) == 0 {
            service["spec"]["healthCheckNodePort"] = old["spec"]["healthCheckNodePort"]
        }
    }

    /// The Pod's QoS class: Guaranteed when every container has equal cpu and memory requests
    /// and limits, BestEffort when none has any, Burstable otherwise.
    public static func qosClass(_ spec: JSON) -> String {
        let containers = spec["containers"].elements + spec["initContainers"].elements
        var any = false
        var guaranteed = true
        for c in containers {
            let limits = c["resources"]["limits"].members
            var requests = c["resources"]["requests"].members
            for (k, v) in limits where requests[k] == nil { requests[k] = v }  // requests default to limits
            for name in ["cpu", "memory"] {
                if requests[name] != nil || limits[name] != nil { any = true }
                guard let l = limits[name], let r = requests[name],
                      quantityValue(l) == quantityValue(r), quantityValue(l) != nil else {
                    guaranteed = false
                    continue
                }
            }
        }
        if !any { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }

    static func quantityValue(_ q: JSON) -> Double? {
        if case .success(let v) = GoQuantity.parse(q.string ?? numberText(q)) { return v }
        return nil
    }
}
