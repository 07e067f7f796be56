import XCTest
@testable import PodNetwork

/// Pod sandboxes, for real, as root. Traffic only between the test's own namespaces and the test bridge.
final class PodNetworkSandboxTests: PodNetworkRootTestCase {
    func testTwoSandboxesGetDistinctIPsAndAreWiredUp() throws {
        let net = try makeNetwork()
        try net.setUpHost()
        let a = try net.createSandbox(podUID: "pod-a")
        let b = try net.createSandbox(podUID: "pod-b")

        XCTAssertNotEqual(a.ip, b.ip)
        for sb in [a, b] {
            let ip = try XCTUnwrap(IPv4Address(sb.ip))
            XCTAssertTrue(IPv4CIDR("10.250.0.0/24")!.contains(ip))
            XCTAssertNotEqual(sb.ip, "10.250.0.1")
            XCTAssertEqual(sb.gateway, "10.250.0.1")
            XCTAssertEqual(sb.prefixLength, 24)
            XCTAssertEqual(sb.netnsPath, "\(stateDir)/netns/\(sb.podUID)")
            XCTAssertEqual(sb.hostVeth, Naming.hostVeth(podUID: sb.podUID))
            XCTAssertNotNil(sb.mac)

            // host end: on the bridge, up, hairpin on
            XCTAssertTrue(linksOnBridge("sltest0").contains(sb.hostVeth))
            XCTAssertEqual(try String(contentsOfFile: "/sys/class/net/\(sb.hostVeth)/brport/hairpin_mode", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines), "1")
            XCTAssertTrue(sh("ip -o link show dev \(sb.hostVeth)").out.contains("state UP"))

            // pod end, inspected with nsenter (tests may run ip; the code under test never does)
            let inPod = "nsenter --net=\(sb.netnsPath) ip"
            let addr = sh("\(inPod) -4 -o addr show dev eth0").out
            XCTAssertTrue(addr.contains("inet \(sb.ip)/24 brd 10.250.0.255"), addr)
            let eth0 = sh("\(inPod) -o link show dev eth0").out
            XCTAssertTrue(eth0.contains("state UP"), eth0)
            XCTAssertTrue(eth0.contains("link/ether \(sb.mac ?? "?")"), eth0)
            XCTAssertTrue(sh("\(inPod) -o link show dev lo").out.contains("UP"))
            XCTAssertEqual(sh("\(inPod) route show default").out.trimmingCharacters(in: .whitespacesAndNewlines),
                           "default via 10.250.0.1 dev eth0 proto static")
            // the namespace holds exactly lo and eth0
            XCTAssertEqual(sh("\(inPod) -o link show | wc -l").out.trimmingCharacters(in: .whitespaces), "2\n")
        }
        XCTAssertEqual(Set(net.listSandboxes().map(\.podUID)), ["pod-a", "pod-b"])
    }

    func testTCPBetweenSandboxesAndFromHost() throws {
        let net = try makeNetwork()
        try net.setUpHost()
        let a = try net.createSandbox(podUID: "pod-a")
        let b = try net.createSandbox(podUID: "pod-b")

        // pod A → pod B: the listener is opened inside B's namespace, the connect inside A's.
        let listenerB = try net.withNetworkNamespace(b.netnsPath) { try tcpListen(b.ip, 8080) }
        defer { close(listenerB) }
        try net.withNetworkNamespace(a.netnsPath) { try tcpSend(b.ip, 8080, "hello from a") }
        let got = try tcpAcceptAll(listenerB)
        XCTAssertEqual(got.text, "hello from a")
        XCTAssertEqual(got.peer, a.ip, "pod-to-pod traffic is not NATed")

        // host → pod A
        let listenerA = try net.withNetworkNamespace(a.netnsPath) { try tcpListen("0.0.0.0", 8081) }
        defer { close(listenerA) }
        try tcpSend(a.ip, 8081, "hello from the host")
        let fromHost = try tcpAcceptAll(listenerA)
        XCTAssertEqual(fromHost.text, "hello from the host")
        XCTAssertEqual(fromHost.peer, "10.250.0.1")

        // pod A → host (the gateway address on the bridge)
        let listenerHost = try tcpListen("10.250.0.1", 8082)
        defer { close(listenerHost) }
        try net.withNetworkNamespace(a.netnsPath) { try tcpSend("10.250.0.1", 8082, "hello host") }
        XCTAssertEqual(try tcpAcceptAll(listenerHost).text, "hello host")

        // A listener in a pod's namespace is not reachable on the host's loopback (isolation).
        let podLoopback = try net.withNetworkNamespace(a.netnsPath) { try tcpListen("127.0.0.1", 8083) }
        defer { close(podLoopback) }
        XCTAssertThrowsError(try tcpSend("127.0.0.1", 8083, "x", timeoutMs: 500))
    }

