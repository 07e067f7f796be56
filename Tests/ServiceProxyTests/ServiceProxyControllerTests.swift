import KubeAPI
import KubeClient
import KubeClientTesting
import Logging
import Synchronization
import XCTest
@testable import ServiceProxy

/// Records transactions instead of applying them; can refuse the first few.
final class SPRecordingRunner: NftablesRunner {
    private let state = Mutex<(commands: [String], failuresLeft: Int)>(([], 0))

    init(failFirst: Int = 0) { state.withLock { $0.failuresLeft = failFirst } }

    var transactions: [String] { state.withLock { $0.commands } }

    func run(_ commands: String, table: String, json: Bool) throws -> String {
        try state.withLock { s in
            s.commands.append(commands)
            if s.failuresLeft > 0 {
                s.failuresLeft -= 1
                throw NftablesError(operation: "nft_run_cmd_from_buffer", table: table, message: "refused for the test")
            }
            return ""
        }
    }
}

/// Polls `condition` until it holds or `timeout` passes (no fixed sleeps in tests).
func spWaitUntil(_ what: String, timeout: Duration = .seconds(10), file: StaticString = #filePath, line: UInt = #line,
                 _ condition: () throws -> Bool) async rethrows {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return }
        try? await Task.sleep(for: .milliseconds(20))
    }
    XCTFail("timed out waiting for \(what)", file: file, line: line)
}

final class ServiceProxyControllerTests: XCTestCase {
    func makeProxy(_ client: MemoryClient, _ runner: SPRecordingRunner, interval: Duration = .milliseconds(50)) -> ServiceProxy {
        var cfg = SPFixture.config
        cfg.tableName = "sltest_fake"
        cfg.minSyncInterval = interval
        return ServiceProxy(client: client, config: cfg, logger: Logger(label: "test"), nftables: runner)
    }

    func testFirstSyncIsFullThenOnlyChangesFollow() async throws {
        let client = MemoryClient()
        client.seed(.services, SPFixture.web())
        client.seed(.endpointSlices, SPFixture.webSlice())
        let runner = SPRecordingRunner()
        let proxy = makeProxy(client, runner)
        let task = Task { await proxy.run() }
        defer { task.cancel() }

        await spWaitUntil("the first sync") { runner.transactions.count == 1 }
        XCTAssertTrue(runner.transactions[0].hasPrefix("add table ip sltest_fake"))
        XCTAssertTrue(runner.transactions[0].contains("delete table ip sltest_fake"))
        XCTAssertTrue(runner.transactions[0].contains("dnat to 10.244.0.6:8080"))

        client.seed(.endpointSlices, SPFixture.webSlice([SPFixture.endpoint("10.244.0.5"), SPFixture.endpoint("10.244.0.9")]))
        await spWaitUntil("the incremental sync") { runner.transactions.count == 2 }
        let tx = runner.transactions[1]
        XCTAssertFalse(tx.contains("table ip sltest_fake {"), tx)
        XCTAssertTrue(tx.contains("dnat to 10.244.0.9:8080"), tx)
        XCTAssertFalse(tx.contains("dnat to 10.244.0.5:8080"), "unchanged endpoint chains are kept: \(tx)")

        // A change the rules do not depend on (an annotation) triggers a sync that writes nothing.
        let synced = proxy.syncCount
        client.seed(.services, SPFixture.web { $0["metadata"]["annotations"] = ["note": "x"] })
        await spWaitUntil("the no-op sync") { proxy.syncCount > synced }
        XCTAssertEqual(runner.transactions.count, 2)

        let stats = proxy.stats
        XCTAssertEqual(stats.fullSyncs, 1)
        XCTAssertEqual(stats.failures, 0)
        XCTAssertNotNil(stats.lastSyncDuration)
        XCTAssertEqual(proxy.appliedRuleset?.services.keys.sorted(), ["default/web"])
    }

    func testBurstsAreCoalesced() async throws {
        let client = MemoryClient()
        client.seed(.services, SPFixture.web())
        let runner = SPRecordingRunner()
        let proxy = makeProxy(client, runner, interval: .milliseconds(400))
        let task = Task { await proxy.run() }
        defer { task.cancel() }
        await spWaitUntil("the first sync") { runner.transactions.count == 1 }

        for i in 1...30 {
            client.seed(.endpointSlices, SPFixture.webSlice([SPFixture.endpoint("10.244.1.\(i)")]))
        }
        await spWaitUntil("the last endpoint") { proxy.appliedRuleset?.allChains.contains { $0.name.hasSuffix("__10.244.1.30/8080") } ?? false }
        XCTAssertLessThanOrEqual(runner.transactions.count, 4, "30 changes in a burst need only a few syncs")
    }

    func testRefusedTransactionIsRetriedInFull() async throws {
        let client = MemoryClient()
        client.seed(.services, SPFixture.web())
        client.seed(.endpointSlices, SPFixture.webSlice())
        let runner = SPRecordingRunner(failFirst: 1)
        let proxy = makeProxy(client, runner)
        let task = Task { await proxy.run() }
        defer { task.cancel() }

        await spWaitUntil("the retry") { runner.transactions.count == 2 }
        XCTAssertEqual(runner.transactions[0], runner.transactions[1])
        await spWaitUntil("stats") { proxy.stats.fullSyncs == 1 }
        XCTAssertEqual(proxy.stats.failures, 1)
        XCTAssertNotNil(proxy.appliedRuleset)
    }

    func testPeriodicFullSyncWhenConfigured() async throws {
        let client = MemoryClient()
        client.seed(.services, SPFixture.web())
        let runner = SPRecordingRunner()
        var cfg = SPFixture.config
        cfg.tableName = "sltest_fake"
        cfg.fullSyncInterval = .milliseconds(500)
        let proxy = ServiceProxy(client: client, config: cfg, logger: Logger(label: "test"), nftables: runner)
        let task = Task { await proxy.run() }
        defer { task.cancel() }
        await spWaitUntil("a second full sync") { proxy.stats.fullSyncs >= 2 }
        XCTAssertTrue(runner.transactions.allSatisfy { $0.contains("delete table ip sltest_fake") })
    }

    func testRunEndsWhenCancelled() async throws {
        let client = MemoryClient()
        let proxy = makeProxy(client, SPRecordingRunner())
        let task = Task { await proxy.run() }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let done = Task {
            await task.value
            return true
        }
        let finished = await withTaskGroup(of: Bool.self) { g in
            g.addTask { await done.value }
            g.addTask {
                try? await Task.sleep(for: .seconds(5))
                return false
            }
            let first = await g.next()!
            g.cancelAll()
            return first
        }
        XCTAssertTrue(finished, "run() must return soon after cancellation")
    }
}
