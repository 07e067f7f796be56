/// Why a Kubernetes protobuf request body could not be turned into a JSON object.
///
/// The message is meant to be returned to the client as the Status message; kubectl prints it
/// verbatim after `error: failed to create secret: `.
public struct ProtobufDecodeError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// The bytes are not a well-formed Kubernetes protobuf envelope or object.
        case malformed
        /// The envelope is fine but carries a kind this server only accepts as JSON
        /// (the server may answer 415 Unsupported Media Type for this one).
        case unsupportedKind
    }

    public let reason: Reason
    public let message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    static func malformed(_ message: String) -> ProtobufDecodeError {
        ProtobufDecodeError(.malformed, message)
    }

    public var description: String { message }
}
