import XCTest
@testable import PodNetwork

/// Host set-up and tear-down, for real, as root, on the test bridge sltest0.
final class PodNetworkHostTests: PodNetworkRootTestCase {
    func testSetUpHostIsIdempotentAndInstallsBridgeAddressAndRoutes() throws {
        let net = try makeNetwork()
        try net.setUpHost()
        try net.setUpHost()  // a second start must converge, not fail with "File exists"

        let link = sh("ip -d link show dev sltest0").out
        XCTAssertTrue(link.contains("bridge"), link)
        XCTAssertTrue(link.contains("mtu 1500"), link)
        let mac = Naming.bridgeMAC(bridgeName: "sltest0").map { String(format: "%02x", $0) }.joined(separator: ":")
        XCTAssertTrue(link.contains("link/ether \(mac)"), "fixed bridge MAC \(mac): \(link)")
        XCTAssertTrue(link.contains(",UP") || link.contains("<UP"), link)

        let addrs = sh("ip -4 -o addr show dev sltest0").out
        XCTAssertEqual(addrs.components(separatedBy: "inet 10.250.0.1/24").count - 1, 1, "exactly one gateway address: \(addrs)")
        XCTAssertTrue(addrs.contains("brd 10.250.0.255"), addrs)

        let service = sh("ip route show 10.251.0.0/16").out
        XCTAssertTrue(service.contains("10.251.0.0/16 dev sltest0"), service)
        XCTAssertTrue(service.contains("scope link"), service)
        XCTAssertEqual(service.split(separator: "\n").count, 1, service)
        let cluster = sh("ip route show 10.250.0.0/16").out
        XCTAssertTrue(cluster.contains("unreachable 10.250.0.0/16"), cluster)
        XCTAssertEqual(cluster.split(separator: "\n").count, 1, cluster)
        let node = sh("ip route show 10.250.0.0/24").out
        XCTAssertTrue(node.contains("10.250.0.0/24 dev sltest0"), node)

        // The node's own /24 wins over the unreachable /16; another node's /24 is unreachable, and a
        // service IP goes to the bridge: none of them may reach the default route.
        XCTAssertTrue(sh("ip route get 10.250.0.9").out.contains("dev sltest0"))
        let otherNode = sh("ip route get 10.250.7.9 2>&1")
        XCTAssertNotEqual(otherNode.status, 0, otherNode.out)
        XCTAssertTrue(otherNode.out.contains("No route to host"), otherNode.out)
        XCTAssertTrue(sh("ip route get 10.251.3.4").out.contains("dev sltest0"))

        XCTAssertEqual(Sysctl.read("net.ipv4.ip_forward"), "1")
        XCTAssertEqual(Sysctl.read("net.bridge.bridge-nf-call-iptables"), "1")
    }

    func testTearDownHostRemovesBridgeAndRoutesAndIsIdempotent() throws {
        let net = try makeNetwork()
        try net.setUpHost()
        try net.tearDownHost()
        XCTAssertFalse(linkExists("sltest0"))
        XCTAssertEqual(sh("ip route show 10.251.0.0/16").out, "")
        XCTAssertEqual(sh("ip route show 10.250.0.0/16").out, "")
        XCTAssertEqual(sh("ip route show 10.250.0.0/24").out, "")
        XCTAssertNoThrow(try net.tearDownHost())
        // and it can be set up again afterwards
        try net.setUpHost()
        XCTAssertTrue(linkExists("sltest0"))
    }

    func testSetUpHostRefusesAnInterfaceThatIsNotABridge() throws {
        // (this kernel has no dummy driver; a veth is just as much "not a bridge")
        XCTAssertEqual(sh("ip link add sltest0 type veth peer name sltest0peer").status, 0)
        let net = try makeNetwork()
        XCTAssertThrowsError(try net.setUpHost()) { error in
            let e = error as? PodNetworkError
            XCTAssertEqual(e?.errno, EEXIST)
            XCTAssertTrue("\(error)".contains("create bridge sltest0"), "\(error)")
            XCTAssertTrue("\(error)".contains("not a bridge"), "\(error)")
        }
        XCTAssertTrue(linkExists("sltest0"), "someone else's interface must be left alone")
    }

    func testCreateSandboxWithoutHostSetUpSaysSo() throws {
        let net = try makeNetwork()
        XCTAssertThrowsError(try net.createSandbox(podUID: "pod-no-bridge")) { error in
            XCTAssertEqual((error as? PodNetworkError)?.errno, ENODEV)
            XCTAssertTrue("\(error)".contains("bridge sltest0 does not exist"), "\(error)")
        }
        XCTAssertNil(net.sandbox(podUID: "pod-no-bridge"))
        XCTAssertEqual(mountPoints(under: stateDir), [])
    }
}
