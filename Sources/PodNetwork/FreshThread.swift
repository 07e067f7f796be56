import Foundation

/// Runs `body` on a brand-new OS thread and waits for it.
///
/// Namespace work (unshare, setns) changes the calling *thread*. Doing it on a thread of our own that then
/// exits means no pooled thread — Swift concurrency's, NIO's, Foundation's — is ever left inside a pod's
/// network namespace, even if switching back would have failed.
func runOnFreshThread<T>(_ what: String, _ body: () throws -> T) throws -> T {
    try withoutActuallyEscaping(body) { escapable in
        let job = FreshThreadJob(escapable)
        let ctx = Unmanaged.passRetained(job).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { raw in
            let job = Unmanaged<AnyObject>.fromOpaque(raw!).takeRetainedValue() as! FreshThreadJobRunnable
            job.run()
            return nil
        }, ctx)
        if rc != 0 {
            Unmanaged<FreshThreadJob<T>>.fromOpaque(ctx).release()
            throw PodNetworkError.system("start a thread to \(what)", errno: rc)
        }
        pthread_join(tid, nil)
        return try job.result!.get()
    }
}

private protocol FreshThreadJobRunnable: AnyObject { func run() }

/// Carries the closure there and its result back. The caller blocks in pthread_join for the whole run,
/// so nothing is touched from two threads at once even though the types are not Sendable.
private final class FreshThreadJob<T>: FreshThreadJobRunnable, @unchecked Sendable {
    let body: () throws -> T
    var result: Result<T, Error>?
    init(_ body: @escaping () throws -> T) { self.body = body }
    func run() { result = Result { try body() } }
}
