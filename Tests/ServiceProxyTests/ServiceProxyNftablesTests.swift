import Foundation
import KubeAPI
import KubeClient
import KubeClientTesting
import Logging
import XCTest
@testable import ServiceProxy

/// Applies rendered rulesets with the real libnftables into test-only tables (root).
final class ServiceProxyNftablesTests: XCTestCase {
    let nft = LibNftables()

    /// One table per test (`sltest_<test>`), so tests may run in parallel processes.
    var table: String {
        let method = name.split(separator: ".").last.map(String.init) ?? name
        let short = method.replacingOccurrences(of: "test", with: "").filter { $0.isLetter || $0.isNumber }.lowercased()
        return "sltest_" + String(short.prefix(24))
    }
    var controllerTable: String { table + "_ctl" }

    var config: ProxyConfig {
        ProxyConfig(tableName: table, serviceCIDR: "10.251.1.0/24", nodeIPs: ["10.250.78.1"], nodeName: "node-1",
                    bridgeName: "sltsp9")
    }

    override func setUp() {
        SPSystem.requireRoot()
        SPSystem.deleteTable(table)
        SPSystem.deleteTable(controllerTable)
    }

    var proxyTask: Task<Void, Never>?

    override func tearDown() async throws {
        proxyTask?.cancel()
        await proxyTask?.value
        SPSystem.deleteTable(table)
        SPSystem.deleteTable(controllerTable)
        XCTAssertFalse(SPSystem.tableExists(table))
    }

    func web(_ endpoints: [String] = ["10.250.78.2", "10.250.78.3"]) -> (JSON, JSON) {
        let svc = SPFixture.service("web", type: "LoadBalancer", clusterIP: "10.251.1.10",
                                    ports: [SPFixture.port("http", 80, nodePort: 30080), SPFixture.port("dns", 53, proto: "UDP")]) { s in
            s["spec"]["sessionAffinity"] = "ClientIP"
            s["spec"]["externalTrafficPolicy"] = "Local"
            s["spec"]["loadBalancerSourceRanges"] = ["10.250.0.0/16"]
            s["status"] = ["loadBalancer": ["ingress": [["ip": "10.252.0.1"]]]]
        }
        let slice = SPFixture.slice("web-1", service: "web",
                                    ports: [SPFixture.slicePort("http", 8080), SPFixture.slicePort("dns", 5353, proto: "UDP")],
                                    endpoints: endpoints.map { SPFixture.endpoint($0) })
        return (svc, slice)
    }

    var api: (JSON, JSON) {
        (SPFixture.service("api", clusterIP: "10.251.1.20", ports: [SPFixture.port(443)]),
         SPFixture.slice("api-1", service: "api", ports: [SPFixture.slicePort(6443)], endpoints: [SPFixture.endpoint("10.250.78.4")]))
    }

    var empty: JSON { SPFixture.service("empty", clusterIP: "10.251.1.11", ports: [SPFixture.port(80)]) }

    func testFullRulesetAppliesAndListsBack() throws {
        let (web, webSlice) = self.web()
        let r = ProxyRenderer(config: config).render(services: [web, api.0, empty], endpointSlices: [webSlice, api.1])
        _ = try nft.run(r.fullSyncCommands(), table: table)

        let listing = try SPSystem.nftTable(table)
        XCTAssertEqual(listing.chainNames, Set(r.allChains.map(\.name)))
        let svcIPs = listing.verdicts("service-ips")
        let webBase = ChainNames.servicePortBase(namespace: "default", name: "web", proto: "tcp", portName: "http")
        XCTAssertEqual(svcIPs["10.251.1.10 . tcp . 80"], "goto service-\(webBase)")
        XCTAssertEqual(svcIPs["10.252.0.1 . tcp . 80"], "goto external-\(webBase)")
        XCTAssertNotNil(svcIPs["10.251.1.10 . udp . 53"])
        XCTAssertNotNil(svcIPs["10.251.1.20 . tcp . 443"])
        XCTAssertEqual(listing.verdicts("no-endpoint-services")["10.251.1.11 . tcp . 80"], "goto reject-chain")
        XCTAssertEqual(listing.verdicts("service-nodeports")["tcp . 30080"], "goto external-\(webBase)")
        XCTAssertEqual(listing.verdicts("firewall-ips")["10.252.0.1 . tcp . 80"], "goto firewall-\(webBase)")
        XCTAssertEqual(Set(listing.keys("cluster-ips")), ["10.251.1.10", "10.251.1.11", "10.251.1.20"])
        XCTAssertEqual(listing.keys("nodeport-ips"), ["10.250.78.1"])
        XCTAssertTrue(listing.setNames.contains { $0.hasPrefix("affinity-") && $0.hasSuffix("__10.250.78.2/8080") })

        // Applying the same full sync again is fine (the table is replaced, not merged).
        _ = try nft.run(r.fullSyncCommands(), table: table)
        XCTAssertEqual(try SPSystem.nftTable(table).chainNames, listing.chainNames)
    }

