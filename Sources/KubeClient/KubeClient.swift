import KubeAPI

/// A failure as the API reported it: the Status' HTTP code, reason and message.
public struct ClientError: Error, CustomStringConvertible, Sendable {
    public let code: Int
    public let reason: String
    public let message: String

    public init(code: Int, reason: String, message: String) {
        self.code = code
        self.reason = reason
        self.message = message
    }

    public init(status: JSON) {
        self.init(code: Int(status["code"].int ?? 500), reason: status["reason"].string ?? "Unknown",
                  message: status["message"].string ?? "\(status)")
    }

    public var isNotFound: Bool { code == 404 }
    public var isAlreadyExists: Bool { code == 409 && reason == "AlreadyExists" }
    public var isConflict: Bool { code == 409 && reason == "Conflict" }
    public var isGone: Bool { code == 410 }
    public var description: String { "\(code) \(reason): \(message)" }
}

public struct WatchEvent: Sendable {
    public enum Kind: String, Sendable { case added = "ADDED", modified = "MODIFIED", deleted = "DELETED", bookmark = "BOOKMARK", error = "ERROR" }
    public let type: Kind
    public let object: JSON
    public init(type: Kind, object: JSON) {
        self.type = type
        self.object = object
    }
}

public enum PatchType: String, Sendable {
    case json = "application/json-patch+json"
    case merge = "application/merge-patch+json"
    case strategic = "application/strategic-merge-patch+json"
}

public struct ListOptions: Sendable {
    public var labelSelector: String?
    public var fieldSelector: String?
    public init(labelSelector: String? = nil, fieldSelector: String? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
    }
}

/// The Kubernetes API as controllers and the node agent use it. The in-process implementation calls the API
/// server's registry directly; a remote one speaks HTTPS. Either way, every write goes through admission.
public protocol KubeClient: Sendable {
    func get(_ r: ResourceType, namespace: String?, name: String) async throws -> JSON
    func list(_ r: ResourceType, namespace: String?, options: ListOptions) async throws -> (items: [JSON], resourceVersion: String)
    /// Changes after `resourceVersion`; the stream ends when the server ends the watch, and throws a
    /// ClientError with code 410 when that version is too old.
    func watch(_ r: ResourceType, namespace: String?, options: ListOptions, resourceVersion: String) async throws -> AsyncThrowingStream<WatchEvent, Error>
    func create(_ r: ResourceType, _ object: JSON, fieldManager: String) async throws -> JSON
    /// PUT of the object (or its `status`/`scale` subresource); the object's resourceVersion is the precondition.
    func update(_ r: ResourceType, _ object: JSON, subresource: String?, fieldManager: String) async throws -> JSON
    func patch(_ r: ResourceType, namespace: String?, name: String, type: PatchType, patch: JSON, subresource: String?, fieldManager: String) async throws -> JSON
    /// DELETE with DeleteOptions (`propagationPolicy`, `preconditions`, `gracePeriodSeconds`).
    func delete(_ r: ResourceType, namespace: String?, name: String, options: JSON) async throws
    /// POST of a Binding to `pods/<binding's name>/binding` in `namespace`: assigns the pod to the Node named by
    /// `target`, once, as a scheduler does (see `Binding.make`).
    func bind(_ binding: JSON, namespace: String) async throws
}

/// The `v1.Binding` a scheduler posts to assign a pod to a node.
public enum Binding {
    /// A Binding of the pod to `node`; the pod's uid makes it a precondition, so a pod deleted and recreated
    /// under the same name meanwhile is not bound by a decision made for its predecessor.
    public static func make(pod: JSON, node: String) -> JSON {
        var metadata: JSON = ["name": .string(pod.name ?? ""), "namespace": .string(pod.namespace ?? "default")]
        if let uid = pod.uid { metadata["uid"] = .string(uid) }
        return ["apiVersion": "v1", "kind": "Binding", "metadata": metadata,
                "target": ["apiVersion": "v1", "kind": "Node", "name": .string(node)]]
    }
}

extension ResourceType {
    public static func named(_ plural: String, _ apiVersion: String = "v1") -> ResourceType {
        guard let t = ResourceRegistry.lookup(apiVersion: apiVersion, plural: plural) else {
            preconditionFailure("no resource \(apiVersion)/\(plural) is served")
        }
        return t
    }
    public static let pods = named("pods")
    public static let services = named("services")
    public static let endpoints = named("endpoints")
    public static let nodes = named("nodes")
    public static let namespaces = named("namespaces")
    public static let events = named("events")
    public static let secrets = named("secrets")
    public static let configMaps = named("configmaps")
    public static let serviceAccounts = named("serviceaccounts")
    public static let deployments = named("deployments", "apps/v1")
    public static let replicaSets = named("replicasets", "apps/v1")
    public static let endpointSlices = named("endpointslices", "discovery.k8s.io/v1")
    public static let leases = named("leases", "coordination.k8s.io/v1")
}
