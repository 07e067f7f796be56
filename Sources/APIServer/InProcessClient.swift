import Foundation
import KubeAPI
import KubeClient
import KubeStore

/// The Kubernetes API for components running inside `swiftlet server`: the same registry calls (admission,
/// validation, allocation, watch) as over HTTPS, without the TLS and JSON round trip.
public struct InProcessClient: KubeClient {
    let registry: Registry

    public init(server: KubeAPIServer) { registry = server.registry }

    func mapped<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as APIError {
            throw ClientError(status: e.statusObject)
        }
    }

    func selectors(_ options: ListOptions) throws -> (LabelSelector?, FieldSelector?) {
        try mapped {
            do {
                return (try options.labelSelector.map { try LabelSelector(parsing: $0) },
                        try options.fieldSelector.map { try FieldSelector(parsing: $0) })
            } catch {
                throw APIError.badRequest("\(error)")
            }
        }
    }

    public func get(_ r: ResourceType, namespace: String?, name: String) async throws -> JSON {
        try mapped { try registry.get(r, namespace: namespace, name: name) }
    }

    public func list(_ r: ResourceType, namespace: String?, options: ListOptions) async throws -> (items: [JSON], resourceVersion: String) {
        let (ls, fs) = try selectors(options)
        let result = try mapped {
            try registry.list(r, namespace: namespace, labelSelector: ls, fieldSelector: fs, limit: nil, continueToken: nil)
        }
        return (result.items, result.resourceVersion)
    }

    public func watch(_ r: ResourceType, namespace: String?, options: ListOptions, resourceVersion: String) async throws -> AsyncThrowingStream<WatchEvent, Error> {
        let (ls, fs) = try selectors(options)
        let start: WatchStart = (resourceVersion.isEmpty || resourceVersion == "0") ? .initialState : .after(Int64(resourceVersion) ?? 0)
        let sub: (events: AsyncStream<StoreEvent>, resourceVersion: Int64, stop: @Sendable () -> Void)
        do {
            sub = try registry.store.watch(r.storageName, namespace: r.namespaced ? namespace : nil, from: start)
        } catch let e as StoreError {
            throw ClientError(status: APIError.from(e, r).statusObject)
        }
        let filter = WatchFilter(labels: ls, fields: fs, kind: r.kind)
        let (stream, continuation) = AsyncThrowingStream<WatchEvent, Error>.makeStream()
        let pump = Task {
            for await event in sub.events {
                guard let (type, object) = filter.translate(event) else { continue }
                continuation.yield(WatchEvent(type: WatchEvent.Kind(rawValue: type) ?? .modified,
                                              object: StorageConversion.toView(r, object)))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in
            pump.cancel()
            sub.stop()
        }
        return stream
    }

    /// The manager a component's writes are recorded under: what its Kubernetes counterpart's User-Agent gives.
    /// In this process the kubelet writes as itself, the scheduler as kube-scheduler, and every other writer is a
    /// controller, which kube-controller-manager runs.
    static func manager(for component: String) -> String {
        switch component {
        case "kubelet": return "kubelet"
        case "default-scheduler": return "kube-scheduler"
        default: return "kube-controller-manager"
        }
    }

    func writeOptions(_ fieldManager: String) -> WriteOptions {
        var options = WriteOptions()
        options.fieldManager = Self.manager(for: fieldManager)
        options.fieldValidation = .ignore
        return options
    }

    public func create(_ r: ResourceType, _ object: JSON, fieldManager: String) async throws -> JSON {
        let options = writeOptions(fieldManager)
        return try mapped {
            try registry.create(r, namespace: object.namespace, body: .init(object: object, duplicateFields: []), options: options).0
        }
    }

    public func update(_ r: ResourceType, _ object: JSON, subresource: String?, fieldManager: String) async throws -> JSON {
        let options = writeOptions(fieldManager)
        return try mapped {
            try registry.update(r, namespace: object.namespace, name: object.name ?? "", subresource: subresource,
                                change: .replace(.init(object: object, duplicateFields: [])), options: options).object
        }
    }

    public func patch(_ r: ResourceType, namespace: String?, name: String, type: PatchType, patch: JSON, subresource: String?, fieldManager: String) async throws -> JSON {
        let options = writeOptions(fieldManager)
        return try mapped {
            try registry.update(r, namespace: namespace, name: name, subresource: subresource,
                                change: .patch(type: type.rawValue, body: patch.serialized()), options: options).object
        }
    }

    public func delete(_ r: ResourceType, namespace: String?, name: String, options: JSON) async throws {
        try mapped {
            let o = try DeleteOptions(query: Query(nil), body: options)
            _ = try registry.delete(r, namespace: namespace, name: name, options: o)
        }
    }

    public func bind(_ binding: JSON, namespace: String) async throws {
        try mapped { try registry.bind(namespace: namespace, name: binding.name ?? "", binding: binding) }
    }
}