    func testNodeLocalDNSNotrackChainsApply() throws {
        var config = self.config
        config.nodeLocalDNS = "10.251.1.53"
        let r = ProxyRenderer(config: config).render(services: [], endpointSlices: [])
        _ = try nft.run(r.fullSyncCommands(), table: table)
        let names = try SPSystem.nftTable(table).chainNames
        XCTAssertTrue(names.isSuperset(of: ["raw-prerouting", "raw-output"]), "\(names)")
    }

    func testIncrementalUpdateChangesOnlyThatService() throws {
        let (web, webSlice) = self.web()
        let renderer = ProxyRenderer(config: config)
        let before = renderer.render(services: [web, api.0, empty], endpointSlices: [webSlice, api.1])
        _ = try nft.run(before.fullSyncCommands(), table: table)
        let listed = try SPSystem.nftTable(table)

        let (_, webSlice2) = self.web(["10.250.78.2", "10.250.78.5"])
        let after = renderer.render(services: [web, api.0, empty], endpointSlices: [webSlice2, api.1])
        let tx = try XCTUnwrap(after.incrementalCommands(from: before))
        _ = try nft.run(tx, table: table)
        let relisted = try SPSystem.nftTable(table)

        XCTAssertEqual(relisted.chainNames, Set(after.allChains.map(\.name)))
        XCTAssertTrue(relisted.chainNames.contains { $0.hasSuffix("__10.250.78.5/8080") })
        XCTAssertFalse(relisted.chainNames.contains { $0.hasSuffix("__10.250.78.3/8080") })
        XCTAssertFalse(relisted.setNames.contains { $0.hasSuffix("__10.250.78.3/8080") })
        // Rules of other Services and of unchanged chains keep their handles: they were not rewritten.
        let apiChains = after.services["default/api"]!.chains.map(\.name)
        let kept = after.services["default/web"]!.chains.map(\.name).filter { $0.hasSuffix("__10.250.78.2/8080") }
        for chain in apiChains + kept + ["services", "nat-output", "masquerading"] {
            XCTAssertFalse(listed.ruleHandles(chain).isEmpty, chain)
            XCTAssertEqual(listed.ruleHandles(chain), relisted.ruleHandles(chain), chain)
        }
        let webService = "service-" + ChainNames.servicePortBase(namespace: "default", name: "web", proto: "tcp", portName: "http")
        XCTAssertNotEqual(listed.ruleHandles(webService), relisted.ruleHandles(webService))

        // Deleting a Service and losing all endpoints of another, in one transaction.
        let last = renderer.render(services: [web, empty], endpointSlices: [])
        _ = try nft.run(try XCTUnwrap(last.incrementalCommands(from: after)), table: table)
        let final = try SPSystem.nftTable(table)
        XCTAssertEqual(final.chainNames, Set(last.allChains.map(\.name)))
        XCTAssertEqual(final.verdicts("no-endpoint-services")["10.251.1.10 . tcp . 80"], "goto reject-chain")
        XCTAssertEqual(final.verdicts("no-endpoint-nodeports")["tcp . 30080"], "goto reject-chain")
        XCTAssertNil(final.verdicts("service-ips")["10.251.1.20 . tcp . 443"])
        XCTAssertEqual(Set(final.keys("cluster-ips")), ["10.251.1.10", "10.251.1.11"])
        XCTAssertFalse(final.setNames.contains { $0.hasPrefix("affinity-") })
    }

