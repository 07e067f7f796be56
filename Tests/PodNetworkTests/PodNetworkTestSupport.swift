import Foundation
import XCTest
@testable import PodNetwork

/// Test-only names and ranges (never swiftlet's own swiftlet0 / 10.244.0.0/16 / 10.96.0.0/12), so these
/// tests can run next to a live node. All traffic stays on addresses these tests put on sltest0 and in
/// namespaces they made.
enum PodNetworkTestEnv {
    static let bridge = "sltest0"
    static let nodeCIDR = "10.250.0.0/24"
    static let clusterCIDR = "10.250.0.0/16"
    static let serviceCIDR = "10.251.0.0/16"

    static func config(stateDir: String, nodeCIDR: String = nodeCIDR) -> PodNetworkConfig {
        PodNetworkConfig(bridgeName: bridge, nodePodCIDR: nodeCIDR, clusterPodCIDR: clusterCIDR,
                         serviceCIDR: serviceCIDR, stateDir: stateDir, mtu: 1500)
    }
}

/// Base class: a fresh temp state dir per test and a cleanup that runs even when the test failed
/// (tearDown is called after failures and thrown errors too).
class PodNetworkRootTestCase: XCTestCase {
    var stateDir = ""
    /// setUpHost turns IP forwarding on (swiftlet needs it); the machine gets its own value back.
    private var savedIPForward: String?

    override func setUpWithError() throws {
        try super.setUpWithError()
        XCTAssertEqual(geteuid(), 0, "PodNetwork tests need root (they run as root in CI)")
        savedIPForward = Sysctl.read("net.ipv4.ip_forward")
        // A previous run killed mid-test may have left the test bridge and namespace mounts behind.
        sweepTestBridge()
        sweepDeadRuns()
        stateDir = NSTemporaryDirectory() + "podnetwork-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        cleanUpEverything()
        if let savedIPForward { try? Sysctl.write("net.ipv4.ip_forward", savedIPForward) }
        try super.tearDownWithError()
    }

