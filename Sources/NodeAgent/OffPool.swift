import Foundation

/// Runs blocking work on a thread of its own and awaits its result.
///
/// Starting a pod blocks: netlink and mounts for the sandbox, then fork/exec of the shim and the wait for its
/// report (which includes the container's cgroup join, an RCU grace period of 5–15 ms). Swift concurrency has one
/// thread per core, shared with the API server and the controllers; done inline, a few pods starting at once held
/// all of them, and API requests waited behind the pod starts.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
