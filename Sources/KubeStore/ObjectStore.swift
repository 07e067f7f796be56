import Foundation
import GRDB
import KubeAPI
import Synchronization

/// Where an object lives: its storage resource ("pods", "deployments.apps"), namespace ("" when cluster-scoped), name.
public struct ObjectKey: Hashable, Sendable, CustomStringConvertible {
    public let resource: String
    public let namespace: String
    public let name: String
    public init(_ resource: String, _ namespace: String, _ name: String) {
        self.resource = resource
        self.namespace = namespace
        self.name = name
    }
    public var description: String { namespace.isEmpty ? "\(resource)/\(name)" : "\(resource)/\(namespace)/\(name)" }
}

public enum StoreError: Error, Equatable, CustomStringConvertible {
    case notFound(ObjectKey)
    case alreadyExists(ObjectKey)
    /// The caller's resourceVersion precondition no longer holds.
    case conflict(ObjectKey, expected: Int64, actual: Int64)
    /// A watch asked for history that has been compacted away.
    case gone(requested: Int64, oldest: Int64)
    case storage(String)

    public var description: String {
        switch self {
        case .notFound(let k): return "\(k) not found"
        case .alreadyExists(let k): return "\(k) already exists"
        case .conflict(let k, let e, let a): return "\(k): resourceVersion \(e) is stale (now \(a))"
        case .gone(let r, let o): return "too old resource version: \(r) (\(o))"
        case .storage(let m): return "storage: \(m)"
        }
    }
}

public enum WatchEventType: String, Sendable {
    case added = "ADDED"
    case modified = "MODIFIED"
    case deleted = "DELETED"
}

/// One change, as watchers see it: the object after the change (for DELETED, its last state stamped with the
/// deletion's resourceVersion, as the Kubernetes API server does).
public struct StoreEvent: Sendable {
    public let type: WatchEventType
    public let key: ObjectKey
    public let resourceVersion: Int64
    public let object: JSON
    /// The object before this change, for watchers whose filter the object just left (they must see a DELETED).
    public let previous: JSON?
}

/// What a mutation decides after seeing the current object.
public enum Mutation: Sendable {
    case put(JSON)
    case delete
    case keep
}

/// Where a watch starts.
public enum WatchStart: Sendable {
    /// Only changes after now.
    case now
    /// Synthetic ADDED events for every current object, then changes (what `resourceVersion=""`/`"0"` asks for).
    case initialState
    /// Changes with a resourceVersion greater than this.
    case after(Int64)
}

/// A versioned object store: one resourceVersion counter across all kinds, optimistic concurrency, and watch
/// from any retained resourceVersion. Every object lives in memory for reads; every write is committed to SQLite
/// before it is acknowledged, so nothing acknowledged is lost when the process is killed.
///
/// The change history that watches resume from lives in SQLite (the last `historyLimit` changes or more); only its
/// recent tail is kept in memory, because nearly every resumption (an informer reconnecting) asks for the last few
/// seconds, while the whole window, with each change's object and previous state, cost megabytes of heap.
public final class ObjectStore: Sendable {
    private struct State {
        var objects: [String: [String: JSON]] = [:]  // resource → "ns/name" → object
        var resourceVersion: Int64 = 0
        /// The recent tail of the history, oldest first: what most watch resumptions read.
        var history: [StoreEvent] = []
        /// How many changes the `changes` table holds.
        var durableChanges = 0
        /// The oldest resourceVersion a watch may resume *after*; older ones are Gone.
        var compactedThrough: Int64 = 0
        var watchers: [UInt64: Watcher] = [:]
        var nextWatcherID: UInt64 = 0
    }

    private struct Watcher {
        let resource: String
        let namespace: String?
        let continuation: AsyncStream<StoreEvent>.Continuation
    }

    private let db: DatabaseQueue
    private let state: Mutex<State>
    private let historyLimit: Int
    private let memoryWindow: Int

