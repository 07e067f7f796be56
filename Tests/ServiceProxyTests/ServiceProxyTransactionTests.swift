import KubeAPI
import XCTest
@testable import ServiceProxy

final class ServiceProxyTransactionTests: XCTestCase {
    func other() -> (JSON, JSON) {
        (SPFixture.service("api", clusterIP: "10.96.0.30", ports: [SPFixture.port(443)]),
         SPFixture.slice("api-1", service: "api", ports: [SPFixture.slicePort(6443)], endpoints: [SPFixture.endpoint("10.244.0.30")]))
    }

    func testFullSyncReplacesTableAndDeclaresBeforeUse() {
        let r = SPFixture.render([SPFixture.web()], [SPFixture.webSlice()])
        let lines = r.fullSyncCommands().split(separator: "\n").map(String.init)
        XCTAssertEqual(Array(lines.prefix(3)), [
            "add table ip swiftlet { comment \"rules for swiftlet service proxy\"; }",
            "delete table ip swiftlet",
            "add table ip swiftlet { comment \"rules for swiftlet service proxy\"; }",
        ])
        let firstRule = lines.firstIndex { $0.hasPrefix("add rule") }!
        let lastChain = lines.lastIndex { $0.hasPrefix("add chain") }!
        let lastSet = lines.lastIndex { $0.hasPrefix("add set") || $0.hasPrefix("add map") }!
        let firstElement = lines.firstIndex { $0.hasPrefix("add element") }!
        let lastRule = lines.lastIndex { $0.hasPrefix("add rule") }!
        XCTAssertLessThan(lastChain, firstRule)
        XCTAssertLessThan(lastSet, firstRule)
        XCTAssertLessThan(lastRule, firstElement)
        XCTAssertTrue(lines.contains("add chain ip swiftlet nat-output { type nat hook output priority -100; policy accept; }"))
        XCTAssertTrue(lines.contains("add map ip swiftlet service-ips { type ipv4_addr . inet_proto . inet_service : verdict; comment \"ClusterIP, ExternalIP and LoadBalancer IP traffic\"; }"))
        XCTAssertTrue(lines.contains { $0.hasPrefix("add element ip swiftlet service-ips { 10.96.0.10 . tcp . 80 : goto service-") })
    }

    func testNothingChangedMeansNoTransaction() {
        let r = SPFixture.render([SPFixture.web()], [SPFixture.webSlice()])
        XCTAssertNil(SPFixture.render([SPFixture.web()], [SPFixture.webSlice()]).incrementalCommands(from: r))
    }

    func testEndpointChangeRewritesOnlyThatService() {
        let (api, apiSlice) = other()
        let before = SPFixture.render([SPFixture.web(), api], [SPFixture.webSlice(), apiSlice])
        let after = SPFixture.render([SPFixture.web(), api],
                                     [SPFixture.webSlice([SPFixture.endpoint("10.244.0.5"), SPFixture.endpoint("10.244.0.7")]), apiSlice])
        let tx = try! XCTUnwrap(after.incrementalCommands(from: before))
        XCTAssertFalse(tx.contains("default/api"), tx)
        XCTAssertFalse(tx.contains("table"), "the skeleton is untouched: \(tx)")
        XCTAssertFalse(tx.contains("nat-output"), tx)
        let lines = tx.split(separator: "\n").map(String.init)
        let gone = "endpoint-" + ChainNames.endpointBase(namespace: "default", name: "web", proto: "tcp", portName: "http",
                                                         ip: "10.244.0.6", port: 8080)
        let new = "endpoint-" + ChainNames.endpointBase(namespace: "default", name: "web", proto: "tcp", portName: "http",
                                                        ip: "10.244.0.7", port: 8080)
        XCTAssertTrue(lines.contains("add chain ip swiftlet \(new)"))
        XCTAssertTrue(lines.contains("add rule ip swiftlet \(new) meta l4proto tcp dnat to 10.244.0.7:8080"))
        // The stale chain is emptied first and deleted last, after its referrers were rewritten.
        let flush = lines.firstIndex(of: "flush chain ip swiftlet \(gone)")!
        let delete = lines.firstIndex(of: "delete chain ip swiftlet \(gone)")!
        let refill = lines.lastIndex { $0.hasPrefix("add rule") }!
        XCTAssertLessThan(flush, refill)
        XCTAssertLessThan(refill, delete)
        XCTAssertEqual(delete, lines.count - 1)
        // The map element keeps its value (same service chain), so it is neither deleted nor re-added.
        XCTAssertFalse(tx.contains("element"), tx)
    }

    func testServiceRemovedAndAdded() {
        let (api, apiSlice) = other()
        let before = SPFixture.render([SPFixture.web()], [SPFixture.webSlice()])
        let after = SPFixture.render([api], [apiSlice])
        let lines = try! XCTUnwrap(after.incrementalCommands(from: before)).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "delete element ip swiftlet cluster-ips { 10.96.0.10 }")
        XCTAssertTrue(lines.contains("delete element ip swiftlet service-ips { 10.96.0.10 . tcp . 80 }"))
        XCTAssertTrue(lines.contains("add element ip swiftlet cluster-ips { 10.96.0.30 }"))
        XCTAssertTrue(lines.contains { $0.hasPrefix("add element ip swiftlet service-ips { 10.96.0.30 . tcp . 443 : goto service-") })
        XCTAssertEqual(lines.filter { $0.hasPrefix("delete chain") }.count, 3, "service chain + 2 endpoint chains")

        // Losing every endpoint: from a DNAT target to a reject.
        let none = SPFixture.render([SPFixture.web()], [])
        let tx = try! XCTUnwrap(none.incrementalCommands(from: before))
        XCTAssertTrue(tx.contains("delete element ip swiftlet service-ips { 10.96.0.10 . tcp . 80 }"))
        XCTAssertTrue(tx.contains("add element ip swiftlet no-endpoint-services { 10.96.0.10 . tcp . 80 : goto reject-chain }"))
    }

    func testAffinitySetsKeptWhenUnchanged() {
        let sticky = SPFixture.web { $0["spec"]["sessionAffinity"] = "ClientIP" }
        let before = SPFixture.render([sticky], [SPFixture.webSlice()])
        let after = SPFixture.render([sticky], [SPFixture.webSlice([SPFixture.endpoint("10.244.0.5")])])
        let tx = try! XCTUnwrap(after.incrementalCommands(from: before))
        let kept = "affinity-" + ChainNames.endpointBase(namespace: "default", name: "web", proto: "tcp", portName: "http",
                                                         ip: "10.244.0.5", port: 8080)
        let gone = "affinity-" + ChainNames.endpointBase(namespace: "default", name: "web", proto: "tcp", portName: "http",
                                                         ip: "10.244.0.6", port: 8080)
        XCTAssertFalse(tx.contains("add set ip swiftlet \(kept)"), "existing affinity entries must survive")
        XCTAssertTrue(tx.contains("delete set ip swiftlet \(gone)"))
    }

    func testSkeletonChangeFallsBackToFullSync() {
        let r = SPFixture.render([SPFixture.web()], [SPFixture.webSlice()])
        var cfg = SPFixture.config
        cfg.nodeIPs = ["192.0.2.3"]
        let r2 = SPFixture.render([SPFixture.web()], [SPFixture.webSlice()], config: cfg)
        XCTAssertEqual(r2.incrementalCommands(from: r), r2.fullSyncCommands())
    }
}
