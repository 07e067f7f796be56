import Foundation
import KubeAPI
import KubeClient
import Synchronization

extension Net {
    /// Remembers which version of each EndpointSlice this controller last wrote (Kubernetes'
    /// EndpointSliceTracker, keyed by resourceVersion where Kubernetes uses generation). It tells a sync
    /// working from an informer cache that has not yet seen our own writes to wait (otherwise it would create
    /// duplicate slices), and tells slice events caused by our own writes from changes made by others.
    final class SliceTracker: Sendable {
        static let deletionExpected = "deleted"
        /// service key → slice UID → resourceVersion we wrote, or `deletionExpected`.
        private let versions = Mutex<[String: [String: String]]>([:])
        /// UIDs of slices whose deletion event arrived before we recorded writing them (someone deleted a
        /// slice we had just created); recording them later must not make us wait for a slice that is gone.
        private let deletedEarly = Mutex<Set<String>>([])
        /// Since when each service's cache has looked stale.
        private let staleSince = Mutex<[String: Date]>([:])

        static func serviceKey(of slice: JSON) -> String {
            Informer.key(slice.namespace ?? "", slice.labels[Net.Keys.serviceName] ?? "")
        }

        static func id(_ slice: JSON) -> String { slice.uid ?? slice.name ?? "" }

        func wrote(_ slice: JSON) {
            guard let rv = slice.resourceVersion else { return }
            if deletedEarly.withLock({ $0.remove(Self.id(slice)) != nil }) { return }
            versions.withLock { $0[Self.serviceKey(of: slice), default: [:]][Self.id(slice)] = rv }
        }

        func expectDeletion(_ slice: JSON) {
            versions.withLock { $0[Self.serviceKey(of: slice), default: [:]][Self.id(slice)] = Self.deletionExpected }
        }

        func forget(_ slice: JSON) {
            _ = versions.withLock { $0[Self.serviceKey(of: slice)]?.removeValue(forKey: Self.id(slice)) }
        }

        func has(_ slice: JSON) -> Bool {
            versions.withLock { $0[Self.serviceKey(of: slice)]?[Self.id(slice)] != nil }
        }

        /// True when the slice event is not just the echo of our own write: an unknown slice or a newer version.
        func shouldSync(_ slice: JSON) -> Bool {
            guard let expected = versions.withLock({ $0[Self.serviceKey(of: slice)]?[Self.id(slice)] }) else { return true }
            if expected == Self.deletionExpected { return false }
            guard let have = slice.resourceVersion.flatMap({ Int64($0) }), let want = Int64(expected) else {
                return slice.resourceVersion != expected
            }
            return have > want
        }

        /// The slice is gone; returns whether that was our own delete. (Kubernetes also ignores the deletion
        /// of slices it never wrote; resyncing then too costs one no-op sync and repairs a slice deleted by hand.)
        func handleDeletion(_ slice: JSON) -> Bool {
            let expected = versions.withLock { $0[Self.serviceKey(of: slice)]?.removeValue(forKey: Self.id(slice)) }
            if expected == nil {
                deletedEarly.withLock { set in
                    if set.count > 1000 { set.removeAll() }  // only the last moments matter
                    set.insert(Self.id(slice))
                }
            }
            return expected == Self.deletionExpected
        }

        /// Whether the cached slices of a Service are older than what we wrote: a slice we deleted is still
        /// there, one we wrote is missing or at an older version.
        func isStale(serviceKey: String, cached: [JSON]) -> Bool {
            guard let expected = versions.withLock({ $0[serviceKey] }), !expected.isEmpty else { return false }
            var seen = Set<String>()
            for slice in cached {
                let id = Self.id(slice)
                seen.insert(id)
                guard let version = expected[id] else { continue }
                if version == Self.deletionExpected { return true }
                if !Net.isAtLeast(slice, resourceVersion: version) { return true }
            }
            return expected.contains { $0.value != Self.deletionExpected && !seen.contains($0.key) }
        }

        func forget(serviceKey: String) {
            _ = versions.withLock { $0.removeValue(forKey: serviceKey) }
            _ = staleSince.withLock { $0.removeValue(forKey: serviceKey) }
        }

        /// `isStale`, with a way out: a cache that still looks stale after `patience` seconds is not going to
        /// catch up (an event was lost), so our expectations for that service are dropped and the sync goes on.
        func waitForCache(serviceKey: String, cached: [JSON], now: Date, patience: Double) -> Bool {
            guard isStale(serviceKey: serviceKey, cached: cached) else {
                _ = staleSince.withLock { $0.removeValue(forKey: serviceKey) }
                return false
            }
            let since = staleSince.withLock { all -> Date in
                if let since = all[serviceKey] { return since }
                all[serviceKey] = now
                return now
            }
            if now.timeIntervalSince(since) < patience { return true }
            forget(serviceKey: serviceKey)
            return false
        }
    }
}
