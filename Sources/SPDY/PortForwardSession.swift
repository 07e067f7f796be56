import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The server side of one `kubectl port-forward` connection: a SPDY/3.1 session speaking portforward.k8s.io.
///
/// Per forwarded local connection, kubectl opens two streams sharing a `requestid` header: an "error" stream
/// (which the server closes with FIN, after writing a message if forwarding failed) and a "data" stream carrying
/// the TCP bytes both ways. Every SYN_STREAM is answered with SYN_REPLY, as kubectl waits for it.
///
/// Wiring: feed every binary WebSocket message (or raw bytes of a direct SPDY upgrade) to `receive`, send what
/// `send` gets as binary messages, and call `close()` when the transport ends. After a GOAWAY, `isClosed` is true.
public final class PortForwardSession: @unchecked Sendable {
    public enum StreamType { public static let error = "error", data = "data" }
    public enum Header { public static let streamType = "streamtype", port = "port", requestID = "requestid" }

    private let connect: @Sendable (UInt16) throws -> Int32
    private let outbound: OutboundQueue
    private let decoder: SPDYFrameDecoder
    private let pod: String
    private let uid: String
    private let readChunkSize = 32 << 10

    private let lock = NSLock()
    private var connections: [UInt32: ForwardedConnection] = [:]
    private var errorStreams: Set<UInt32> = []
    /// Per requestid: the error stream (once opened) and the data stream's outcome (once known): nil = not yet,
    /// "" = forwarding works, text = the error to report. Either may come first.
    private var pairs: [String: (errorStreamID: UInt32?, outcome: String?)] = [:]
    private var closed = false

    /// - Parameters:
    ///   - pod, uid: only used in error messages, which kubectl prints ("error forwarding port 80 to pod web, uid …").
    ///   - connect: opens a connected TCP socket to the pod's port and returns its fd (ownership passes to the
    ///     session, which closes it). Called on a background queue; it may block. `connectTCP(host:port:)` helps.
    ///   - send: delivers bytes to the client (one whole SPDY frame per call), never called concurrently.
    public init(pod: String = "", uid: String = "",
                connect: @escaping @Sendable (UInt16) throws -> Int32,
                send: @escaping @Sendable ([UInt8]) async throws -> Void) throws {
        self.pod = pod
        self.uid = uid
        self.connect = connect
        decoder = try SPDYFrameDecoder()
        // The failure handler cannot capture self before init completes; a box breaks the cycle.
        let box = WeakBox()
        outbound = try OutboundQueue(send: send, onSendFailure: { _ in box.session?.close() })
        box.session = self
    }

    public var isClosed: Bool {
        lock.lock(); defer { lock.unlock() }
        return closed
    }

    /// Feeds bytes from the client; they may hold partial or several frames. Throws on a protocol violation,
    /// after which the caller should close the transport (and call `close()`).
    public func receive(_ bytes: [UInt8]) async throws {
        if isClosed { return }
        let frames = try decoder.feed(bytes)
        for frame in frames { handle(frame) }
    }

    /// Closes every forwarded socket and stops sending. Idempotent.
    public func close() {
        lock.lock()
        if closed { lock.unlock(); return }
        closed = true
        let all = Array(connections.values)
        connections.removeAll()
        pairs.removeAll()
        lock.unlock()
        for connection in all { connection.abort() }
        outbound.close(dropPending: true)
    }

    // MARK: - Frames

    private func handle(_ frame: SPDYFrame) {
        switch frame {
        case let .synStream(id, _, _, _, flags, headers):
            openStream(id, flags: flags, headers: headers)
        case let .data(id, flags, payload):
            lock.lock()
            let connection = connections[id]
            lock.unlock()
            // Bytes on the error stream (kubectl sends none, just FIN) and on unknown streams are ignored.
            connection?.write(payload)
            if flags & SPDYFrame.flagFin != 0 { connection?.finishWriting() }
        case let .rstStream(id, _):
            lock.lock()
            let connection = connections.removeValue(forKey: id)
            errorStreams.remove(id)
            lock.unlock()
            connection?.abort()
        case let .ping(id):
            outbound.enqueue(.ping(id: id))
        case .goAway:
            close()
        case .synReply, .settings, .headers, .windowUpdate, .unknownControl:
            // kubectl's SPDY library does no flow control, so WINDOW_UPDATE needs no bookkeeping either way.
            break
        }
    }