    /// State dirs of test processes that no longer run (`podnetwork-test-<pid>-…`): unmount and remove.
    func sweepDeadRuns() {
        let tmp = NSTemporaryDirectory()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: tmp) else { return }
        for name in names where name.hasPrefix("podnetwork-test-") {
            let pidText = name.dropFirst("podnetwork-test-".count).split(separator: "-").first ?? ""
            guard let pid = Int32(pidText), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            let dir = (tmp as NSString).appendingPathComponent(name)
            for mount in mountPoints(under: dir).reversed() { umount2(mount, Int32(MNT_DETACH)) }
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    func makeNetwork(nodeCIDR: String = PodNetworkTestEnv.nodeCIDR) throws -> PodNetwork {
        try PodNetwork(config: PodNetworkTestEnv.config(stateDir: stateDir, nodeCIDR: nodeCIDR))
    }

    /// Destroys every sandbox recorded in the state dir, then removes anything that may have escaped:
    /// veths on the test bridge, netns mounts under the state dir, the bridge and test routes, the dir.
    func cleanUpEverything() {
        if let net = try? makeNetwork() {
            for sb in net.listSandboxes() { try? net.destroySandbox(podUID: sb.podUID) }
            try? net.tearDownHost()
        }
        for veth in linksOnBridge(PodNetworkTestEnv.bridge) { _ = sh("ip link del \(veth)") }
        for mount in mountPoints(under: stateDir).reversed() { umount2(mount, Int32(MNT_DETACH)) }
        sweepTestBridge()
        try? FileManager.default.removeItem(atPath: stateDir)
    }

    func sweepTestBridge() {
        for veth in linksOnBridge(PodNetworkTestEnv.bridge) { _ = sh("ip link del \(veth)") }
        _ = sh("ip route del \(PodNetworkTestEnv.serviceCIDR) 2>/dev/null; ip route del unreachable \(PodNetworkTestEnv.clusterCIDR) 2>/dev/null; ip link del \(PodNetworkTestEnv.bridge) 2>/dev/null")
    }
}

/// Runs a shell command for inspection (never on the code path under test); returns status and stdout.
@discardableResult
func sh(_ command: String) -> (status: Int32, out: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", command]
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return (-1, "") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Interfaces whose master is `bridge` (`ip -o link show master`).
func linksOnBridge(_ bridge: String) -> [String] {
    let r = sh("ip -o link show master \(bridge) 2>/dev/null")
    return r.out.split(separator: "\n").compactMap { line in
        let parts = line.split(separator: ":", maxSplits: 2)
        guard parts.count >= 2 else { return nil }
        return String(parts[1].trimmingCharacters(in: .whitespaces).split(separator: "@").first ?? "")
    }
}

func linkExists(_ name: String) -> Bool { sh("ip link show dev \(name) 2>/dev/null").status == 0 }

/// Mount points (from /proc/self/mountinfo) at or under `dir`.
func mountPoints(under dir: String) -> [String] {
    guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
    let real = (dir as NSString).resolvingSymlinksInPath
    return text.split(separator: "\n").compactMap { line in
        let fields = line.split(separator: " ")
        guard fields.count > 4 else { return nil }
        let mp = String(fields[4])
        return (mp.hasPrefix(dir) || mp.hasPrefix(real)) ? mp : nil
    }
}

/// The fds this process holds that the sandbox code could leak: netlink sockets (in any
/// namespace: SO_DOMAIN asks the socket itself) and network-namespace fds. Counting every fd
/// would also count whatever other tests' event loops open or close meanwhile (a CI run saw the
/// total drop by 6 during the cycle test).
func openNetlinkAndNamespaceFDs() -> Int {
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return fds.compactMap { Int32($0) }.filter { fd in
        let target = readlinkString("/proc/self/fd/\(fd)")
        if target.hasPrefix("net:[") { return true }
        guard target.hasPrefix("socket:[") else { return false }
        var domain: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) == 0 && domain == AF_NETLINK
    }.count
}

// MARK: - tiny TCP helpers (POSIX sockets; the namespace is whatever the calling thread is in)

struct TCPTestError: Error, CustomStringConvertible {
    let description: String
    init(_ what: String) { description = "\(what): \(String(cString: strerror(errno)))" }
}

func sockaddrIn(_ ip: String, _ port: UInt16) -> sockaddr_in {
    var a = sockaddr_in()
    a.sin_family = sa_family_t(AF_INET)
    a.sin_port = port.bigEndian
    inet_pton(AF_INET, ip, &a.sin_addr)
    return a
}

/// A listening socket on ip:port in the calling thread's network namespace.
func tcpListen(_ ip: String, _ port: UInt16) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw TCPTestError("socket") }
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var addr = sockaddrIn(ip, port)
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else { let e = TCPTestError("bind \(ip):\(port)"); close(fd); throw e }
    guard listen(fd, 8) == 0 else { let e = TCPTestError("listen"); close(fd); throw e }
    return fd
}

/// Connects to ip:port (timeout in ms), sends `message`, closes. Throws on failure or timeout.
func tcpSend(_ ip: String, _ port: UInt16, _ message: String, timeoutMs: Int32 = 5000) throws {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
    guard fd >= 0 else { throw TCPTestError("socket") }
    defer { close(fd) }
    var addr = sockaddrIn(ip, port)
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    if rc != 0 {
        guard errno == EINPROGRESS else { throw TCPTestError("connect \(ip):\(port)") }
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&pfd, 1, timeoutMs) == 1 else { errno = ETIMEDOUT; throw TCPTestError("connect \(ip):\(port)") }
        var soerr: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len)
        guard soerr == 0 else { errno = soerr; throw TCPTestError("connect \(ip):\(port)") }
    }
    let bytes = Array(message.utf8)
    guard write(fd, bytes, bytes.count) == bytes.count else { throw TCPTestError("write") }
}

/// Accepts one connection on `listener` (timeout in ms) and reads until EOF; returns the text and the
/// peer's address.
func tcpAcceptAll(_ listener: Int32, timeoutMs: Int32 = 5000) throws -> (text: String, peer: String) {
    var pfd = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
    guard poll(&pfd, 1, timeoutMs) == 1 else { errno = ETIMEDOUT; throw TCPTestError("accept") }
    var peer = sockaddr_in()
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let conn = withUnsafeMutablePointer(to: &peer) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listener, $0, &len) }
    }
    guard conn >= 0 else { throw TCPTestError("accept") }
    defer { close(conn) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 256)
    while true {
        var p = pollfd(fd: conn, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, timeoutMs) == 1 else { errno = ETIMEDOUT; throw TCPTestError("read") }
        let n = read(conn, &buf, buf.count)
        if n <= 0 { break }
        out += buf[0..<n]
    }
    let a = UInt32(bigEndian: peer.sin_addr.s_addr)
    return (String(decoding: out, as: UTF8.self), IPv4Address(a).description)
}
