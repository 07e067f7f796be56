import Foundation
import KubeAPI
import KubeClient
import Synchronization

/// An in-memory KubeClient for unit tests of controller logic: objects, resourceVersions, selectors, patches
/// and watches, without admission (no defaults, no validation). End-to-end tests use the real server.
public final class MemoryClient: KubeClient, Sendable {
    private struct State {
        var objects: [String: [String: JSON]] = [:]   // storageName → "ns/name" → object
        var rv: Int64 = 0
        var watchers: [UInt64: (resource: String, namespace: String?, labels: LabelSelector?, fields: FieldSelector?, kind: String,
                                continuation: AsyncThrowingStream<WatchEvent, Error>.Continuation)] = [:]
        var nextID: UInt64 = 0
        var actions: [String] = []
        /// Every change, so a watch from a listed resourceVersion misses nothing (as the real API guarantees).
        var history: [(rv: Int64, resource: String, event: WatchEvent)] = []
    }
    private let state = Mutex(State())

    public init() {}

    /// Writes recorded so far, as "create pods default/x", "patch replicasets default/y status", ...
    public var actions: [String] { state.withLock { $0.actions } }
    public func clearActions() { state.withLock { $0.actions.removeAll() } }

    static func slot(_ r: ResourceType, _ ns: String?, _ name: String) -> String { "\(r.namespaced ? ns ?? "" : "")/\(name)" }

    func notFound(_ r: ResourceType, _ name: String) -> ClientError {
        ClientError(code: 404, reason: "NotFound", message: "\(r.qualifiedName) \"\(name)\" not found")
    }

    public func get(_ r: ResourceType, namespace: String?, name: String) async throws -> JSON {
        guard let o = state.withLock({ $0.objects[r.storageName]?[Self.slot(r, namespace, name)] }) else { throw notFound(r, name) }
        return o
    }

    public func list(_ r: ResourceType, namespace: String?, options: ListOptions) async throws -> (items: [JSON], resourceVersion: String) {
        let ls = try options.labelSelector.map { try LabelSelector(parsing: $0) }
        let fs = try options.fieldSelector.map { try FieldSelector(parsing: $0) }
        return state.withLock { s in
            let items = (s.objects[r.storageName] ?? [:]).sorted { $0.key < $1.key }.map(\.value).filter { o in
                (namespace == nil || !r.namespaced || o.namespace == namespace)
                    && (ls?.matches(o.labels) ?? true) && (fs?.matches(o, kind: r.kind) ?? true)
            }
            return (items, String(s.rv))
        }
    }

