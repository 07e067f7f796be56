import XCTest
@testable import PodNetwork

/// The wiring setUpHost/createSandbox make must carry Service traffic once a kube-proxy-like DNAT exists:
/// pod → ClusterIP → other pod (the reply is un-DNATed thanks to br_netfilter), and pod → ClusterIP → the
/// same pod (hairpin mode on the bridge port plus masquerade of hairpin traffic). The DNAT here is test
/// scaffolding written with the `nft` tool in a table of its own; the real rules are the service proxy's.
final class PodNetworkServiceTrafficTests: PodNetworkRootTestCase {
    static let table = "sltest_podnetwork"

    override func tearDownWithError() throws {
        sh("nft delete table ip \(Self.table) 2>/dev/null")
        try super.tearDownWithError()
    }

    func testClusterIPToAnotherPodAndHairpinToItself() throws {
        let net = try makeNetwork()
        try net.setUpHost()
        let a = try net.createSandbox(podUID: "svc-a")
        let b = try net.createSandbox(podUID: "svc-b")
        let ruleset = """
        table ip \(Self.table) {
          chain pre {
            type nat hook prerouting priority dstnat;
            ip daddr 10.251.0.10 tcp dport 80 dnat to \(b.ip):8080
            ip daddr 10.251.0.11 tcp dport 80 dnat to \(a.ip):8080
          }
          chain out {
            type nat hook output priority -100;
            ip daddr 10.251.0.10 tcp dport 80 dnat to \(b.ip):8080
          }
          chain post {
            type nat hook postrouting priority srcnat;
            ip saddr \(a.ip) ip daddr \(a.ip) masquerade
            ip saddr \(b.ip) ip daddr \(b.ip) masquerade
          }
        }
        """
        let r = sh("nft -f - 2>&1 <<'NFT'\n\(ruleset)\nNFT")
        XCTAssertEqual(r.status, 0, "nft scaffolding: \(r.out)")

        let listenerA = try net.withNetworkNamespace(a.netnsPath) { try tcpListen("0.0.0.0", 8080) }
        defer { close(listenerA) }
        let listenerB = try net.withNetworkNamespace(b.netnsPath) { try tcpListen("0.0.0.0", 8080) }
        defer { close(listenerB) }

        // A → ClusterIP of B's service: reaches B with A's own address (no masquerade needed).
        try net.withNetworkNamespace(a.netnsPath) { try tcpSend("10.251.0.10", 80, "a via service") }
        let atB = try tcpAcceptAll(listenerB)
        XCTAssertEqual(atB.text, "a via service")
        XCTAssertEqual(atB.peer, a.ip)

        // A → ClusterIP of its own service: DNATed back to A through its own bridge port (hairpin), source
        // masqueraded to the bridge address so A's reply goes back through the host's conntrack.
        try net.withNetworkNamespace(a.netnsPath) { try tcpSend("10.251.0.11", 80, "a to itself") }
        let atA = try tcpAcceptAll(listenerA)
        XCTAssertEqual(atA.text, "a to itself")
        XCTAssertEqual(atA.peer, "10.250.0.1")

        // host → ClusterIP works too: the service route makes the first lookup succeed, the output-hook DNAT
        // rewrites it. (A ClusterIP without a rule dies on the bridge: see the next test.)
        try tcpSend("10.251.0.10", 80, "host via service")
        XCTAssertEqual(try tcpAcceptAll(listenerB).text, "host via service")
    }

    func testAnUnprogrammedClusterIPDiesOnTheBridge() throws {
        let net = try makeNetwork()
        try net.setUpHost()
        // Nothing answers ARP for it on sltest0: the connect fails locally (no route to host) instead of
        // leaving the machine by the default route.
        XCTAssertTrue(sh("ip route get 10.251.9.9").out.contains("dev sltest0"))
        XCTAssertThrowsError(try tcpSend("10.251.9.9", 80, "x", timeoutMs: 5000))
    }
}
