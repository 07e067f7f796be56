import KubeAPI
import Synchronization

/// Keeps a local copy of one resource (list, then watch, re-listing when the watch breaks) and tells its
/// handlers about every change, as client-go's shared informers do. Controllers read the copy, write through
/// the client.
public final class Informer: Sendable {
    public typealias Handler = @Sendable (_ old: JSON?, _ new: JSON?) -> Void

    public let resource: ResourceType
    let client: any KubeClient
    let namespace: String?
    let options: ListOptions
    private let cache = Mutex<[String: JSON]>([:])
    private let handlers = Mutex<[Handler]>([])
    private let synced = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    public init(client: any KubeClient, resource: ResourceType, namespace: String? = nil, options: ListOptions = ListOptions()) {
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.options = options
    }

    public static func key(_ obj: JSON) -> String { key(obj.namespace ?? "", obj.name ?? "") }
    public static func key(_ namespace: String, _ name: String) -> String { namespace.isEmpty ? name : "\(namespace)/\(name)" }

    public func addHandler(_ handler: @escaping Handler) {
        handlers.withLock { $0.append(handler) }
    }

    public func get(_ namespace: String, _ name: String) -> JSON? {
        cache.withLock { $0[Self.key(namespace, name)] }
    }

    public func get(key: String) -> JSON? { cache.withLock { $0[key] } }

    /// The cached objects, in one namespace or all.
    public func list(namespace: String? = nil) -> [JSON] {
        let all = cache.withLock { Array($0.values) }
        guard let namespace else { return all }
        return all.filter { ($0.namespace ?? "") == namespace }
    }

    public var hasSynced: Bool { synced.withLock { $0.done } }

    public func waitForSync() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = synced.withLock { s -> Bool in
                if s.done { return true }
                s.waiters.append(c)
                return false
            }
            if done { c.resume() }
        }
    }

    private func notify(_ old: JSON?, _ new: JSON?) {
        for h in handlers.withLock({ $0 }) { h(old, new) }
    }

    /// Lists and watches until cancelled. A watch that ends is resumed from the last version seen; one that
    /// fails (history gone, connection lost) leads to a fresh list.
    public func run() async {
        while !Task.isCancelled {
            do {
                let (items, rv) = try await client.list(resource, namespace: namespace, options: options)
                replace(items)
                var resourceVersion = rv
                while !Task.isCancelled {
                    let events = try await client.watch(resource, namespace: namespace, options: options,
                                                        resourceVersion: resourceVersion)
                    for try await event in events {
                        apply(event)
                        if let v = event.object.resourceVersion, event.type != .error { resourceVersion = v }
                    }
                }
            } catch {
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    private func apply(_ event: WatchEvent) {
        switch event.type {
        case .added, .modified:
            let k = Self.key(event.object)
            let old = cache.withLock { c -> JSON? in
                defer { c[k] = event.object }
                return c[k]
            }
            notify(old, event.object)
        case .deleted:
            let k = Self.key(event.object)
            let old = cache.withLock { $0.removeValue(forKey: k) }
            notify(old ?? event.object, nil)
        case .bookmark, .error:
            break
        }
    }

    private func replace(_ items: [JSON]) {
        var fresh: [String: JSON] = [:]
        for i in items { fresh[Self.key(i)] = i }
        let old = cache.withLock { c -> [String: JSON] in
            defer { c = fresh }
            return c
        }
        for (k, obj) in fresh where old[k] != obj { notify(old[k], obj) }
        for (k, obj) in old where fresh[k] == nil { notify(obj, nil) }
        let waiters = synced.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.done = true
            defer { s.waiters.removeAll() }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }
}
