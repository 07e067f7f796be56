import Foundation

/// Orders everything the server sends on one session. Frames are encoded (the header deflate stream is shared and
/// order-sensitive) and queued under one lock, and a single task hands them to `send` one at a time, so frames
/// from socket reader threads and from the receive path never interleave or reorder.
/// It also bounds the bytes waiting for the client: socket readers block in `waitForRoom` while the client is slow.
final class OutboundQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private let encoder: SPDYFrameEncoder
    private var continuation: AsyncStream<[UInt8]>.Continuation?
    private var pendingBytes = 0
    private var closed = false
    private let highWater: Int
    private var drainTask: Task<Void, Never>?

    init(highWater: Int = 4 << 20, send: @escaping @Sendable ([UInt8]) async throws -> Void,
         onSendFailure: @escaping @Sendable (Error) -> Void) throws {
        encoder = try SPDYFrameEncoder()
        self.highWater = highWater
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        self.continuation = continuation
        drainTask = Task { [weak self] in
            for await bytes in stream {
                do { try await send(bytes) } catch { onSendFailure(error); return }
                self?.sent(bytes.count)
            }
        }
    }

    /// Queues a frame; returns false once the session is closed (the frame is dropped).
    @discardableResult
    func enqueue(_ frame: SPDYFrame) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed, let continuation else { return false }
        do {
            let bytes = try encoder.encode(frame)
            pendingBytes += bytes.count
            continuation.yield(bytes)
            return true
        } catch {
            return false  // only oversized frames fail to encode; callers never build those
        }
    }

    /// Blocks the calling (socket reader) thread while too many bytes wait for the client. Returns false if closed.
    func waitForRoom() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while pendingBytes > highWater && !closed { condition.wait() }
        return !closed
    }

    private func sent(_ count: Int) {
        condition.lock()
        pendingBytes -= count
        condition.broadcast()
        condition.unlock()
    }

    /// Stops accepting frames. Frames already queued are still delivered unless `dropPending`.
    func close(dropPending: Bool) {
        condition.lock()
        closed = true
        continuation?.finish()
        continuation = nil
        condition.broadcast()
        let task = drainTask
        condition.unlock()
        if dropPending { task?.cancel() }
    }
}
