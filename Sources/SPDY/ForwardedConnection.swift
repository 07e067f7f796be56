import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The TCP connection behind one data stream.
///
/// Writes (and the connect before them) run in order on a private serial queue, so client bytes that arrive while
/// connecting wait their turn and a slow pod never blocks the session's receive path. A dedicated thread reads the
/// socket. The fd is closed only after both the write queue and the reader are done with it, so it can never be
/// closed under a blocked read/write (or reused by another socket while one is still pending).
final class ForwardedConnection: @unchecked Sendable {
    let streamID: UInt32
    private let queue: DispatchQueue
    private let lock = NSLock()
    private var fd: Int32 = -1
    private var readerDone = false
    private var writerDone = false
    private var aborted = false
    /// Called once the fd is closed (or connecting failed), so the session can forget the stream.
    private let onFinished: @Sendable (UInt32) -> Void

    init(streamID: UInt32, onFinished: @escaping @Sendable (UInt32) -> Void) {
        self.streamID = streamID
        self.onFinished = onFinished
        queue = DispatchQueue(label: "spdy.portforward.stream-\(streamID)")
    }

    /// Connects on the write queue; then `connected` runs and the reader thread starts with `reader`.
    func start(connect: @escaping @Sendable () throws -> Int32,
               connected: @escaping @Sendable () -> Void,
               failed: @escaping @Sendable (Error) -> Void,
               reader: @escaping @Sendable (ForwardedConnection, Int32) -> Void) {
        queue.async { [self] in
            let newFD: Int32
            do { newFD = try connect() } catch {
                lock.lock(); readerDone = true; writerDone = true; lock.unlock()
                failed(error)
                onFinished(streamID)
                return
            }
            lock.lock()
            if aborted {  // the client reset the stream (or the session closed) while we were connecting
                readerDone = true; writerDone = true
                lock.unlock()
                close(newFD)
                onFinished(streamID)
                return
            }
            fd = newFD
            lock.unlock()
            connected()
            let thread = Thread { reader(self, newFD) }
            thread.name = "spdy-portforward-\(streamID)"
            thread.start()
        }
    }

    /// Queues client bytes for the pod.
    func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        queue.async { [self] in
            lock.lock()
            let target = (writerDone || aborted) ? -1 : fd
            lock.unlock()
            guard target >= 0 else { return }
            if !sendAll(target, bytes) {
                // The pod stopped reading; drop further client bytes but keep relaying what it sends.
                lock.lock(); writerDone = true; lock.unlock()
                closeIfIdle()
            }
        }
    }

    /// The client sent FIN: half-close toward the pod once queued bytes are written.
    func finishWriting() {
        queue.async { [self] in
            lock.lock()
            if !writerDone && fd >= 0 { shutdown(fd, Int32(SHUT_WR)) }
            writerDone = true
            lock.unlock()
            closeIfIdle()
        }
    }

    /// The reader thread hit EOF or an error.
    func readerFinished() {
        lock.lock(); readerDone = true; lock.unlock()
        closeIfIdle()
    }

    /// Reset by the client or session shutdown: wake the blocked reader (shutdown does, close would not) and stop
    /// writing; the fd is closed when both sides have noticed.
    func abort() {
        lock.lock()
        aborted = true
        if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)) }
        lock.unlock()
        queue.async { [self] in
            lock.lock(); writerDone = true; lock.unlock()
            closeIfIdle()
        }
    }

    var isAborted: Bool {
        lock.lock(); defer { lock.unlock() }
        return aborted
    }

    private func closeIfIdle() {
        lock.lock()
        guard readerDone && writerDone && fd >= 0 else { lock.unlock(); return }
        close(fd)
        fd = -1
        lock.unlock()
        onFinished(streamID)
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buf in
            var offset = 0
            while offset < buf.count {
                #if canImport(Darwin)
                let n = Darwin.send(fd, buf.baseAddress! + offset, buf.count - offset, 0)
                #else
                // MSG_NOSIGNAL: a pod that closed its socket must yield EPIPE, not kill the server with SIGPIPE.
                var n = send(fd, buf.baseAddress! + offset, buf.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 && errno == ENOTSOCK { n = Glibc.write(fd, buf.baseAddress! + offset, buf.count - offset) }
                #endif
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
    }
}
