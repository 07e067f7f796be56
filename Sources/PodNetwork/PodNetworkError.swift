import Foundation

/// A failed pod-network operation. The message names the operation and the object it acted on
/// (e.g. `add address 10.244.0.7/24 to eth0 in /var/lib/swiftlet/netns/<uid>: File exists`), and `errno`
/// keeps the underlying error number when there is one so callers can branch on it (EEXIST, ENODEV…).
public struct PodNetworkError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What was being done, including the object: "create bridge sltest0".
    public let operation: String
    /// The system error number, when the failure came from a syscall or the kernel (netlink errors are
    /// mapped back from libnl's codes to the errno the kernel sent).
    public let errno: Int32?
    /// The reason: strerror(errno), libnl's message, or our own words.
    public let reason: String

    public init(_ operation: String, errno: Int32? = nil, reason: String) {
        self.operation = operation
        self.errno = errno
        self.reason = reason
    }

    /// A failure of a syscall with `errno` set.
    static func system(_ operation: String, errno code: Int32 = Foundation.errno) -> PodNetworkError {
        PodNetworkError(operation, errno: code, reason: String(cString: strerror(code)))
    }

    public var description: String { "\(operation): \(reason)" }
}

extension PodNetworkError: LocalizedError {
    public var errorDescription: String? { description }
}