    private func openStream(_ id: UInt32, flags: UInt8, headers: [String: String]) {
        outbound.enqueue(.synReply(streamID: id, flags: 0, headers: [:]))
        let type = headers[Header.streamType] ?? ""
        // Clients before requestid existed paired data stream N with error stream N-2.
        let requestID = headers[Header.requestID] ?? String(type == StreamType.error ? id + 2 : id)
        switch type {
        case StreamType.error:
            lock.lock()
            errorStreams.insert(id)
            pairs[requestID, default: (nil, nil)].errorStreamID = id
            lock.unlock()
            reportIfReady(requestID)
        case StreamType.data:
            let portText = headers[Header.port] ?? ""
            guard let port = UInt16(portText), port > 0 else {
                settle(requestID, outcome: "invalid port header \(String(reflecting: portText))")
                outbound.enqueue(.data(streamID: id, flags: SPDYFrame.flagFin, payload: []))
                return
            }
            startForwarding(streamID: id, port: port, requestID: requestID, clientFinished: flags & SPDYFrame.flagFin != 0)
        default:
            outbound.enqueue(.rstStream(streamID: id, status: SPDYStreamStatus.protocolError))
        }
    }

    private func startForwarding(streamID: UInt32, port: UInt16, requestID: String, clientFinished: Bool) {
        let connection = ForwardedConnection(streamID: streamID) { [weak self] id in self?.forget(id) }
        lock.lock()
        if closed { lock.unlock(); return }
        connections[streamID] = connection
        lock.unlock()
        let connect = self.connect, chunk = readChunkSize, outbound = self.outbound
        let pod = self.pod, uid = self.uid
        connection.start(
            connect: { try connect(port) },
            connected: { [weak self] in self?.settle(requestID, outcome: "") },
            failed: { [weak self] error in
                self?.settle(requestID, outcome: "error forwarding port \(port) to pod \(pod), uid \(uid): \(error)")
                outbound.enqueue(.data(streamID: streamID, flags: SPDYFrame.flagFin, payload: []))
            },
            reader: { connection, fd in
                Self.relayFromPod(fd: fd, connection: connection, outbound: outbound, chunkSize: chunk)
            })
        if clientFinished { connection.finishWriting() }
    }

    /// Runs on the connection's reader thread: pod bytes become DATA frames; EOF becomes FIN.
    private static func relayFromPod(fd: Int32, connection: ForwardedConnection, outbound: OutboundQueue, chunkSize: Int) {
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        while outbound.waitForRoom() {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, chunkSize) }
            if n < 0 && errno == EINTR { continue }
            if connection.isAborted { break }  // reset streams must not see further frames
            if n <= 0 {
                outbound.enqueue(.data(streamID: connection.streamID, flags: SPDYFrame.flagFin, payload: []))
                break
            }
            outbound.enqueue(.data(streamID: connection.streamID, flags: 0, payload: Array(buffer[0..<n])))
        }
        connection.readerFinished()
    }

    // MARK: - Error stream

    private func settle(_ requestID: String, outcome: String) {
        lock.lock()
        if !closed { pairs[requestID, default: (nil, nil)].outcome = outcome }
        lock.unlock()
        reportIfReady(requestID)
    }

    /// Once both the error stream and the data stream's outcome are known: write the error (if any), then FIN.
    private func reportIfReady(_ requestID: String) {
        lock.lock()
        guard let pair = pairs[requestID], let errorStream = pair.errorStreamID, let outcome = pair.outcome else {
            lock.unlock(); return
        }
        pairs.removeValue(forKey: requestID)
        let stillOpen = errorStreams.remove(errorStream) != nil
        lock.unlock()
        guard stillOpen else { return }
        if !outcome.isEmpty {
            outbound.enqueue(.data(streamID: errorStream, flags: 0, payload: Array(outcome.utf8)))
        }
        outbound.enqueue(.data(streamID: errorStream, flags: SPDYFrame.flagFin, payload: []))
    }

    private func forget(_ streamID: UInt32) {
        lock.lock()
        connections.removeValue(forKey: streamID)
        lock.unlock()
    }
}

private final class WeakBox: @unchecked Sendable {
    weak var session: PortForwardSession?
}
