import KubeAPI

/// Discovery documents: aggregated (apidiscovery.k8s.io/v2, one request answers everything) and the legacy
/// per-group-version lists that older clients and the fallback path fetch.
enum Discovery {
    static func aggregatedContentType(_ version: String) -> String {
        "application/json;g=apidiscovery.k8s.io;v=\(version);as=APIGroupDiscoveryList"
    }

    /// Served groups with at least one resource, in discovery order (core excluded).
    static var namedGroups: [(group: String, version: String)] {
        ResourceRegistry.groupVersions.filter { !$0.group.isEmpty && !ResourceRegistry.resources(inGroup: $0.group, version: $0.version).isEmpty }
    }

    static func subresourceKind(_ type: ResourceType, _ sub: String) -> (group: String, version: String, kind: String) {
        switch sub {
        case "scale": return ("autoscaling", "v1", "Scale")
        case "exec": return ("", "v1", "PodExecOptions")
        case "attach": return ("", "v1", "PodAttachOptions")
        case "portforward": return ("", "v1", "PodPortForwardOptions")
        case "proxy": return ("", "v1", type.kind == "Node" ? "NodeProxyOptions" : "\(type.kind)ProxyOptions")
        case "binding": return ("", "v1", "Binding")
        case "eviction": return ("policy", "v1", "Eviction")
        case "token": return ("authentication.k8s.io", "v1", "TokenRequest")
        default: return (type.group, type.version, type.kind)
        }
    }

    static func subresourceVerbs(_ sub: String) -> [String] {
        switch sub {
        case "status", "scale", "ephemeralcontainers": return ["get", "patch", "update"]
        case "log": return ["get"]
        case "exec", "attach", "portforward": return ["create", "get"]
        case "binding", "eviction", "token": return ["create"]
        case "finalize": return ["update"]
        case "proxy": return ["create", "delete", "get", "patch", "update"]
        default: return ["get"]
        }
    }

    // MARK: Aggregated

    static func aggregated(core: Bool, version discoveryVersion: String) -> JSON {
        let gvs = core ? [("", "v1")] : namedGroups
        var items: [JSON] = []
        for (group, version) in gvs {
            let resources = ResourceRegistry.resources(inGroup: group, version: version).map(aggregatedResource)
            items.append(["metadata": ["name": .string(group), "creationTimestamp": .null],
                          "versions": [["version": .string(version), "resources": .array(resources),
                                        "freshness": "Current"]]])
        }
        return ["kind": "APIGroupDiscoveryList", "apiVersion": .string("apidiscovery.k8s.io/\(discoveryVersion)"), "metadata": [:],
                "items": .array(items)]
    }

    static func aggregatedResource(_ t: ResourceType) -> JSON {
        var r: JSON = [
            "resource": .string(t.plural),
            "responseKind": ["group": .string(t.group), "version": .string(t.version), "kind": .string(t.kind)],
            "scope": t.namespaced ? "Namespaced" : "Cluster",
            "singularResource": .string(t.singular),
            "verbs": .array(t.verbs.map { .string($0) }),
        ]
        if !t.shortNames.isEmpty { r["shortNames"] = .array(t.shortNames.map { .string($0) }) }
        if !t.categories.isEmpty { r["categories"] = .array(t.categories.map { .string($0) }) }
        if !t.subresources.isEmpty {
            r["subresources"] = .array(t.subresources.map { sub in
                let k = subresourceKind(t, sub)
                return ["subresource": .string(sub),
                        "responseKind": ["group": .string(k.group), "version": .string(k.version), "kind": .string(k.kind)],
                        "verbs": .array(subresourceVerbs(sub).map { .string($0) })]
            })
        }
        return r
    }

    // MARK: Legacy

    static func coreVersions(serverAddress: String) -> JSON {
        ["kind": "APIVersions", "versions": ["v1"],
         "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]]]
    }

    static func groupList() -> JSON {
        let groups: [JSON] = namedGroups.map { gv in
            let v: JSON = ["groupVersion": .string("\(gv.group)/\(gv.version)"), "version": .string(gv.version)]
            return ["name": .string(gv.group), "versions": [v], "preferredVersion": v]
        }
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)]
    }

    static func resourceList(group: String, version: String) -> JSON? {
        let types = ResourceRegistry.resources(inGroup: group, version: version)
        guard !types.isEmpty else { return nil }
        var resources: [JSON] = []
        for t in types {
            var r: JSON = ["name": .string(t.plural), "singularName": .string(t.singular),
                           "namespaced": .bool(t.namespaced), "kind": .string(t.kind),
                           "verbs": .array(t.verbs.map { .string($0) })]
            if !t.shortNames.isEmpty { r["shortNames"] = .array(t.shortNames.map { .string($0) }) }
            if !t.categories.isEmpty { r["categories"] = .array(t.categories.map { .string($0) }) }
            resources.append(r)
            for sub in t.subresources {
                let k = subresourceKind(t, sub)
                var s: JSON = ["name": .string("\(t.plural)/\(sub)"), "singularName": "", "namespaced": .bool(t.namespaced),
                               "kind": .string(k.kind), "verbs": .array(subresourceVerbs(sub).map { .string($0) })]
                if k.group != t.group || k.version != t.version {
                    s["group"] = .string(k.group)
                    s["version"] = .string(k.version)
                }
                resources.append(s)
            }
        }
        let gv = group.isEmpty ? version : "\(group)/\(version)"
        return ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(gv), "resources": .array(resources)]
    }
}
