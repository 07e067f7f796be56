import Foundation
import KubeAPI
import KubeClient
import KubeClientTesting
import Logging
import XCTest
@testable import ServiceProxy

/// Real packets through the proxy's rules (root): two network namespaces on a test bridge act as pods,
/// Services get ClusterIPs from a test range routed into that bridge. Nothing leaves the machine: every
/// address used lives on the bridge this test creates.
final class ServiceProxyTrafficTests: XCTestCase {
    static let bridge = "sltsp0"
    static let podA = "sltsp-a", podB = "sltsp-b"
    static let gateway = "10.250.77.1", ipA = "10.250.77.2", ipB = "10.250.77.3"
    static let serviceCIDR = "10.251.0.0/24"
    static let table = "sltest_traffic"

    var servers: [Int32] = []
    var proxyTask: Task<Void, Never>?

    static func cleanNetwork() {
        SPSystem.ipQuiet("netns", "del", podA)
        SPSystem.ipQuiet("netns", "del", podB)
        SPSystem.ipQuiet("link", "del", "\(bridge)a")
        SPSystem.ipQuiet("link", "del", "\(bridge)b")
        SPSystem.ipQuiet("link", "del", bridge)
        SPSystem.deleteTable(table)
    }

    override func setUpWithError() throws {
        SPSystem.requireRoot()
        Self.cleanNetwork()
        do {
            try Self.buildNetwork()
        } catch {
            Self.cleanNetwork()
            throw error
        }
    }

    static func buildNetwork() throws {
        let b = bridge
        // nf_call_iptables on this bridge: bridged replies (pod to pod on the same bridge) must pass
        // conntrack to be un-DNATed, as br_netfilter does for kube-proxy.
        try SPSystem.ip("link", "add", b, "type", "bridge", "nf_call_iptables", "1")
        try SPSystem.ip("addr", "add", "\(gateway)/24", "dev", b)
        try SPSystem.ip("link", "set", b, "up")
        for (ns, ip, side) in [(podA, ipA, "a"), (podB, ipB, "b")] {
            try SPSystem.ip("netns", "add", ns)
            try SPSystem.ip("link", "add", "\(b)\(side)", "type", "veth", "peer", "name", "eth0", "netns", ns)
            try SPSystem.ip("link", "set", "\(b)\(side)", "master", b, "up")
            // Hairpin: a pod's own packets, DNATed back to it, leave through the port they came in on.
            try SPSystem.ip("link", "set", "\(b)\(side)", "type", "bridge_slave", "hairpin", "on")
            try SPSystem.ip("-n", ns, "addr", "add", "\(ip)/24", "dev", "eth0")
            try SPSystem.ip("-n", ns, "link", "set", "eth0", "up")
            try SPSystem.ip("-n", ns, "link", "set", "lo", "up")
            try SPSystem.ip("-n", ns, "route", "add", "default", "via", gateway)
        }
        // The service range goes into the bridge (never the default route); forwarding only for this
        // bridge, leaving the host's global setting alone.
        try SPSystem.ip("route", "add", serviceCIDR, "dev", b)
        try "1".write(toFile: "/proc/sys/net/ipv4/conf/\(b)/forwarding", atomically: false, encoding: .utf8)
    }

    override func tearDown() async throws {
        // The proxy must be gone before its table is deleted, or a last sync could recreate it.
        proxyTask?.cancel()
        await proxyTask?.value
        for fd in servers { SPSockets.stop(fd) }
        Self.cleanNetwork()
        XCTAssertFalse(SPSystem.tableExists(Self.table))
        XCTAssertThrowsError(try SPSystem.ip("link", "show", Self.bridge))
        XCTAssertFalse(((try? SPSystem.ip("netns", "list")) ?? "").contains("sltsp-"))
    }

    func endpoint(_ ip: String) -> JSON { SPFixture.endpoint(ip, node: "node-1") }

