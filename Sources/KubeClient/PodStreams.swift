import Foundation
import KubeAPI

/// Options of `kubectl logs`.
public struct LogOptions: Sendable {
    public var follow = false
    public var previous = false
    public var timestamps = false
    public var tailLines: Int?
    public var sinceTime: Date?
    public var limitBytes: Int?

    public init() {}
}

/// An interactive process (exec) or an attachment to a container's own stdio.
public protocol StreamSession: AnyObject, Sendable {
    func writeStdin(_ bytes: [UInt8]) async throws
    func closeStdin() async
    func resize(cols: UInt16, rows: UInt16)
    /// Output chunks: (1 = stdout, 2 = stderr, bytes). Ends when the process ends or the attachment closes.
    var output: AsyncStream<(UInt8, [UInt8])> { get }
    /// The exit code once output ended (exec only; nil for attach).
    func exitCode() async -> Int32?
}

/// A failure of a container stream with the HTTP code the API server answers.
public struct PodStreamError: Error, CustomStringConvertible, Sendable {
    public let code: Int
    public let description: String
    public init(code: Int, _ description: String) {
        self.code = code
        self.description = description
    }
}

/// Logs, exec, attach and port-forward of the pods of a node, independent of the wire protocol.
public protocol PodStreams: Sendable {
    func logs(pod: JSON, container: String?, options: LogOptions) throws -> AsyncThrowingStream<[UInt8], Error>
    func exec(pod: JSON, container: String?, argv: [String], tty: Bool, stdin: Bool) async throws -> any StreamSession
    func attach(pod: JSON, container: String?, stdin: Bool) async throws -> any StreamSession
    /// Throws the reason exec or attach would fail (unknown or not running container).
    func checkRunning(pod: JSON, container: String?) throws
    /// A connected TCP socket to the pod's port.
    func portForward(pod: JSON, port: UInt16) throws -> Int32
}