    func testFullSyncClearsLeftoversOfACrashedRun() throws {
        _ = try nft.run("""
            add table ip \(table)
            add chain ip \(table) nat-output { type nat hook output priority 0; policy accept; }
            add chain ip \(table) service-STALE-default/gone/tcp/
            add map ip \(table) service-ips { type ipv4_addr . inet_proto . inet_service : verdict; }
            add element ip \(table) service-ips { 10.251.1.99 . tcp . 80 : goto service-STALE-default/gone/tcp/ }
            """, table: table)
        let r = ProxyRenderer(config: config).render(services: [api.0], endpointSlices: [api.1])
        _ = try nft.run(r.fullSyncCommands(), table: table)
        let listing = try SPSystem.nftTable(table)
        XCTAssertFalse(listing.chainNames.contains("service-STALE-default/gone/tcp/"))
        XCTAssertEqual(listing.keys("service-ips"), ["10.251.1.20 . tcp . 443"])
    }

    func testUninstallRemovesTheTable() throws {
        let r = ProxyRenderer(config: config).render(services: [api.0], endpointSlices: [api.1])
        _ = try nft.run(r.fullSyncCommands(), table: table)
        XCTAssertTrue(SPSystem.tableExists(table))
        XCTAssertNotNil(try nft.listTableJSON(table))
        try ServiceProxy.uninstall(tableName: table)
        XCTAssertFalse(SPSystem.tableExists(table))
        XCTAssertNil(try nft.listTableJSON(table))
        try ServiceProxy.uninstall(tableName: table) // idempotent
    }

    func testErrorsNameTheOperationAndQuoteNft() {
        XCTAssertThrowsError(try nft.run("add rule ip \(table) nowhere accept", table: table)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("nft_run_cmd_from_buffer on table ip \(table): "), text)
            XCTAssertTrue(text.contains("nowhere"), text)
        }
    }

    /// The controller end to end against the real kernel: informers → render → libnftables.
    func testControllerProgramsTheKernel() async throws {
        let client = MemoryClient()
        client.seed(.services, api.0)
        client.seed(.endpointSlices, api.1)
        client.seed(.services, empty)
        var cfg = config
        cfg.tableName = controllerTable
        let proxy = ServiceProxy(client: client, config: cfg)
        let task = Task { await proxy.run() }
        proxyTask = task

        await spWaitUntil("the api Service in the kernel") {
            (try? SPSystem.nftTable(controllerTable).verdicts("service-ips")["10.251.1.20 . tcp . 443"]) != nil
        }
        XCTAssertEqual(try SPSystem.nftTable(controllerTable).verdicts("no-endpoint-services")["10.251.1.11 . tcp . 80"],
                       "goto reject-chain")

        client.seed(.endpointSlices, SPFixture.slice("empty-1", service: "empty", ports: [SPFixture.slicePort(8080)],
                                                     endpoints: [SPFixture.endpoint("10.250.78.9")]))
        await spWaitUntil("the endpoint of the formerly empty Service") {
            (try? SPSystem.nftTable(controllerTable).verdicts("service-ips")["10.251.1.11 . tcp . 80"]) != nil
        }
        XCTAssertNil(try SPSystem.nftTable(controllerTable).verdicts("no-endpoint-services")["10.251.1.11 . tcp . 80"])
        XCTAssertEqual(proxy.stats.fullSyncs, 1)
        XCTAssertEqual(proxy.stats.failures, 0)
        XCTAssertGreaterThanOrEqual(proxy.syncCount, 2)
        XCTAssertNotNil(proxy.lastSyncDuration)

        // Someone removes the table behind the proxy's back: the next partial update fails and a full
        // rewrite restores everything.
        SPSystem.deleteTable(controllerTable)
        client.seed(.endpointSlices, SPFixture.slice("api-1", service: "api", ports: [SPFixture.slicePort(6443)],
                                                     endpoints: [SPFixture.endpoint("10.250.78.8")]))
        await spWaitUntil("the rebuilt table") {
            (try? SPSystem.nftTable(controllerTable).chainNames.contains { $0.hasSuffix("__10.250.78.8/6443") }) == true
        }
        XCTAssertNotNil(try SPSystem.nftTable(controllerTable).verdicts("service-ips")["10.251.1.11 . tcp . 80"])
        XCTAssertEqual(proxy.stats.partialSyncFailures, 1)
        XCTAssertEqual(proxy.stats.fullSyncs, 2)
        XCTAssertEqual(proxy.stats.failures, 0)
        task.cancel()
        await task.value
        try ServiceProxy.uninstall(tableName: controllerTable)
        XCTAssertFalse(SPSystem.tableExists(controllerTable))
    }
}
