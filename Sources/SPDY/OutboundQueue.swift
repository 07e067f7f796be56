import Foundation

/// Orders everything the server sends on one session. Frames are encoded (the header deflate stream is shared and
/// order-sensitive) and queued under one lock, and a single task hands them to `send` one at a time, so frames
/// from socket reader threads and from the receive path never interleave or reorder.
/// It also bounds the bytes waiting for the client: socket readers block in `waitForRoom` while the client is slow,
/// async writers suspend in `roomAvailable()`.
final class OutboundQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private let encoder: SPDYFrameEncoder
    private var continuation: AsyncStream<[UInt8]>.Continuation?
    private var pendingBytes = 0
    private var closed = false
    /// Set once the drain task has stopped (all delivered, send failed, or pending frames dropped).
    private var drainEnded = false
    private let highWater: Int
    private var drainTask: Task<Void, Never>?
    private var roomWaiters: [CheckedContinuation<Bool, Never>] = []
    private var drainWaiters: [CheckedContinuation<Void, Never>] = []

    init(highWater: Int = 4 << 20, send: @escaping @Sendable ([UInt8]) async throws -> Void,
         onSendFailure: @escaping @Sendable (Error) -> Void) throws {
        encoder = try SPDYFrameEncoder()
        self.highWater = highWater
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        self.continuation = continuation
        drainTask = Task { [weak self] in
            for await bytes in stream {
                do { try await send(bytes) } catch {
                    self?.endDrain()
                    onSendFailure(error)
                    return
                }
                self?.sent(bytes.count)
            }
            self?.endDrain()
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

    /// Suspends while too many bytes wait for the client. Returns false once the session is closed.
    func roomAvailable() async -> Bool {
        await withCheckedContinuation { waiter in
            condition.lock()
            if closed {
                condition.unlock()
                waiter.resume(returning: false)
            } else if pendingBytes <= highWater {
                condition.unlock()
                waiter.resume(returning: true)
            } else {
                roomWaiters.append(waiter)
                condition.unlock()
            }
        }
    }

    /// Returns once every frame queued so far was handed to `send` (or the queue stopped delivering).
    func drained() async {
        await withCheckedContinuation { waiter in
            condition.lock()
            if pendingBytes == 0 || drainEnded {
                condition.unlock()
                waiter.resume()
            } else {
                drainWaiters.append(waiter)
                condition.unlock()
            }
        }
    }

    private func sent(_ count: Int) {
        condition.lock()
        pendingBytes -= count
        condition.broadcast()
        let room = pendingBytes <= highWater ? takeRoomWaiters() : []
        let drained = pendingBytes == 0 ? takeDrainWaiters() : []
        condition.unlock()
        room.forEach { $0.resume(returning: true) }
        drained.forEach { $0.resume() }
    }

    private func endDrain() {
        condition.lock()
        drainEnded = true
        closed = true
        continuation?.finish()
        continuation = nil
        condition.broadcast()
        let room = takeRoomWaiters(), drained = takeDrainWaiters()
        condition.unlock()
        room.forEach { $0.resume(returning: false) }
        drained.forEach { $0.resume() }
    }

    /// Called with the lock held.
    private func takeRoomWaiters() -> [CheckedContinuation<Bool, Never>] {
        defer { roomWaiters.removeAll() }
        return roomWaiters
    }

    /// Called with the lock held.
    private func takeDrainWaiters() -> [CheckedContinuation<Void, Never>] {
        defer { drainWaiters.removeAll() }
        return drainWaiters
    }

    /// Stops accepting frames. Frames already queued are still delivered unless `dropPending`.
    func close(dropPending: Bool) {
        condition.lock()
        closed = true
        continuation?.finish()
        continuation = nil
        condition.broadcast()
        let task = drainTask
        let room = takeRoomWaiters()
        condition.unlock()
        room.forEach { $0.resume(returning: false) }
        if dropPending { task?.cancel() }
    }
}