    public func watch(_ r: ResourceType, namespace: String?, options: ListOptions, resourceVersion: String) async throws -> AsyncThrowingStream<WatchEvent, Error> {
        let ls = try options.labelSelector.map { try LabelSelector(parsing: $0) }
        let fs = try options.fieldSelector.map { try FieldSelector(parsing: $0) }
        let (stream, c) = AsyncThrowingStream<WatchEvent, Error>.makeStream()
        let from = Int64(resourceVersion) ?? 0
        let id = state.withLock { s -> UInt64 in
            for h in s.history where h.rv > from && h.resource == r.storageName {
                let o = h.event.object
                if r.namespaced, let ns = namespace, ns != (o.namespace ?? "") { continue }
                if let l = ls, !l.matches(o.labels) { continue }
                if let f = fs, !f.matches(o, kind: r.kind) { continue }
                c.yield(h.event)
            }
            s.nextID += 1
            s.watchers[s.nextID] = (r.storageName, r.namespaced ? namespace : nil, ls, fs, r.kind, c)
            return s.nextID
        }
        c.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) } }
        return stream
    }

    /// Stores an object as given (test setup), notifying watchers.
    @discardableResult
    public func seed(_ r: ResourceType, _ object: JSON) -> JSON {
        try! write(r, object, verb: nil)
    }

    /// Checks and writes under one lock, so concurrent writers see optimistic concurrency as on a real server.
    @discardableResult
    private func write(_ r: ResourceType, _ object: JSON?, verb: String?, delete name: String? = nil, namespace: String? = nil,
                       check: (JSON?) throws -> JSON? = { _ in nil }) throws -> JSON {
        try state.withLock { s in
            let ns0 = object?.namespace ?? namespace
            let slot0 = Self.slot(r, ns0, object?.name ?? name ?? "")
            let replacement = try check(s.objects[r.storageName]?[slot0])
            let object = replacement ?? object
            s.rv += 1
            let ns = object?.namespace ?? namespace
            let n = object?.name ?? name ?? ""
            let slot = Self.slot(r, ns, n)
            let old = s.objects[r.storageName]?[slot]
            var result: JSON
            let type: WatchEvent.Kind
            if var o = object {
                o["metadata"]["resourceVersion"] = .string(String(s.rv))
                if o.uid == nil { o["metadata"]["uid"] = .string(UUID().uuidString.lowercased()) }
                if o["metadata"]["creationTimestamp"].isNull { o["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z" }
                s.objects[r.storageName, default: [:]][slot] = o
                result = o
                type = old == nil ? .added : .modified
            } else {
                s.objects[r.storageName]?.removeValue(forKey: slot)
                result = old ?? .null
                type = .deleted
            }
            s.history.append((s.rv, r.storageName, WatchEvent(type: type, object: result)))
            if let verb { s.actions.append("\(verb) \(r.plural) \(ns.map { "\($0)/" } ?? "")\(n)") }
            for w in s.watchers.values where w.resource == r.storageName {
                if let wns = w.namespace, wns != (ns ?? "") { continue }
                if let l = w.labels, !l.matches(result.labels) { continue }
                if let f = w.fields, !f.matches(result, kind: w.kind) { continue }
                w.continuation.yield(WatchEvent(type: type, object: result))
            }
            return result
        }
    }

    public func create(_ r: ResourceType, _ object: JSON, fieldManager: String) async throws -> JSON {
        var o = object
        if (o.name ?? "").isEmpty, let prefix = o["metadata"]["generateName"].string {
            o["metadata"]["name"] = .string(prefix + String(UUID().uuidString.lowercased().prefix(5)))
        }
        let name = o.name ?? ""
        return try write(r, o, verb: "create") { current in
            if current != nil { throw ClientError(code: 409, reason: "AlreadyExists", message: "\(r.qualifiedName) \"\(name)\" already exists") }
            return nil
        }
    }

    public func update(_ r: ResourceType, _ object: JSON, subresource: String?, fieldManager: String) async throws -> JSON {
        let name = object.name ?? ""
        return try write(r, object, verb: subresource.map { "update-\($0)" } ?? "update") { current in
            guard let current else { throw self.notFound(r, name) }
            if let rv = object.resourceVersion, rv != current.resourceVersion {
                throw ClientError(code: 409, reason: "Conflict", message: "the object has been modified")
            }
            var next = object
            if subresource == "status" { next = current; next["status"] = object["status"] }
            return next
        }
    }

    public func patch(_ r: ResourceType, namespace: String?, name: String, type: PatchType, patch: JSON, subresource: String?, fieldManager: String) async throws -> JSON {
        let current = try await get(r, namespace: namespace, name: name)
        return try write(r, current, verb: subresource.map { "patch-\($0)" } ?? "patch") { latest in
            guard let latest else { throw self.notFound(r, name) }
            switch type {
            case .merge: return latest.applyingMergePatch(patch)
            case .strategic: return try latest.applyingStrategicMergePatch(patch, kind: r.kind)
            case .json: return try latest.applyingJSONPatch(patch)
            }
        }
    }

    public func delete(_ r: ResourceType, namespace: String?, name: String, options: JSON) async throws {
        try write(r, nil, verb: "delete", delete: name, namespace: namespace) { current in
            if current == nil { throw self.notFound(r, name) }
            return nil
        }
    }

    /// pods/binding as the API server answers it (without validation): the uid precondition, no binding of a
    /// pod being deleted or already placed, then spec.nodeName and PodScheduled=True. Recorded as "bind pods ns/name".
    public func bind(_ binding: JSON, namespace: String) async throws {
        let name = binding.name ?? ""
        let node = binding["target"]["name"].string ?? ""
        let conflict = { (why: String) in
            ClientError(code: 409, reason: "Conflict", message: "Operation cannot be fulfilled on pods/binding \"\(name)\": \(why)")
        }
        try write(.pods, nil, verb: "bind", delete: name, namespace: namespace) { current in
            guard var pod = current else { throw self.notFound(.pods, name) }
            if let uid = binding.uid, uid != pod.uid { throw conflict("Precondition failed: UID in precondition: \(uid)") }
            if !pod["metadata"]["deletionTimestamp"].isNull { throw conflict("pod \(name) is being deleted") }
            if let existing = pod["spec"]["nodeName"].string, !existing.isEmpty {
                throw conflict("pod \(name) is already assigned to node \"\(existing)\"")
            }
            pod["spec"]["nodeName"] = .string(node)
            var conditions = pod["status"]["conditions"].elements.filter { $0["type"].string != "PodScheduled" }
            conditions.append(["type": "PodScheduled", "status": "True"])
            pod["status"]["conditions"] = .array(conditions)
            return pod
        }
    }
}
