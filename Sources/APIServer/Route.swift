import KubeAPI

/// What a request path addresses, parsed once so handlers never look at the raw path.
enum Route: Equatable {
    case version
    case health(String)
    case metrics
    case coreVersions                       // /api
    case groups                             // /apis
    case groupVersion(group: String, version: String)  // /api/v1, /apis/apps/v1
    case openAPIV3Index
    case openAPIV3(path: String)            // /openapi/v3/api/v1 → "api/v1"
    case openAPIV2
    case openIDConfiguration                // /.well-known/openid-configuration
    case openIDKeys                         // /openid/v1/jwks
    case resource(ResourceRequest)
    case unknown

    static func parse(_ path: String) -> Route {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let first = parts.first else { return .unknown }
        switch first {
        case "version" where parts.count == 1: return .version
        case "healthz", "livez", "readyz": return .health(parts.joined(separator: "/"))
        case "metrics" where parts.count == 1: return .metrics
        case ".well-known" where parts == [".well-known", "openid-configuration"]: return .openIDConfiguration
        case "openid" where parts == ["openid", "v1", "jwks"]: return .openIDKeys
        case "openapi":
            if parts.count == 2 && parts[1] == "v2" { return .openAPIV2 }
            guard parts.count >= 2, parts[1] == "v3" else { return .unknown }
            return parts.count == 2 ? .openAPIV3Index : .openAPIV3(path: parts[2...].joined(separator: "/"))
        case "api":
            if parts.count == 1 { return .coreVersions }
            if parts.count == 2 { return .groupVersion(group: "", version: parts[1]) }
            return ResourceRequest.parse(group: "", version: parts[1], rest: Array(parts[2...])).map(Route.resource) ?? .unknown
        case "apis":
            if parts.count == 1 { return .groups }
            if parts.count == 2 { return .unknown }  // /apis/<group>: APIGroup, rarely used
            if parts.count == 3 { return .groupVersion(group: parts[1], version: parts[2]) }
            return ResourceRequest.parse(group: parts[1], version: parts[2], rest: Array(parts[3...])).map(Route.resource) ?? .unknown
        default:
            return .unknown
        }
    }
}

/// `/api/v1/namespaces/default/pods/my-pod/status` and friends.
struct ResourceRequest: Equatable {
    let type: ResourceType
    let namespace: String?
    let name: String?
    let subresource: String?

    static func parse(group: String, version: String, rest: [String]) -> ResourceRequest? {
        let apiVersion = group.isEmpty ? version : "\(group)/\(version)"
        var rest = rest[...]
        var namespace: String?
        // "namespaces/<ns>/<resource>..." addresses a namespaced collection; "namespaces[/<ns>[/status]]" the namespace.
        if rest.count >= 3, rest.first == "namespaces", !(rest.count == 3 && ["status", "finalize"].contains(rest.last!)) {
            namespace = rest[rest.startIndex + 1]
            rest = rest.dropFirst(2)
        }
        guard let plural = rest.first, let type = ResourceRegistry.lookup(apiVersion: apiVersion, plural: plural) else {
            return nil
        }
        rest = rest.dropFirst()
        if namespace != nil && !type.namespaced { return nil }
        let name = rest.first
        let sub = rest.count >= 2 ? rest[rest.startIndex + 1] : nil
        if rest.count > 2 { return nil }
        if let sub, !type.subresources.contains(sub) { return nil }
        return ResourceRequest(type: type, namespace: namespace, name: name, subresource: sub)
    }
}
