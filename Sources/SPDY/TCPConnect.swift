#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed socket call, described the way Go's net package does ("dial tcp4 10.0.0.5:80: connect: connection
/// refused") because that text ends up in kubectl's "error forwarding port" message.
public struct SocketError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let address: String
    public let errno: Int32

    public var description: String {
        var reason = String(cString: strerror(errno))
        if let first = reason.first { reason = first.lowercased() + reason.dropFirst() }
        return "dial \(address): \(operation): \(reason)"
    }
}

/// Blocking TCP connect to a numeric IPv4 or IPv6 address; returns the connected socket's fd.
/// Port-forward connects to the pod IP (or 127.0.0.1 in tests); no name resolution is needed.
public func connectTCP(host: String, port: UInt16) throws -> Int32 {
    var v4 = in_addr(), v6 = in6_addr()
    if inet_pton(AF_INET, host, &v4) == 1 {
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = port.bigEndian
        sa.sin_addr = v4
        return try withUnsafePointer(to: &sa) {
            try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                try connectSocket(family: AF_INET, $0, socklen_t(MemoryLayout<sockaddr_in>.size), "tcp4 \(host):\(port)")
            }
        }
    }
    if inet_pton(AF_INET6, host, &v6) == 1 {
        var sa = sockaddr_in6()
        sa.sin6_family = sa_family_t(AF_INET6)
        sa.sin6_port = port.bigEndian
        sa.sin6_addr = v6
        return try withUnsafePointer(to: &sa) {
            try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                try connectSocket(family: AF_INET6, $0, socklen_t(MemoryLayout<sockaddr_in6>.size), "tcp6 [\(host)]:\(port)")
            }
        }
    }
    throw SocketError(operation: "parse address", address: "tcp \(host):\(port)", errno: EINVAL)
}

private func connectSocket(family: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t,
                           _ name: String) throws -> Int32 {
    #if canImport(Glibc) || canImport(Musl)
    let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    #else
    let fd = socket(family, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw SocketError(operation: "socket", address: name, errno: errno) }
    while connect(fd, address, length) != 0 {
        let err = errno
        if err == EINTR { continue }
        close(fd)
        throw SocketError(operation: "connect", address: name, errno: err)
    }
    return fd
}
