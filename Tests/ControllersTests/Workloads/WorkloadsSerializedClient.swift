import Foundation
import KubeAPI
import KubeClient
import KubeClientTesting
import Synchronization

/// MemoryClient's update reads, checks the resourceVersion and writes in separate steps, so two
/// concurrent writes of one object can both pass the check and the second silently undoes the
/// first (e.g. a status PUT putting back a spec the user just changed). A real API server checks
/// and writes atomically; this wrapper restores that by letting one write run at a time.
final class WorkloadsSerializedClient: KubeClient, Sendable {
    let inner: MemoryClient
    private let gate = AsyncGate()

    init(_ inner: MemoryClient) { self.inner = inner }

    func get(_ r: ResourceType, namespace: String?, name: String) async throws -> JSON {
        try await inner.get(r, namespace: namespace, name: name)
    }
    func list(_ r: ResourceType, namespace: String?, options: ListOptions) async throws -> (items: [JSON], resourceVersion: String) {
        try await inner.list(r, namespace: namespace, options: options)
    }
    func watch(_ r: ResourceType, namespace: String?, options: ListOptions, resourceVersion: String) async throws -> AsyncThrowingStream<WatchEvent, Error> {
        try await inner.watch(r, namespace: namespace, options: options, resourceVersion: resourceVersion)
    }
    func create(_ r: ResourceType, _ object: JSON, fieldManager: String) async throws -> JSON {
        try await gate.run { try await self.inner.create(r, object, fieldManager: fieldManager) }
    }
    func update(_ r: ResourceType, _ object: JSON, subresource: String?, fieldManager: String) async throws -> JSON {
        try await gate.run { try await self.inner.update(r, object, subresource: subresource, fieldManager: fieldManager) }
    }
    func patch(_ r: ResourceType, namespace: String?, name: String, type: PatchType, patch: JSON, subresource: String?, fieldManager: String) async throws -> JSON {
        try await gate.run {
            try await self.inner.patch(r, namespace: namespace, name: name, type: type, patch: patch, subresource: subresource,
                                       fieldManager: fieldManager)
        }
    }
    func delete(_ r: ResourceType, namespace: String?, name: String, options: JSON) async throws {
        try await gate.run { try await self.inner.delete(r, namespace: namespace, name: name, options: options) }
    }
    func bind(_ binding: JSON, namespace: String) async throws {
        try await gate.run { try await self.inner.bind(binding, namespace: namespace) }
    }
}

/// A FIFO async mutex.
final class AsyncGate: Sendable {
    private let state = Mutex<(busy: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if !s.busy { s.busy = true; return true }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    private func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty { s.busy = false; return nil }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}
