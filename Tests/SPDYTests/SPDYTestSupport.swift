import Foundation
import Glibc
@testable import SPDY

/// A TCP listener on 127.0.0.1 that runs `handler` on a thread per accepted connection.
final class SPDYTestListener: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32

    init(handler: @escaping @Sendable (Int32) -> Void) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_addr.s_addr = inet_addr("127.0.0.1")
        sa.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok, listen(fd, 8) == 0 else { throw SocketError(operation: "listen", address: "127.0.0.1:0", errno: errno) }
        port = UInt16(bigEndian: sa.sin_port)
        let listenFD = fd
        Thread {
            while true {
                let client = accept(listenFD, nil, nil)
                if client < 0 { return }
                Thread { handler(client) }.start()
            }
        }.start()
    }

    func stop() { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }

    /// Reads until the end of an HTTP request head (or EOF).
    static func readRequestHead(_ fd: Int32) -> String {
        var data: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1 {
            data.append(byte)
            if data.suffix(4) == Array("\r\n\r\n".utf8) { break }
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func writeAll(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
}

/// Plays kubectl: encodes client frames with its own deflate context and decodes what the server sends.
final class SPDYFakeClient: @unchecked Sendable {
    private let lock = NSLock()
    private let encoder: SPDYFrameEncoder
    private let decoder: SPDYFrameDecoder
    private var frames: [SPDYFrame] = []
    private var decodeError: Error?

    init() throws {
        encoder = try SPDYFrameEncoder()
        decoder = try SPDYFrameDecoder()
    }

    /// The session's `send` closure.
    var sink: @Sendable ([UInt8]) async throws -> Void {
        { [self] bytes in deliver(bytes) }
    }

    private func deliver(_ bytes: [UInt8]) {
        lock.lock()
        do { frames += try decoder.feed(bytes) } catch { decodeError = error }
        lock.unlock()
    }

    private func snapshot() -> ([SPDYFrame], Error?) {
        lock.lock(); defer { lock.unlock() }
        return (frames, decodeError)
    }

    func encode(_ frames: [SPDYFrame]) throws -> [UInt8] { try frames.flatMap { try encoder.encode($0) } }

    /// Polls (without blocking a cooperative thread the session needs) until `done` holds; returns the frames.
    func waitFor(timeout: TimeInterval = 5, _ done: ([SPDYFrame]) -> Bool) async -> [SPDYFrame] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let (frames, error) = snapshot()
            if done(frames) || error != nil || Date() > deadline { return frames }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
    }

    static func payload(_ frames: [SPDYFrame], stream: UInt32) -> String {
        String(decoding: frames.flatMap { f -> [UInt8] in
            if case let .data(id, _, payload) = f, id == stream { return payload }
            return []
        }, as: UTF8.self)
    }

    static func hasFin(_ frames: [SPDYFrame], stream: UInt32) -> Bool {
        frames.contains { f in
            if case let .data(id, flags, _) = f { return id == stream && flags & SPDYFrame.flagFin != 0 }
            return false
        }
    }

    static func replied(_ frames: [SPDYFrame]) -> [UInt32] {
        frames.compactMap { f in
            if case let .synReply(id, _, _) = f { return id }
            return nil
        }
    }
}

func spdySyn(_ id: UInt32, _ type: String, port: UInt16, request: Int, flags: UInt8 = 0) -> SPDYFrame {
    .synStream(streamID: id, associatedToStreamID: 0, priority: 0, slot: 0, flags: flags,
               headers: ["streamtype": type, "port": String(port), "requestid": String(request)])
}