    func testWithNetworkNamespaceLeavesTheCallerInTheHostNamespace() throws {
        let net = try makeNetwork()
        try net.setUpHost()
        let a = try net.createSandbox(podUID: "pod-a")
        let before = readlinkString("/proc/thread-self/ns/net")
        let inside = try net.withNetworkNamespace(a.netnsPath) { readlinkString("/proc/thread-self/ns/net") }
        XCTAssertNotEqual(inside, before)
        XCTAssertEqual(readlinkString("/proc/thread-self/ns/net"), before)
        XCTAssertThrowsError(try net.withNetworkNamespace(a.netnsPath) { () throws -> Int in
            throw PodNetworkError("probe", reason: "boom")
        }) { XCTAssertEqual("\($0)", "probe: boom") }
        XCTAssertThrowsError(try net.withNetworkNamespace("\(stateDir)/netns/missing") { 1 }) { error in
            XCTAssertTrue("\(error)".contains("open network namespace \(stateDir)/netns/missing"), "\(error)")
        }
    }

    func testCreateIsIdempotentAndRepairsAMissingVeth() throws {
        let net = try makeNetwork()
        try net.setUpHost()
        let first = try net.createSandbox(podUID: "pod-a")
        XCTAssertEqual(try net.createSandbox(podUID: "pod-a"), first)
        XCTAssertEqual(net.listSandboxes().count, 1)

        // Someone deletes the host veth (and so the pod's eth0): the next create rebuilds it in the same
        // namespace (running containers would keep it) with the same IP.
        let inode = inodeOf(first.netnsPath)
        XCTAssertEqual(sh("ip link del \(first.hostVeth)").status, 0)
        let repaired = try net.createSandbox(podUID: "pod-a")
        XCTAssertEqual(repaired.ip, first.ip)
        XCTAssertEqual(repaired.netnsPath, first.netnsPath)
        XCTAssertEqual(inodeOf(first.netnsPath), inode, "the namespace was kept")
        XCTAssertTrue(linksOnBridge("sltest0").contains(first.hostVeth))
        XCTAssertTrue(sh("nsenter --net=\(first.netnsPath) ip -4 -o addr show dev eth0").out.contains(first.ip))
    }

    func testDestroyReleasesEverythingAndTheIPCanBeReused() throws {
        // A /29 leaves five pod addresses (.2-.6), so reuse is forced quickly.
        let net = try makeNetwork(nodeCIDR: "10.250.0.0/29")
        try net.setUpHost()
        var sandboxes: [Sandbox] = []
        for i in 0..<5 { sandboxes.append(try net.createSandbox(podUID: "pod-\(i)")) }
        XCTAssertEqual(Set(sandboxes.map(\.ip)).count, 5)
        XCTAssertThrowsError(try net.createSandbox(podUID: "pod-5")) { error in
            XCTAssertEqual((error as? PodNetworkError)?.errno, ENOSPC, "\(error)")
        }
        // the failed create left nothing behind
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(stateDir)/netns/pod-5"))
        XCTAssertFalse(linkExists(Naming.hostVeth(podUID: "pod-5")))

        let victim = sandboxes[2]
        try net.destroySandbox(podUID: victim.podUID)
        XCTAssertFalse(linkExists(victim.hostVeth))
        XCTAssertFalse(FileManager.default.fileExists(atPath: victim.netnsPath))
        XCTAssertFalse(mountPoints(under: stateDir).contains(victim.netnsPath))
        XCTAssertNil(net.sandbox(podUID: victim.podUID))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(stateDir)/pod-network/ipam/\(victim.ip)"))

        let next = try net.createSandbox(podUID: "pod-5")
        XCTAssertEqual(next.ip, victim.ip, "the released address is handed out again")
        XCTAssertNoThrow(try net.destroySandbox(podUID: victim.podUID), "destroy is idempotent")
        XCTAssertNoThrow(try net.destroySandbox(podUID: "never-existed"))
        XCTAssertNotNil(net.sandbox(podUID: "pod-5"), "destroying another pod did not touch pod-5")
        XCTAssertEqual(net.podUIDsWithNetworkState(), ["pod-0", "pod-1", "pod-3", "pod-4", "pod-5"])
    }

    func testStateSurvivesARestart() throws {
        let first = try makeNetwork()
        try first.setUpHost()
        let a = try first.createSandbox(podUID: "pod-a")
        let b = try first.createSandbox(podUID: "pod-b")

        let restarted = try makeNetwork()  // a new process would see the same state dir
        try restarted.setUpHost()
        XCTAssertEqual(restarted.sandbox(podUID: "pod-a"), a)
        XCTAssertEqual(restarted.listSandboxes(), [a, b])
        XCTAssertEqual(try restarted.createSandbox(podUID: "pod-a"), a, "same IP, same namespace")
        let c = try restarted.createSandbox(podUID: "pod-c")
        XCTAssertFalse([a.ip, b.ip].contains(c.ip), "leases from before the restart are respected")
        try restarted.destroySandbox(podUID: "pod-a")
        XCTAssertNil(first.sandbox(podUID: "pod-a"))
    }

