import Foundation

/// One frame of the attach socket protocol (see Sources/swiftlet-shim/shim_attach.h):
/// 1 byte stream, 4 bytes big-endian length, payload.
public struct AttachFrame: Sendable, Equatable {
    public enum Stream: UInt8, Sendable {
        case stdin = 0, stdout = 1, stderr = 2, exit = 3, resize = 4, closeStdin = 255
    }
    public var stream: UInt8
    public var payload: [UInt8]

    public init(stream: UInt8, payload: [UInt8]) {
        self.stream = stream
        self.payload = payload
    }

    public static let maxPayload = 1 << 20

    public func encoded() -> [UInt8] {
        let n = UInt32(payload.count)
        return [stream, UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + payload
    }

    public static func resize(cols: UInt16, rows: UInt16) -> AttachFrame {
        AttachFrame(stream: Stream.resize.rawValue,
                    payload: [UInt8(cols >> 8), UInt8(cols & 0xff), UInt8(rows >> 8), UInt8(rows & 0xff)])
    }

    /// Takes one complete frame off the front of `buffer`, if there is one.
    public static func decode(from buffer: inout [UInt8]) throws -> AttachFrame? {
        guard buffer.count >= 5 else { return nil }
        let n = Int(buffer[1]) << 24 | Int(buffer[2]) << 16 | Int(buffer[3]) << 8 | Int(buffer[4])
        guard n <= maxPayload else { throw RuntimeError.malformed(path: "attach socket", detail: "frame of \(n) bytes") }
        guard buffer.count >= 5 + n else { return nil }
        let frame = AttachFrame(stream: buffer[0], payload: Array(buffer[5..<(5 + n)]))
        buffer.removeFirst(5 + n)
        return frame
    }
}

/// A blocking client of `<bundle>/attach.sock`. `fileDescriptor` can be handed to an event loop
/// instead; `AttachFrame` encodes and decodes the frames either way.
public final class AttachConnection: @unchecked Sendable {
    public let fileDescriptor: Int32
    private var buffer: [UInt8] = []
    private let lock = NSLock()

    public init(bundle: String) throws {
        let path = bundle + "/attach.sock"
        // Bundle paths may exceed sun_path's 108 bytes: connect through a directory fd.
        let dirfd = try check(open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC), "open", bundle)
        defer { close(dirfd) }
        let fd = try check(socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0), "socket", path)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let short = "/proc/self/fd/\(dirfd)/attach.sock"
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            let bytes = Array(short.utf8)
            raw.copyBytes(from: bytes.prefix(raw.count - 1))
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc != 0 {
            let e = errno
            close(fd)
            throw RuntimeError.syscall(call: "connect", object: path, errno: e)
        }
        fileDescriptor = fd
    }

    deinit { close(fileDescriptor) }

    public func send(_ frame: AttachFrame) throws {
        let bytes = frame.encoded()
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fileDescriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RuntimeError.syscall(call: "send", object: "attach socket", errno: errno)
            }
            offset += n
        }
    }

    /// Marks this client as a stdin client (stdinOnce closes stdin when the first one leaves).
    public func attachStdin() throws { try send(AttachFrame(stream: AttachFrame.Stream.stdin.rawValue, payload: [])) }
    public func write(stdin bytes: [UInt8]) throws { try send(AttachFrame(stream: AttachFrame.Stream.stdin.rawValue, payload: bytes)) }
    public func closeStdin() throws { try send(AttachFrame(stream: AttachFrame.Stream.closeStdin.rawValue, payload: [])) }
    public func resize(cols: UInt16, rows: UInt16) throws { try send(.resize(cols: cols, rows: rows)) }

    /// The next frame from the shim; nil when it closed the connection.
    public func readFrame() throws -> AttachFrame? {
        lock.lock()
        defer { lock.unlock() }
        while true {
            if let frame = try AttachFrame.decode(from: &buffer) { return frame }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = recv(fileDescriptor, &chunk, chunk.count, 0)
            if n < 0 {
                if errno == EINTR { continue }
                throw RuntimeError.syscall(call: "recv", object: "attach socket", errno: errno)
            }
            if n == 0 { return nil }
            buffer += chunk[0..<n]
        }
    }

    /// Half-closes our side (the shim then sees this client leave).
    public func shutdownWrite() { shutdown(fileDescriptor, Int32(SHUT_WR)) }
}
