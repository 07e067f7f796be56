import KubeAPI

/// What a request asks to do, in the terms of Kubernetes' authorization attributes.
struct RequestAttributes: Equatable {
    let verb: String
    /// nil for non-resource requests (discovery, /version, /metrics, ...).
    let resource: ResourceRequest?
    let path: String
}

/// swiftlet has no RBAC objects. Its fixed policy is what a fresh Kubernetes cluster grants before anyone adds a
/// RoleBinding: `system:masters` (the admin kubeconfig) may do everything; every other authenticated user gets the
/// default ClusterRoles bound to `system:authenticated` and `system:serviceaccounts` (discovery, version, health,
/// OpenAPI, and the service-account issuer documents) and nothing else.
enum Authorizer {
    static func check(_ user: RequestUser, _ attributes: RequestAttributes) throws {
        if user.isClusterAdmin { return }
        if attributes.resource == nil && attributes.verb == "get" && isPublicInformation(attributes.path, user) { return }
        throw forbidden(user, attributes)
    }

    /// system:discovery, system:basic-user, system:public-info-viewer, system:service-account-issuer-discovery.
    static func isPublicInformation(_ path: String, _ user: RequestUser) -> Bool {
        let exact: Set<String> = ["/api", "/api/", "/apis", "/apis/", "/version", "/version/", "/healthz", "/livez", "/readyz", "/openapi/v2"]
        if exact.contains(path) { return true }
        for prefix in ["/api/", "/apis/", "/openapi/v3", "/healthz/", "/livez/", "/readyz/"] where path.hasPrefix(prefix) {
            // /api/* and /apis/* here are group/version discovery only: resource paths arrive with `resource` set.
            return true
        }
        if user.isServiceAccount && (path == "/.well-known/openid-configuration" || path == "/openid/v1/jwks") { return true }
        return false
    }

    /// The Status kube-apiserver sends when RBAC says no, message and details included.
    static func forbidden(_ user: RequestUser, _ a: RequestAttributes) -> APIError {
        guard let r = a.resource else {
            return APIError.forbidden("forbidden: User \"\(user.name)\" cannot \(a.verb) path \"\(a.path)\"")
        }
        let resource = r.subresource.map { "\(r.type.plural)/\($0)" } ?? r.type.plural
        let scope = r.namespace.map { "in the namespace \"\($0)\"" } ?? "at the cluster scope"
        let reason = "User \"\(user.name)\" cannot \(a.verb) resource \"\(resource)\" in API group \"\(r.type.group)\" \(scope)"
        let subject = r.name.map { "\(r.type.qualifiedName) \"\($0)\"" } ?? r.type.qualifiedName
        var details: JSON = ["kind": .string(r.type.plural)]
        if let name = r.name { details["name"] = .string(name) }
        if !r.type.group.isEmpty { details["group"] = .string(r.type.group) }
        return APIError(code: 403, reason: "Forbidden", message: "\(subject) is forbidden: \(reason)", details: details)
    }

    /// Kubernetes' request verb for an HTTP method on a route.
    static func verb(method: String, resource: ResourceRequest?, watch: Bool) -> String {
        switch method {
        case "GET", "HEAD":
            guard let r = resource else { return "get" }
            if watch { return "watch" }
            return r.name == nil ? "list" : "get"
        case "POST": return "create"
        case "PUT": return "update"
        case "PATCH": return "patch"
        case "DELETE": return resource?.name == nil && resource != nil ? "deletecollection" : "delete"
        default: return method.lowercased()
        }
    }
}
