import Foundation
import KubeAPI
import KubeClient
import Synchronization

/// The resolver over the informers' current contents. Informer events only mark it stale; the next query
/// rebuilds it once, so a burst of changes (a Deployment rolling out) costs one rebuild, not one per event.
/// Each change also starts a new generation, which tells the answer cache that its replies are stale.
final class SnapshotCache: Sendable {
    private struct State {
        var resolver: ClusterResolver?
        var serial: UInt32
    }

    private let state: Mutex<State>
    /// Changed only under `state`'s lock, together with the resolver; read without it on every query.
    private let generationCounter = Atomic<UInt64>(0)
    private let build: @Sendable (_ serial: UInt32) -> ClusterResolver

    init(build: @escaping @Sendable (_ serial: UInt32) -> ClusterResolver) {
        self.build = build
        state = Mutex(State(resolver: nil, serial: Self.now()))
    }

    /// The SOA serial follows the last change, in Unix seconds, as CoreDNS's does.
    static func now() -> UInt32 { UInt32(truncatingIfNeeded: Int(Date().timeIntervalSince1970)) }

    func invalidate() {
        state.withLock {
            $0.resolver = nil
            $0.serial = Self.now()
            generationCounter.add(1, ordering: .releasing)
        }
    }

    /// The generation of the snapshot the next query will be answered from.
    var generation: UInt64 { generationCounter.load(ordering: .acquiring) }

    var current: ClusterResolver { currentWithGeneration.resolver }

    /// The resolver and its generation, read together: an answer built from this resolver is tagged with it.
    var currentWithGeneration: (resolver: ClusterResolver, generation: UInt64) {
        state.withLock { s in
            let generation = generationCounter.load(ordering: .relaxed)
            if let r = s.resolver { return (r, generation) }
            let r = build(s.serial)
            s.resolver = r
            return (r, generation)
        }
    }
}
