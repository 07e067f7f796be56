import Foundation
import KubeAPI
import KubeClient
import Synchronization

/// The resolver over the informers' current contents. Informer events only mark it stale; the next query
/// rebuilds it once, so a burst of changes (a Deployment rolling out) costs one rebuild, not one per event.
final class SnapshotCache: Sendable {
    private struct State {
        var resolver: ClusterResolver?
        var serial: UInt32
    }

    private let state: Mutex<State>
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
        }
    }

    var current: ClusterResolver {
        state.withLock { s in
            if let r = s.resolver { return r }
            let r = build(s.serial)
            s.resolver = r
            return r
        }
    }
}
