import CNetlink
import Foundation

/// One NETLINK_ROUTE socket. A netlink socket belongs to the network namespace of the thread that opened
/// it, for its whole life: open it on a thread that has setns'd into a pod's netns and every request made
/// through it acts inside that pod, whichever thread sends it later.
///
/// libnl sockets are not thread-safe; each operation opens its own (they are cheap) and never shares it.
final class NetlinkSocket {
    let sock: OpaquePointer
    /// Appended to every error's operation: "" on the host, " in /var/lib/swiftlet/netns/<uid>" in a pod.
    let location: String

    /// Opens and connects a socket in the calling thread's network namespace.
    init(location: String = "") throws {
        guard let s = nl_socket_alloc() else {
            throw PodNetworkError("allocate netlink socket\(location)", errno: ENOMEM, reason: "out of memory")
        }
        let rc = nl_connect(s, NETLINK_ROUTE)
        if rc < 0 {
            nl_socket_free(s)
            throw NetlinkSocket.error(rc, "connect netlink route socket\(location)")
        }
        sock = s
        self.location = location
    }

    deinit { nl_socket_free(sock) }  // closes the fd too

    /// Throws when a libnl call returned a negative NLE_* code.
    func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws {
        if rc < 0 { throw NetlinkSocket.error(rc, operation() + location) }
    }

    /// libnl folds the kernel's errno into its own NLE_* codes; map them back so the message reads like
    /// the kernel's ("File exists", "No such device") and callers can test errno.
    static func error(_ rc: Int32, _ operation: String) -> PodNetworkError {
        let code = -rc
        if let e = errnoForNLE[code] {
            return PodNetworkError(operation, errno: e, reason: String(cString: strerror(e)))
        }
        return PodNetworkError(operation, errno: nil, reason: String(cString: nl_geterror(code)))
    }

    static func isNotFound(_ error: PodNetworkError) -> Bool {
        error.errno == ENODEV || error.errno == ENOENT || error.errno == ESRCH
    }

    private static let errnoForNLE: [Int32: Int32] = [
        NLE_EXIST: EEXIST, NLE_OBJ_NOTFOUND: ENOENT, NLE_NODEV: ENODEV, NLE_INVAL: EINVAL,
        NLE_PERM: EPERM, NLE_NOACCESS: EACCES, NLE_BUSY: EBUSY, NLE_NOMEM: ENOMEM, NLE_RANGE: ERANGE,
        NLE_OPNOTSUPP: EOPNOTSUPP, NLE_AF_NOSUPPORT: EAFNOSUPPORT, NLE_NOADDR: EADDRNOTAVAIL,
        NLE_AGAIN: EAGAIN, NLE_INTR: EINTR, NLE_BAD_SOCK: EBADF, NLE_PROTO_MISMATCH: EPROTONOSUPPORT,
    ]
}

/// An nl_addr owned by Swift: released when the wrapper goes.
final class NetlinkAddress {
    let addr: OpaquePointer

    /// "10.244.0.7/24", "0.0.0.0/0", "10.244.0.1"
    init(parsing text: String, family: Int32 = AF_INET) throws {
        var out: OpaquePointer?
        let rc = nl_addr_parse(text, family, &out)
        guard rc >= 0, let a = out else { throw NetlinkSocket.error(rc < 0 ? rc : -NLE_INVAL, "parse address \(text)") }
        addr = a
    }

    /// A link-layer (MAC) address.
    init(mac bytes: [UInt8]) throws {
        guard let a = bytes.withUnsafeBytes({ nl_addr_build(AF_LLC, $0.baseAddress, $0.count) }) else {
            throw PodNetworkError("build MAC address", errno: ENOMEM, reason: "out of memory")
        }
        addr = a
    }

    deinit { nl_addr_put(addr) }

    /// Formats a borrowed nl_addr (e.g. a link's MAC) without taking ownership.
    static func string(_ a: OpaquePointer?) -> String? {
        guard let a else { return nil }
        var buf = [CChar](repeating: 0, count: 64)
        guard let s = nl_addr2str(a, &buf, buf.count) else { return nil }
        return String(cString: s)
    }
}