    func testStateLeftByACrashIsFoundAndCleanedUp() throws {
        let net = try makeNetwork()
        try net.setUpHost()
        // A crash after the lease and the namespace were made but before the record was written:
        let ip = try net.ipam.allocate(for: "crashed")
        try NetworkNamespace.create(at: net.netnsPath(podUID: "crashed")) {}
        XCTAssertNil(net.sandbox(podUID: "crashed"))
        XCTAssertEqual(net.podUIDsWithNetworkState(), ["crashed"])

        // createSandbox picks it up (same lease, same namespace) …
        let inode = inodeOf(net.netnsPath(podUID: "crashed"))
        let sb = try net.createSandbox(podUID: "crashed")
        XCTAssertEqual(sb.ip, ip.description)
        XCTAssertEqual(inodeOf(sb.netnsPath), inode)
        // … and destroySandbox of a half-made one leaves nothing either.
        _ = try net.ipam.allocate(for: "crashed-2")
        try NetworkNamespace.create(at: net.netnsPath(podUID: "crashed-2")) {}
        try net.destroySandbox(podUID: "crashed-2")
        XCTAssertEqual(net.podUIDsWithNetworkState(), ["crashed"])
        XCTAssertFalse(mountPoints(under: stateDir).contains(net.netnsPath(podUID: "crashed-2")))
    }

    func testFiftyCreateDestroyCyclesLeakNothing() throws {
        let net = try makeNetwork()
        try net.setUpHost()
        _ = try net.createSandbox(podUID: "warm-up")  // first-use allocations (libnl caches) are not leaks
        try net.destroySandbox(podUID: "warm-up")
        let portsBefore = linksOnBridge("sltest0").count
        let mountsBefore = mountPoints(under: stateDir).count
        let netnsFilesBefore = try FileManager.default.contentsOfDirectory(atPath: "\(stateDir)/netns").count
        let fdsBefore = openNetlinkAndNamespaceFDs()

        var names: [String] = []
        var ips: [String] = []
        for i in 0..<50 {
            let sb = try net.createSandbox(podUID: "cycle-\(i)")
            names.append(sb.hostVeth)
            ips.append(sb.ip)
            try net.destroySandbox(podUID: sb.podUID)
        }

        XCTAssertEqual(linksOnBridge("sltest0").count, portsBefore)
        XCTAssertEqual(names.filter(linkExists), [])
        XCTAssertEqual(mountPoints(under: stateDir).count, mountsBefore)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(stateDir)/netns").count, netnsFilesBefore)
        XCTAssertEqual(openNetlinkAndNamespaceFDs(), fdsBefore, "no leaked netlink sockets or namespace fds")
        XCTAssertEqual(net.listSandboxes(), [])
        XCTAssertEqual(IPAM(directory: "\(stateDir)/pod-network/ipam", range: IPv4CIDR("10.250.0.0/24")!).leases(), [:])
        XCTAssertEqual(Set(ips).count, 50, "round-robin: recently freed addresses are not handed out at once")
    }
}

func readlinkString(_ path: String) -> String {
    var buf = [CChar](repeating: 0, count: 256)
    let n = readlink(path, &buf, buf.count - 1)
    return n < 0 ? "" : String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func inodeOf(_ path: String) -> UInt64 {
    var st = stat()
    return stat(path, &st) == 0 ? UInt64(st.st_ino) : 0
}

/// Several callers at once (the agent's pod workers run in parallel).
final class PodNetworkConcurrencyTests: PodNetworkRootTestCase {
    func testConcurrentCreatesAndDestroysStayConsistent() throws {
        let net = try makeNetwork()
        try net.setUpHost()
        final class Box: @unchecked Sendable {
            let lock = NSLock()
            var sandboxes: [Sandbox] = []
            var errors: [String] = []
            func add(_ r: Result<Sandbox, Error>) {
                lock.lock(); defer { lock.unlock() }
                switch r {
                case .success(let s): sandboxes.append(s)
                case .failure(let e): errors.append("\(e)")
                }
            }
        }
        let box = Box()
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            box.add(Result { try net.createSandbox(podUID: "conc-\(i % 6)") })  // 2 pods asked for twice
        }
        XCTAssertEqual(box.errors, [])
        XCTAssertEqual(Set(box.sandboxes.map(\.podUID)).count, 6)
        XCTAssertEqual(Set(box.sandboxes.map(\.ip)).count, 6, "one IP per pod, even when asked twice at once")
        XCTAssertEqual(net.listSandboxes().count, 6)

        // namespace entries from many threads while sandboxes are being destroyed
        DispatchQueue.concurrentPerform(iterations: 6) { i in
            let uid = "conc-\(i)"
            do {
                if let sb = net.sandbox(podUID: uid) {
                    let ns = try net.withNetworkNamespace(sb.netnsPath) { readlinkString("/proc/thread-self/ns/net") }
                    XCTAssertTrue(ns.hasPrefix("net:"), ns)
                }
                try net.destroySandbox(podUID: uid)
            } catch {
                XCTFail("\(uid): \(error)")
            }
        }
        XCTAssertEqual(net.listSandboxes(), [])
        XCTAssertEqual(mountPoints(under: stateDir), [])
        XCTAssertEqual(linksOnBridge("sltest0"), [])
    }
}