    func testTrafficThroughClusterIPNodePortAndRejects() async throws {
        servers.append(try SPSockets.serveTCP(in: Self.podA, port: 8080, reply: "hello from a"))
        servers.append(try SPSockets.serveUDP(in: Self.podA, port: 5353, prefix: "udp a: "))

        let client = MemoryClient()
        client.seed(.services, SPFixture.service("web", type: "NodePort", clusterIP: "10.251.0.10",
                                                 ports: [SPFixture.port("http", 80, nodePort: 31987),
                                                         SPFixture.port("dns", 53, proto: "UDP")]))
        client.seed(.endpointSlices, SPFixture.slice("web-1", service: "web",
                                                     ports: [SPFixture.slicePort("http", 8080),
                                                             SPFixture.slicePort("dns", 5353, proto: "UDP")],
                                                     endpoints: [endpoint(Self.ipA)]))
        client.seed(.services, SPFixture.service("empty", clusterIP: "10.251.0.11",
                                                 ports: [SPFixture.port(80), SPFixture.port(53, proto: "UDP")]))
        let config = ProxyConfig(tableName: Self.table, serviceCIDR: Self.serviceCIDR, nodeIPs: [Self.gateway],
                                 nodeName: "node-1", bridgeName: Self.bridge)
        let proxy = ServiceProxy(client: client, config: config)
        proxyTask = Task { await proxy.run() }
        await spWaitUntil("the proxy's first sync") { proxy.appliedRuleset != nil }

        // UDP refusals reach a pod: no endpoints, and a port the ClusterIP does not serve. First, before this pod's
        // traffic to other pods on the bridge draws ICMP redirects, which share the rate limit with these errors.
        XCTAssertEqual(try SPSockets.udpExchange(from: Self.podB, to: "10.251.0.11", port: 53, message: "anyone?"), .refused)
        XCTAssertEqual(try SPSockets.udpExchange(from: Self.podB, to: "10.251.0.10", port: 54, message: "anyone?"), .refused)

        // Pod → ClusterIP (TCP and UDP), host → ClusterIP.
        let fromPod = try SPSockets.tcpRequest(from: Self.podB, to: "10.251.0.10", port: 80)
        XCTAssertEqual(fromPod.outcome, .answered("hello from a"))
        XCTAssertEqual(try SPSockets.udpRequest(from: Self.podB, to: "10.251.0.10", port: 53, message: "ping"), "udp a: ping")
        XCTAssertEqual(try SPSockets.tcpRequest(from: nil, to: "10.251.0.10", port: 80).outcome, .answered("hello from a"))
        XCTAssertEqual(try SPSockets.udpRequest(from: nil, to: "10.251.0.10", port: 53, message: "hi"), "udp a: hi")
        // Hairpin: pod A reaches itself through its Service.
        XCTAssertEqual(try SPSockets.tcpRequest(from: Self.podA, to: "10.251.0.10", port: 80).outcome, .answered("hello from a"))
        // NodePort on the node's address, from a pod and from the host.
        XCTAssertEqual(try SPSockets.tcpRequest(from: Self.podB, to: Self.gateway, port: 31987).outcome, .answered("hello from a"))
        XCTAssertEqual(try SPSockets.tcpRequest(from: nil, to: Self.gateway, port: 31987).outcome, .answered("hello from a"))
        // ...but not on loopback (kube-proxy's nftables mode does not serve NodePorts there either).
        XCTAssertEqual(try SPSockets.tcpRequest(from: nil, to: "127.0.0.1", port: 31987).outcome, .refused)

        // No endpoints: refused at once, from a pod and from the host.
        for from in [Self.podB, nil] {
            let r = try SPSockets.tcpRequest(from: from, to: "10.251.0.11", port: 80)
            XCTAssertEqual(r.outcome, .refused, "from \(from ?? "host")")
            XCTAssertLessThan(r.connectTime, .milliseconds(100), "from \(from ?? "host")")
        }
        // A known ClusterIP on a port it does not serve: rejected; an unallocated address: dropped.
        XCTAssertEqual(try SPSockets.tcpRequest(from: Self.podB, to: "10.251.0.10", port: 81).outcome, .refused)
        XCTAssertEqual(try SPSockets.tcpRequest(from: Self.podB, to: "10.251.0.99", port: 80, timeout: .milliseconds(300)).outcome,
                       .timedOut)

        // The endpoint goes away: the ClusterIP now refuses; it comes back: served again.
        client.seed(.endpointSlices, SPFixture.slice("web-1", service: "web", ports: [SPFixture.slicePort("http", 8080)],
                                                     endpoints: []))
        await spWaitUntil("the reject rule") {
            proxy.appliedRuleset?.value(in: "no-endpoint-services", key: "10.251.0.10 . tcp . 80") != nil
        }
        let gone = try SPSockets.tcpRequest(from: Self.podB, to: "10.251.0.10", port: 80)
        XCTAssertEqual(gone.outcome, .refused)
        XCTAssertLessThan(gone.connectTime, .milliseconds(100))

        client.seed(.endpointSlices, SPFixture.slice("web-1", service: "web", ports: [SPFixture.slicePort("http", 8080)],
                                                     endpoints: [endpoint(Self.ipA)]))
        await spWaitUntil("the DNAT rule") {
            proxy.appliedRuleset?.value(in: "service-ips", key: "10.251.0.10 . tcp . 80") != nil
        }
        XCTAssertEqual(try SPSockets.tcpRequest(from: Self.podB, to: "10.251.0.10", port: 80).outcome, .answered("hello from a"))
        XCTAssertEqual(proxy.stats.failures, 0)
    }
}
