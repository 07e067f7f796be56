import ServiceLifecycle
import Synchronization

/// The watches being served over HTTP, so that shutdown can end them.
///
/// A watch response never completes on its own, and the HTTP server's graceful shutdown waits for every response
/// in flight: with one `kubectl get -w` open, SIGTERM would wait until the watch's timeout (30–60 minutes).
/// kube-apiserver ends its watches when it starts shutting down and clients re-establish them elsewhere; so do we.
/// In-process watches (controllers, agent, proxy, DNS) are not here: they end when their tasks are cancelled.
final class HTTPWatches: Sendable {
    private struct State {
        var draining = false
        var nextID = 0
        var stops: [Int: @Sendable () -> Void] = [:]
    }
    private let state = Mutex(State())

    /// Tracks a watch until the returned closure is called. A watch that starts while draining is ended at once.
    func track(stop: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        let id: Int? = state.withLock { st in
            guard !st.draining else { return nil }
            defer { st.nextID += 1 }
            st.stops[st.nextID] = stop
            return st.nextID
        }
        guard let id else {
            stop()
            return {}
        }
        return { [weak self] in _ = self?.state.withLock { $0.stops.removeValue(forKey: id) } }
    }

    /// Ends every watch, now and from now on.
    func drain() {
        let stops = state.withLock { st in
            st.draining = true
            defer { st.stops.removeAll() }
            return Array(st.stops.values)
        }
        for stop in stops { stop() }
    }
}

/// A service placed after the HTTP server in the service group: graceful shutdown reaches services in reverse
/// order, so the watches are drained before the server starts waiting for its responses to finish.
struct WatchDrainService: Service {
    let watches: HTTPWatches

    func run() async throws {
        // Returns when graceful shutdown begins; throws when the group is cancelled instead, which drains too.
        try? await gracefulShutdown()
        watches.drain()
    }
}
