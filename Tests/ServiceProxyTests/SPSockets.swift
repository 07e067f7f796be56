import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Minimal sockets for traffic tests, created inside a network namespace by a thread that joined it
/// (a socket stays in the namespace it was created in, whichever thread uses it later).
enum SPSockets {
    final class Box<T>: @unchecked Sendable {
        var value: Result<T, Error>?
    }

    struct SysError: Error, CustomStringConvertible {
        let call: String
        let errno: Int32
        var description: String { "\(call): \(String(cString: strerror(errno))) (errno \(errno))" }
    }

    /// glibc's setns(2) wrapper, which the Glibc module does not import (it needs _GNU_SOURCE).
    typealias SetnsFunction = @convention(c) (Int32, Int32) -> Int32
    static let setnsCall: SetnsFunction = unsafeBitCast(dlsym(nil, "setns"), to: SetnsFunction.self)
    static let cloneNewNet: Int32 = 0x4000_0000

    /// Runs `body` on a new thread inside netns `name` (nil: the current namespace), and waits for it.
    static func inNetns<T>(_ name: String?, _ body: @escaping @Sendable () throws -> T) throws -> T {
        let box = Box<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            do {
                if let name {
                    let fd = open("/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
                    guard fd >= 0 else { throw SysError(call: "open /run/netns/\(name)", errno: errno) }
                    defer { close(fd) }
                    // Only this thread moves; it ends right after.
                    guard setnsCall(fd, cloneNewNet) == 0 else { throw SysError(call: "setns \(name)", errno: errno) }
                }
                box.value = .success(try body())
            } catch {
                box.value = .failure(error)
            }
        }
        thread.start()
        done.wait()
        return try box.value!.get()
    }

    static func address(_ ip: String, _ port: Int) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(UInt16(port)).bigEndian
        _ = inet_pton(AF_INET, ip, &a.sin_addr)
        return a
    }

    static func bind(_ fd: Int32, port: Int) throws {
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var a = address("0.0.0.0", port)
        let rc = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw SysError(call: "bind :\(port)", errno: errno) }
    }

    /// A TCP server answering every connection with `reply` and closing it; stop with `stop(fd)`.
    static func serveTCP(in netns: String?, port: Int, reply: String) throws -> Int32 {
        let fd = try inNetns(netns) { () throws -> Int32 in
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw SysError(call: "socket", errno: errno) }
            try bind(fd, port: port)
            guard listen(fd, 16) == 0 else { throw SysError(call: "listen", errno: errno) }
            return fd
        }
        Thread {
            while true {
                let c = accept(fd, nil, nil)
                if c < 0 {
                    if errno == EINTR { continue }
                    return
                }
                _ = reply.withCString { send(c, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                close(c)
            }
        }.start()
        return fd
    }

    /// A UDP server answering each datagram with `prefix` + the datagram.
    static func serveUDP(in netns: String?, port: Int, prefix: String) throws -> Int32 {
        let fd = try inNetns(netns) { () throws -> Int32 in
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw SysError(call: "socket", errno: errno) }
            try bind(fd, port: port)
            return fd
        }
        Thread {
            var buf = [UInt8](repeating: 0, count: 2048)
            while true {
                var from = sockaddr_storage()
                var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let n = withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buf, buf.count, 0, $0, &len) }
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                let answer = Array(prefix.utf8) + buf[0..<n]
                _ = withUnsafePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, answer, answer.count, 0, $0, len) }
                }
            }
        }.start()
        return fd
    }

    /// Wakes a server thread blocked in accept/recvfrom and releases the socket.
    static func stop(_ fd: Int32) {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    enum Outcome: Equatable {
        case answered(String)
        case refused
        case timedOut
        case failed(Int32)
    }

    /// Connects (from netns `from`) and reads the server's reply; reports how long connect() took.
    static func tcpRequest(from netns: String?, to ip: String, port: Int,
                           timeout: Duration = .seconds(3)) throws -> (outcome: Outcome, connectTime: Duration) {
        try inNetns(netns) {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { throw SysError(call: "socket", errno: errno) }
            defer { close(fd) }
            var a = address(ip, port)
            let start = ContinuousClock.now
            let rc = withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if rc != 0 && errno != EINPROGRESS { return (errno == ECONNREFUSED ? .refused : .failed(errno), ContinuousClock.now - start) }
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ms = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
            let ready = poll(&p, 1, ms)
            let elapsed = ContinuousClock.now - start
            if ready == 0 { return (.timedOut, elapsed) }
            var soError: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
            if soError == ECONNREFUSED { return (.refused, elapsed) }
            if soError != 0 { return (.failed(soError), elapsed) }
            // Connected: read the greeting until the server closes.
            var data: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 512)
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                var rp = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&rp, 1, 200) <= 0 { continue }
                let n = recv(fd, &buf, buf.count, 0)
                if n <= 0 { break }
                data += buf[0..<n]
            }
            return (.answered(String(decoding: data, as: UTF8.self)), elapsed)
        }
    }

    /// Sends one datagram from a connected UDP socket and waits for the answer (which must come from
    /// the address sent to, i.e. be un-NATed); nil when none came.
    static func udpRequest(from netns: String?, to ip: String, port: Int, message: String,
                           timeoutMs: Int32 = 2000) throws -> String? {
        if case .answered(let text) = try udpExchange(from: netns, to: ip, port: port, message: message, timeoutMs: timeoutMs) {
            return text
        }
        return nil
    }

    /// One datagram and what came back: an answer, a refusal (an ICMP port unreachable, reported on the
    /// connected socket as ECONNREFUSED), or nothing within the timeout.
    static func udpExchange(from netns: String?, to ip: String, port: Int, message: String,
                            timeoutMs: Int32 = 2000) throws -> Outcome {
        try inNetns(netns) {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw SysError(call: "socket", errno: errno) }
            defer { close(fd) }
            var a = address(ip, port)
            let rc = withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard rc == 0 else { throw SysError(call: "connect udp \(ip):\(port)", errno: errno) }
            _ = message.withCString { send(fd, $0, strlen($0), 0) }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, timeoutMs) > 0 else { return .timedOut }
            var buf = [UInt8](repeating: 0, count: 2048)
            let n = recv(fd, &buf, buf.count, 0)
            if n >= 0 { return .answered(String(decoding: buf[0..<n], as: UTF8.self)) }
            return errno == ECONNREFUSED ? .refused : .failed(errno)
        }
    }
}
