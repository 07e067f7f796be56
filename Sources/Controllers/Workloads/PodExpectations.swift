import Foundation
import Synchronization

/// What a ReplicaSet is waiting to see in its pod informer after its own creates and deletes
/// (Kubernetes' UIDTrackingControllerExpectations): until the informer has caught up, the
/// controller does not act again, or it would create or delete twice. Deletions are tracked by
/// pod key so that one deletion is counted once, whether seen as a deletionTimestamp or a delete.
/// Records older than five minutes count as satisfied, so a lost event cannot wedge a ReplicaSet.
final class PodExpectations: Sendable {
    static let timeout: TimeInterval = 5 * 60

    private struct Record {
        var adds: Int
        var deletes: Int
        var deleteKeys: Set<String>
        var setAt: Date
    }

    private let records = Mutex<[String: Record]>([:])
    private let now: @Sendable () -> Date

    init(now: @escaping @Sendable () -> Date) { self.now = now }

    /// True when the owner may act: nothing expected, everything seen, or the record expired.
    func satisfied(_ ownerKey: String) -> Bool {
        let t = now()
        return records.withLock { r in
            guard let rec = r[ownerKey] else { return true }
            if rec.adds <= 0 && rec.deletes <= 0 { return true }
            return t.timeIntervalSince(rec.setAt) > Self.timeout
        }
    }

    func expectCreations(_ ownerKey: String, _ count: Int) {
        let t = now()
        records.withLock { $0[ownerKey] = Record(adds: count, deletes: 0, deleteKeys: [], setAt: t) }
    }

    func expectDeletions(_ ownerKey: String, podKeys: [String]) {
        let t = now()
        let keys = Set(podKeys)
        records.withLock { $0[ownerKey] = Record(adds: 0, deletes: keys.count, deleteKeys: keys, setAt: t) }
    }

    func creationObserved(_ ownerKey: String) {
        records.withLock { r in
            guard var rec = r[ownerKey] else { return }
            rec.adds -= 1
            r[ownerKey] = rec
        }
    }

    /// Counts the deletion of `podKey` once, and only if this owner was waiting for it.
    func deletionObserved(_ ownerKey: String, podKey: String) {
        records.withLock { r in
            guard var rec = r[ownerKey], rec.deleteKeys.remove(podKey) != nil else { return }
            rec.deletes -= 1
            r[ownerKey] = rec
        }
    }

    func forget(_ ownerKey: String) {
        _ = records.withLock { $0.removeValue(forKey: ownerKey) }
    }

    /// Pending (adds, deletes) for tests and logs.
    func pending(_ ownerKey: String) -> (adds: Int, deletes: Int)? {
        records.withLock { r in r[ownerKey].map { ($0.adds, $0.deletes) } }
    }
}
