import Foundation

/// The server side of one `kubectl exec` or `kubectl attach` over a direct SPDY/3.1 connection.
///
/// After the 101, the client opens one stream per channel with SYN_STREAM and a `streamtype` header: `error`
/// always, `stdin`, `stdout`, `stderr` as the request's flags ask, and `resize` with a terminal (protocols v3/v4).
/// Each is answered with SYN_REPLY (kubectl waits for it). Once every expected stream is open, `receive` reports
/// `.ready` and the caller starts relaying: process output goes out with `write`, client input comes back from
/// `receive` as events. `finish` writes the exit status on the error stream, ends every stream with FIN and sends
/// GOAWAY.
///
/// The session does no I/O of its own: feed it the bytes read from the connection and send what `send` gets.
public final class RemoteCommandSession: @unchecked Sendable {
    public enum StreamType {
        public static let error = "error", stdin = "stdin", stdout = "stdout", stderr = "stderr", resize = "resize"
    }
    static let streamTypeHeader = "streamtype"

    /// Which streams the request asked for (its stdin/stdout/stderr/tty query flags).
    public struct Streams: Equatable, Sendable {
        public var stdin: Bool
        public var stdout: Bool
        public var stderr: Bool
        public var tty: Bool

        /// A terminal merges stderr into stdout, so the kubelet drops a stderr stream requested with tty.
        public init(stdin: Bool, stdout: Bool, stderr: Bool, tty: Bool) {
            self.stdin = stdin
            self.stdout = stdout
            self.stderr = stderr && !tty
            self.tty = tty
        }

        /// The stream types the client will open under `version`.
        public func expectedTypes(_ version: RemoteCommandProtocol) -> Set<String> {
            var types: Set<String> = [StreamType.error]
            if stdin { types.insert(StreamType.stdin) }
            if stdout { types.insert(StreamType.stdout) }
            if stderr { types.insert(StreamType.stderr) }
            if tty && version.supportsResize { types.insert(StreamType.resize) }
            return types
        }
    }

    /// What the client asks of the process, in arrival order.
    public enum Input: Equatable, Sendable {
        /// Every expected stream is open: start relaying.
        case ready
        case stdin([UInt8])
        /// The client closed stdin (FIN or reset on the stdin stream).
        case stdinClosed
        case resize(width: UInt16, height: UInt16)
        /// The client sent GOAWAY: it reads nothing more.
        case goAway
    }

    public enum Output: Sendable { case stdout, stderr }

    public let version: RemoteCommandProtocol
    public let streams: Streams
    private let expected: Set<String>
    private let decoder: SPDYFrameDecoder
    private let outbound: OutboundQueue
    /// DATA payloads are cut to this size so one large chunk of output does not hold up the other streams.
    private let maxDataPayload = 32 << 10

    private let lock = NSLock()
    private var opened: [String: UInt32] = [:]      // stream type → stream ID
    private var finishedByUs: Set<UInt32> = []      // streams we sent FIN on
    private var lastClientStream: UInt32 = 0
    private var announcedReady = false
    private var stdinClosed = false
    private var resizeDecoder = ResizeDecoder()
    private var closed = false

    /// - Parameter send: delivers bytes to the client (whole frames), never called concurrently.
    public init(version: RemoteCommandProtocol, streams: Streams,
                send: @escaping @Sendable ([UInt8]) async throws -> Void) throws {
        self.version = version
        self.streams = streams
        expected = streams.expectedTypes(version)
        decoder = try SPDYFrameDecoder()
        let box = RemoteCommandWeakBox()
        outbound = try OutboundQueue(send: send, onSendFailure: { _ in box.session?.close() })
        box.session = self
    }

    public var isClosed: Bool {
        lock.lock(); defer { lock.unlock() }
        return closed
    }

    /// True once every expected stream is open.
    public var isReady: Bool {
        lock.lock(); defer { lock.unlock() }
        return announcedReady
    }

    /// Feeds bytes from the client (partial or several frames) and returns what they ask of the process.
    /// Throws on a protocol violation, after which the caller should close the connection.
    public func receive(_ bytes: [UInt8]) throws -> [Input] {
        if isClosed { return [] }
        var inputs: [Input] = []
        for frame in try decoder.feed(bytes) { handle(frame, into: &inputs) }
        return inputs
    }

    /// Sends process output on the stdout or stderr stream, waiting while the client is slow. Output for a stream
    /// the client did not open is dropped. Returns false once the session is closed.
    @discardableResult
    public func write(_ output: Output, _ bytes: [UInt8]) async -> Bool {
        let type = output == .stdout ? StreamType.stdout : StreamType.stderr
        let (id, isClosed) = lock.withLock { (opened[type], closed) }
        if isClosed { return false }
        guard let id else { return true }
        var offset = 0
        while offset < bytes.count {
            guard await outbound.roomAvailable() else { return false }
            let end = min(bytes.count, offset + maxDataPayload)
            guard outbound.enqueue(.data(streamID: id, flags: 0, payload: Array(bytes[offset..<end]))) else { return false }
            offset = end
        }
        return true
    }