    /// Opens (or creates) the store in a SQLite file. Watches may resume from any of the last `historyLimit`
    /// changes; the last `memoryWindow` of them are served from memory.
    public init(path: String, historyLimit: Int = 10_000, memoryWindow: Int = 500) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            // WAL keeps commits cheap; every commit still reaches the file before we answer, so a killed
            // process loses nothing it acknowledged.
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            db = try DatabaseQueue(path: path, configuration: config)
            try db.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS objects (
                        resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
                        rv INTEGER NOT NULL, data TEXT NOT NULL,
                        PRIMARY KEY (resource, namespace, name));
                    CREATE TABLE IF NOT EXISTS changes (
                        rv INTEGER PRIMARY KEY, type TEXT NOT NULL,
                        resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
                        data TEXT NOT NULL, previous TEXT);
                    """)
            }
        } catch {
            throw StoreError.storage("opening \(path): \(error)")
        }
        self.historyLimit = historyLimit
        self.memoryWindow = min(memoryWindow, historyLimit)
        self.state = Mutex(State())
        try load()
    }

    private func load() throws {
        var loaded = State()
        do {
            try db.read { db in
                let cursor = try Row.fetchCursor(db, sql: "SELECT resource, namespace, name, rv, data FROM objects")
                while let row = try cursor.next() {
                    let resource: String = row[0]
                    let ns: String = row[1]
                    let name: String = row[2]
                    let text: String = row[4]
                    loaded.objects[resource, default: [:]]["\(ns)/\(name)"] = try JSON.parse(text)
                    loaded.resourceVersion = max(loaded.resourceVersion, row[3])
                }
                let rows = try Row.fetchAll(db, sql: """
                    SELECT rv, type, resource, namespace, name, data, previous FROM changes ORDER BY rv DESC LIMIT ?
                    """, arguments: [memoryWindow])
                loaded.history = try rows.reversed().map(Self.event(from:))
                let bounds = try Row.fetchOne(db, sql: "SELECT MIN(rv), COUNT(*) FROM changes")
                loaded.durableChanges = bounds?[1] ?? 0
                if let oldest: Int64 = bounds?[0] {
                    loaded.compactedThrough = oldest - 1
                }
            }
        } catch {
            throw StoreError.storage("loading the store: \(error)")
        }
        if let last = loaded.history.last { loaded.resourceVersion = max(loaded.resourceVersion, last.resourceVersion) }
        if loaded.durableChanges == 0 { loaded.compactedThrough = loaded.resourceVersion }
        let final = loaded
        state.withLock { $0 = final }
    }

    /// A row of the `changes` table (rv, type, resource, namespace, name, data, previous) as a watch event.
    private static func event(from row: Row) throws -> StoreEvent {
        let previous: String? = row[6]
        return StoreEvent(
            type: WatchEventType(rawValue: row[1]) ?? .modified,
            key: ObjectKey(row[2], row[3], row[4]), resourceVersion: row[0],
            object: try JSON.parse(row[5] as String),
            previous: try previous.map { try JSON.parse($0) })
    }

    // MARK: Reads

    public var currentResourceVersion: Int64 { state.withLock { $0.resourceVersion } }

    public func get(_ key: ObjectKey) -> JSON? {
        state.withLock { $0.objects[key.resource]?["\(key.namespace)/\(key.name)"] }
    }

    /// All objects of a resource (in one namespace, or all when nil), sorted by namespace and name as
    /// Kubernetes lists them, with the store's resourceVersion at that moment.
    public func list(_ resource: String, namespace: String? = nil) -> (items: [JSON], resourceVersion: Int64) {
        let (bucket, rv) = state.withLock { ($0.objects[resource] ?? [:], $0.resourceVersion) }
        var keys: [String]
        if let ns = namespace {
            let prefix = ns + "/"
            keys = bucket.keys.filter { $0.hasPrefix(prefix) }
        } else {
            keys = Array(bucket.keys)
        }
        keys.sort()
        return (keys.map { bucket[$0]! }, rv)
    }

    /// The objects of a resource (in one namespace, or all when nil) as they were at `resourceVersion`, sorted as
    /// `list` sorts them: the current objects with every later change undone. Throws `.gone` once those changes are
    /// no longer retained, as a watch from there would.
    public func list(_ resource: String, namespace: String? = nil, at resourceVersion: Int64) throws -> [JSON] {
        var bucket = try state.withLock { st -> [String: JSON] in
            if resourceVersion < st.compactedThrough {
                throw StoreError.gone(requested: resourceVersion, oldest: st.compactedThrough)
            }
            var bucket = st.objects[resource] ?? [:]
            for e in try changes(after: resourceVersion, resource: resource, namespace: namespace, in: st).reversed() {
                bucket["\(e.key.namespace)/\(e.key.name)"] = e.type == .added ? nil : e.previous
            }
            return bucket
        }
        if let ns = namespace { bucket = bucket.filter { $0.key.hasPrefix(ns + "/") } }
        return bucket.keys.sorted().map { bucket[$0]! }
    }

    // MARK: Writes

    public func create(_ resource: String, _ object: JSON) throws -> JSON {
        let key = ObjectKey(resource, object.namespace ?? "", object.name ?? "")
        return try mutate(key) { current in
            if current != nil { throw StoreError.alreadyExists(key) }
            return .put(object)
        }!
    }

    /// Replaces an object; `expectedResourceVersion` is the optimistic-concurrency precondition.
    public func update(_ resource: String, _ object: JSON, expectedResourceVersion: Int64?) throws -> JSON {
        let key = ObjectKey(resource, object.namespace ?? "", object.name ?? "")
        return try mutate(key) { current in
            guard let current else { throw StoreError.notFound(key) }
            if let expected = expectedResourceVersion {
                let actual = Int64(current.resourceVersion ?? "") ?? 0
                if actual != expected { throw StoreError.conflict(key, expected: expected, actual: actual) }
            }
            return .put(object)
        }!
    }

    public func delete(_ key: ObjectKey, expectedResourceVersion: Int64? = nil) throws -> JSON {
        var removed: JSON?
        _ = try mutate(key) { current in
            guard let current else { throw StoreError.notFound(key) }
            if let expected = expectedResourceVersion {
                let actual = Int64(current.resourceVersion ?? "") ?? 0
                if actual != expected { throw StoreError.conflict(key, expected: expected, actual: actual) }
            }
            removed = current
            return .delete
        }
        return removed!
    }

    /// The one write primitive: reads the current object, lets `decide` choose, and commits the choice atomically
    /// with a new resourceVersion. Returns the stored object (nil after a delete or keep-nothing).
    @discardableResult
    public func mutate(_ key: ObjectKey, _ decide: (JSON?) throws -> Mutation) throws -> JSON? {
        try state.withLock { st -> JSON? in
            let slot = "\(key.namespace)/\(key.name)"
            let current = st.objects[key.resource]?[slot]
            let decision = try decide(current)
            let rv = st.resourceVersion + 1
            let event: StoreEvent
            switch decision {
            case .keep:
                return current
            case .put(var object):
                object["metadata"]["resourceVersion"] = .string(String(rv))
                event = StoreEvent(type: current == nil ? .added : .modified, key: key, resourceVersion: rv,
                                   object: object, previous: current)
            case .delete:
                guard var last = current else { throw StoreError.notFound(key) }
                last["metadata"]["resourceVersion"] = .string(String(rv))
                event = StoreEvent(type: .deleted, key: key, resourceVersion: rv, object: last, previous: current)
            }
            // Compact in batches, keeping the last `historyLimit` changes (resourceVersions are consecutive).
            let compactBelow = st.durableChanges + 1 >= historyLimit * 2 ? rv - Int64(historyLimit) + 1 : nil
            try persist(event, compactBelow: compactBelow)
            st.resourceVersion = rv
            st.durableChanges += 1
            if let below = compactBelow {
                st.durableChanges = historyLimit
                st.compactedThrough = below - 1
            }
            if event.type == .deleted {
                st.objects[key.resource]?.removeValue(forKey: slot)
            } else {
                st.objects[key.resource, default: [:]][slot] = event.object
            }
            st.history.append(event)
            if st.history.count >= memoryWindow * 2 {
                // Trim in batches so appends stay amortised O(1).
                st.history.removeFirst(st.history.count - memoryWindow)
            }
            for w in st.watchers.values where w.resource == key.resource {
                if let ns = w.namespace, ns != key.namespace { continue }
                w.continuation.yield(event)
            }
            return event.type == .deleted ? nil : event.object
        }
    }

    private func persist(_ event: StoreEvent, compactBelow: Int64?) throws {
        let k = event.key
        let data = event.object.jsonString
        do {
            try db.write { db in
                if event.type == .deleted {
                    try db.execute(sql: "DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?",
                                   arguments: [k.resource, k.namespace, k.name])
                } else {
                    try db.execute(sql: """
                        INSERT INTO objects (resource, namespace, name, rv, data) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(resource, namespace, name) DO UPDATE SET rv = excluded.rv, data = excluded.data
                        """, arguments: [k.resource, k.namespace, k.name, event.resourceVersion, data])
                }
                try db.execute(sql: """
                    INSERT INTO changes (rv, type, resource, namespace, name, data, previous) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [event.resourceVersion, event.type.rawValue, k.resource, k.namespace, k.name,
                                     data, event.previous?.jsonString])
                if let below = compactBelow {
                    try db.execute(sql: "DELETE FROM changes WHERE rv < ?", arguments: [below])
                }
            }
        } catch {
            throw StoreError.storage("writing \(k): \(error)")
        }
    }

    // MARK: Watch

    /// A live stream of changes to one resource (optionally one namespace). Call `stop` (or drop the stream's
    /// consumer and call it) to unsubscribe.
    public func watch(_ resource: String, namespace: String?, from start: WatchStart)
        throws -> (events: AsyncStream<StoreEvent>, resourceVersion: Int64, stop: @Sendable () -> Void)
    {
        let (stream, continuation) = AsyncStream<StoreEvent>.makeStream(bufferingPolicy: .unbounded)
        let (id, rv) = try state.withLock { st -> (UInt64, Int64) in
            switch start {
            case .now:
                break
            case .initialState:
                let bucket = st.objects[resource] ?? [:]
                for slot in bucket.keys.sorted() {
                    let obj = bucket[slot]!
                    if let ns = namespace, obj.namespace ?? "" != ns { continue }
                    let key = ObjectKey(resource, obj.namespace ?? "", obj.name ?? "")
                    continuation.yield(StoreEvent(type: .added, key: key,
                                                  resourceVersion: Int64(obj.resourceVersion ?? "") ?? 0,
                                                  object: obj, previous: nil))
                }
            case .after(let from):
                if from < st.compactedThrough {
                    throw StoreError.gone(requested: from, oldest: st.compactedThrough)
                }
                for e in try changes(after: from, resource: resource, namespace: namespace, in: st) {
                    continuation.yield(e)
                }
            }
            let id = st.nextWatcherID
            st.nextWatcherID += 1
            st.watchers[id] = Watcher(resource: resource, namespace: namespace, continuation: continuation)
            return (id, st.resourceVersion)
        }
        let stop: @Sendable () -> Void = { [weak self] in
            let w = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
            w?.continuation.finish()
        }
        continuation.onTermination = { _ in stop() }
        return (stream, rv, stop)
    }

    /// The retained changes to one resource after `from`, oldest first: from the in-memory tail when it reaches back
    /// that far, else from SQLite. Called under the state lock, so no change can slip in before the watcher is added.
    private func changes(after from: Int64, resource: String, namespace: String?, in st: State) throws -> [StoreEvent] {
        if let first = st.history.first, first.resourceVersion <= from + 1 {
            // The tail is sorted by resourceVersion: find the first event after `from`.
            var lo = 0, hi = st.history.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if st.history[mid].resourceVersion <= from { lo = mid + 1 } else { hi = mid }
            }
            return st.history[lo...].filter { e in
                e.key.resource == resource && (namespace.map { $0 == e.key.namespace } ?? true)
            }
        }
        if from >= st.resourceVersion { return [] }
        do {
            return try db.read { db in
                var sql = "SELECT rv, type, resource, namespace, name, data, previous FROM changes WHERE rv > ? AND resource = ?"
                var arguments: StatementArguments = [from, resource]
                if let namespace {
                    sql += " AND namespace = ?"
                    arguments += [namespace]
                }
                return try Row.fetchAll(db, sql: sql + " ORDER BY rv", arguments: arguments).map(Self.event(from:))
            }
        } catch {
            throw StoreError.storage("reading changes to \(resource) after resourceVersion \(from): \(error)")
        }
    }

    /// Ends every watch (server shutdown).
    public func closeWatches() {
        let all = state.withLock { st -> [Watcher] in
            let w = Array(st.watchers.values)
            st.watchers.removeAll()
            return w
        }
        for w in all { w.continuation.finish() }
    }
}
