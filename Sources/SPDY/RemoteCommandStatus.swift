import Foundation

/// How an exec or attach ended, as the server reports it on the error stream (SPDY) or channel 3 (WebSocket).
///
/// Newer protocols (SPDY v4, WebSocket v4/v5) carry a metav1.Status as JSON: kubectl reads the exit code from
/// `details.causes[reason=ExitCode].message` and exits with it. Older protocols carry only the Status message, and
/// nothing at all on success.
public enum RemoteCommandStatus: Equatable, Sendable {
    case success
    /// The command ran and exited with a non-zero code.
    case exitCode(Int32, command: [String])
    /// The command could not be run, or the stream broke (an internal error, HTTP 500 in the Status).
    case failure(String)

    /// The Status message (empty for success).
    public var message: String {
        switch self {
        case .success:
            return ""
        case let .exitCode(code, command):
            return "command terminated with non-zero exit code: error executing command [\(command.joined(separator: " "))], exit code \(code)"
        case let .failure(reason):
            return "Internal error occurred: \(reason)"
        }
    }

    /// The metav1.Status object (without kind/apiVersion, as the kubelet marshals it).
    public var statusObject: [String: Any] {
        switch self {
        case .success:
            return ["metadata": [String: Any](), "status": "Success"]
        case let .exitCode(code, _):
            return ["metadata": [String: Any](), "status": "Failure", "message": message, "reason": "NonZeroExitCode",
                    "details": ["causes": [["reason": "ExitCode", "message": String(code)]]]]
        case let .failure(reason):
            return ["metadata": [String: Any](), "status": "Failure", "message": message, "reason": "InternalError",
                    "code": 500, "details": ["causes": [["message": reason]]]]
        }
    }

    /// The Status as compact JSON with sorted keys (stable bytes for tests and logs).
    public var statusJSON: [UInt8] {
        // Only strings, numbers, arrays and dictionaries: serialization cannot fail.
        let data = (try? JSONSerialization.data(withJSONObject: statusObject, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Array(data)
    }

    /// What the error stream carries under `version`.
    public func errorStreamPayload(_ version: RemoteCommandProtocol) -> [UInt8] {
        version.writesStatusJSON ? statusJSON : Array(message.utf8)
    }
}