    /// Reports `status` on the error stream, ends every stream, says GOAWAY and waits until all of it was handed to
    /// `send`. The session is closed afterwards.
    public func finish(_ status: RemoteCommandStatus) async {
        let state: (errorStream: UInt32?, toFinish: [UInt32], lastGood: UInt32)? = lock.withLock {
            if closed { return nil }
            let toFinish = opened.values.filter { !finishedByUs.contains($0) }.sorted()
            finishedByUs.formUnion(toFinish)
            return (opened[StreamType.error], toFinish, lastClientStream)
        }
        guard let (errorStream, toFinish, lastGood) = state else { return }
        let payload = status.errorStreamPayload(version)
        if let errorStream, !payload.isEmpty {
            outbound.enqueue(.data(streamID: errorStream, flags: 0, payload: payload))
        }
        // The error stream last: kubectl reads it to EOF and only then returns the status, after stdout/stderr.
        for id in toFinish where id != errorStream { outbound.enqueue(.data(streamID: id, flags: SPDYFrame.flagFin, payload: [])) }
        if let errorStream, toFinish.contains(errorStream) {
            outbound.enqueue(.data(streamID: errorStream, flags: SPDYFrame.flagFin, payload: []))
        }
        outbound.enqueue(.goAway(lastGoodStreamID: lastGood, status: 0))
        await outbound.drained()
        close()
    }

    /// Stops sending (dropping what is queued). Idempotent.
    public func close() {
        lock.lock()
        if closed { lock.unlock(); return }
        closed = true
        lock.unlock()
        outbound.close(dropPending: true)
    }

    // MARK: - Frames

    private func handle(_ frame: SPDYFrame, into inputs: inout [Input]) {
        switch frame {
        case let .synStream(id, _, _, _, flags, headers):
            openStream(id, flags: flags, type: headers[Self.streamTypeHeader] ?? "", into: &inputs)
        case let .data(id, flags, payload):
            lock.lock()
            let isStdin = id == opened[StreamType.stdin], isResize = id == opened[StreamType.resize]
            var sizes: [(UInt16, UInt16)] = []
            if isResize { sizes = resizeDecoder.feed(payload) }
            lock.unlock()
            if isStdin {
                if !payload.isEmpty { inputs.append(.stdin(payload)) }
                if flags & SPDYFrame.flagFin != 0 { closeStdin(into: &inputs) }
            }
            inputs += sizes.map { .resize(width: $0.0, height: $0.1) }
        case let .rstStream(id, _):
            lock.lock()
            let isStdin = id == opened[StreamType.stdin]
            lock.unlock()
            if isStdin { closeStdin(into: &inputs) }
        case let .ping(id):
            outbound.enqueue(.ping(id: id))
        case .goAway:
            inputs.append(.goAway)
        case .synReply, .settings, .headers, .windowUpdate, .unknownControl:
            // kubectl's SPDY library does no flow control, so WINDOW_UPDATE needs no bookkeeping either way.
            break
        }
    }

    private func openStream(_ id: UInt32, flags: UInt8, type: String, into inputs: inout [Input]) {
        lock.lock()
        lastClientStream = max(lastClientStream, id)
        let known = [StreamType.error, StreamType.stdin, StreamType.stdout, StreamType.stderr, StreamType.resize].contains(type)
        guard known, opened[type] == nil else {
            lock.unlock()
            // An unknown type, or a second stream of one type: refuse it rather than guess where it belongs.
            outbound.enqueue(.rstStream(streamID: id, status: SPDYStreamStatus.protocolError))
            return
        }
        opened[type] = id
        let nowReady = !announcedReady && expected.isSubset(of: Set(opened.keys))
        if nowReady { announcedReady = true }
        lock.unlock()
        outbound.enqueue(.synReply(streamID: id, flags: 0, headers: [:]))
        if type == StreamType.stdin && flags & SPDYFrame.flagFin != 0 { closeStdin(into: &inputs) }
        if nowReady { inputs.append(.ready) }
    }

    private func closeStdin(into inputs: inout [Input]) {
        lock.lock()
        let first = !stdinClosed
        stdinClosed = true
        lock.unlock()
        if first { inputs.append(.stdinClosed) }
    }
}

/// Splits the resize stream into terminal sizes. kubectl writes one JSON object per change,
/// `{"Width":80,"Height":24}` followed by a newline; frames may cut an object anywhere.
struct ResizeDecoder {
    private var pending: [UInt8] = []
    /// A client that never closes an object must not grow the buffer without bound.
    private let maxPending = 4096

    mutating func feed(_ bytes: [UInt8]) -> [(UInt16, UInt16)] {
        pending += bytes
        var sizes: [(UInt16, UInt16)] = []
        var depth = 0, inString = false, escaped = false, start: Int?
        var consumed = 0
        for (i, byte) in pending.enumerated() {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
            case UInt8(ascii: "{"):
                if depth == 0 { start = i }
                depth += 1
            case UInt8(ascii: "}"):
                guard depth > 0 else { consumed = i + 1; continue }
                depth -= 1
                if depth == 0, let s = start {
                    if let size = Self.size(Array(pending[s...i])) { sizes.append(size) }
                    consumed = i + 1
                    start = nil
                }
            default:
                if depth == 0 { consumed = i + 1 }  // whitespace between objects
            }
        }
        pending.removeFirst(consumed)
        if pending.count > maxPending { pending.removeAll() }
        return sizes
    }

    private static func size(_ object: [UInt8]) -> (UInt16, UInt16)? {
        guard let dict = (try? JSONSerialization.jsonObject(with: Data(object))) as? [String: Any],
              let width = (dict["Width"] as? NSNumber)?.intValue, let height = (dict["Height"] as? NSNumber)?.intValue
        else { return nil }
        return (UInt16(clamping: width), UInt16(clamping: height))
    }
}

private final class RemoteCommandWeakBox: @unchecked Sendable {
    weak var session: RemoteCommandSession?
}
