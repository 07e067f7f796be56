import Synchronization

/// A de-duplicating queue of object keys, like client-go's: a key is handed to one worker at a time; a key
/// added while it is being worked on is handed out again once that work is done.
public final class WorkQueue: Sendable {
    private struct State {
        var order: [String] = []
        var queued: Set<String> = []
        var processing: Set<String> = []
        var dirty: Set<String> = []
        var waiters: [CheckedContinuation<String?, Never>] = []
        var failures: [String: Int] = [:]
        var shutDown = false
    }
    private let state = Mutex(State())

    public init() {}

    public func add(_ key: String) {
        let waiter: CheckedContinuation<String?, Never>? = state.withLock { s in
            guard !s.shutDown else { return nil }
            if s.processing.contains(key) { s.dirty.insert(key); return nil }
            guard !s.queued.contains(key) else { return nil }
            if !s.waiters.isEmpty {
                s.processing.insert(key)
                return s.waiters.removeFirst()
            }
            s.queued.insert(key)
            s.order.append(key)
            return nil
        }
        waiter?.resume(returning: key)
    }

    public func add(_ key: String, after seconds: Double) {
        guard seconds > 0 else { return add(key) }
        Task {
            try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            self.add(key)
        }
    }

    /// Re-adds a key that failed, waiting longer each time (5 ms doubling to 60 s), as client-go's rate limiter does.
    public func retry(_ key: String) {
        let n = state.withLock { s -> Int in
            s.failures[key, default: 0] += 1
            return s.failures[key]!
        }
        add(key, after: min(60, 0.005 * Double(1 << min(n, 20))))
    }

    /// The key succeeded: forget its failures.
    public func forget(_ key: String) {
        _ = state.withLock { $0.failures.removeValue(forKey: key) }
    }

    /// The next key to work on, or nil once shut down.
    public func next() async -> String? {
        await withCheckedContinuation { (c: CheckedContinuation<String?, Never>) in
            let ready: String?? = state.withLock { s in
                if s.shutDown { return .some(nil) }
                if !s.order.isEmpty {
                    let key = s.order.removeFirst()
                    s.queued.remove(key)
                    s.processing.insert(key)
                    return .some(key)
                }
                s.waiters.append(c)
                return .none
            }
            if let ready { c.resume(returning: ready) }
        }
    }

    public func done(_ key: String) {
        let again = state.withLock { s -> Bool in
            s.processing.remove(key)
            return s.dirty.remove(key) != nil
        }
        if again { add(key) }
    }

    public func shutDown() {
        let waiters = state.withLock { s -> [CheckedContinuation<String?, Never>] in
            s.shutDown = true
            defer { s.waiters.removeAll() }
            return s.waiters
        }
        for w in waiters { w.resume(returning: nil) }
    }

    /// Works keys until shut down or cancelled; a throwing reconcile is retried with back-off.
    public func run(_ reconcile: @Sendable (String) async throws -> Void, onError: @Sendable (String, Error) -> Void = { _, _ in }) async {
        await withTaskCancellationHandler {
            while let key = await next() {
                do {
                    try await reconcile(key)
                    forget(key)
                } catch {
                    onError(key, error)
                    retry(key)
                }
                done(key)
            }
        } onCancel: {
            self.shutDown()
        }
    }
}
