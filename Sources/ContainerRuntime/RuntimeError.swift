import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Errors of the container runtime: each names the operation and the object it worked on.
public enum RuntimeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed: `call` on `object` with `errno`.
    case syscall(call: String, object: String, errno: Int32)
    /// The shim refused or failed to start the container; `message` is its own (e.g.
    /// "pivot_root /var/lib/…/rootfs: Invalid argument").
    case shim(bundle: String, message: String)
    /// The container of the bundle is not running (exited, never started, or its pid is reused).
    case notRunning(bundle: String)
    /// The pod spec cannot be turned into a container (Kubernetes' wording where it has one).
    case plan(String)
    /// Waited too long for `what`.
    case timeout(String)
    /// A file of the bundle could not be understood.
    case malformed(path: String, detail: String)

    public var description: String {
        switch self {
        case .syscall(let call, let object, let errno):
            return "\(call) \(object): \(String(cString: strerror(errno)))"
        case .shim(_, let message):
            return message
        case .notRunning(let bundle):
            return "container of \(bundle) is not running"
        case .plan(let message):
            return message
        case .timeout(let what):
            return "timed out waiting for \(what)"
        case .malformed(let path, let detail):
            return "malformed \(path): \(detail)"
        }
    }
}

/// Throws `RuntimeError.syscall` when a C call returns -1, keeping errno.
@discardableResult
func check(_ result: Int32, _ call: String, _ object: String) throws -> Int32 {
    if result == -1 { throw RuntimeError.syscall(call: call, object: object, errno: errno) }
    return result
}
