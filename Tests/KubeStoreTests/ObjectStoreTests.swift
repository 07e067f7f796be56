import Foundation
import KubeAPI
import XCTest

@testable import KubeStore

final class ObjectStoreTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func open(historyLimit: Int = 100) throws -> ObjectStore {
        try ObjectStore(path: dir.appendingPathComponent("state.db").path, historyLimit: historyLimit)
    }

    func configMap(_ name: String, _ ns: String = "default", data: String = "x") -> JSON {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "namespace": .string(ns)],
         "data": ["k": .string(data)]]
    }

    func testResourceVersionsIncreaseAcrossKindsAndRestarts() throws {
        var store = try open()
        let a = try store.create("configmaps", configMap("a"))
        let b = try store.create("secrets", configMap("b"))
        XCTAssertEqual(a.resourceVersion, "1")
        XCTAssertEqual(b.resourceVersion, "2")
        store = try open()
        let c = try store.create("configmaps", configMap("c"))
        XCTAssertEqual(c.resourceVersion, "3")
        XCTAssertEqual(store.get(ObjectKey("configmaps", "default", "a"))?["data"]["k"], "x")
    }

    func testCreateTwiceIsAlreadyExists() throws {
        let store = try open()
        _ = try store.create("configmaps", configMap("a"))
        XCTAssertThrowsError(try store.create("configmaps", configMap("a"))) { e in
            XCTAssertEqual(e as? StoreError, .alreadyExists(ObjectKey("configmaps", "default", "a")))
        }
    }

    func testStaleResourceVersionIsConflict() throws {
        let store = try open()
        let a = try store.create("configmaps", configMap("a"))
        _ = try store.update("configmaps", configMap("a", data: "y"), expectedResourceVersion: Int64(a.resourceVersion!)!)
        XCTAssertThrowsError(try store.update("configmaps", configMap("a", data: "z"), expectedResourceVersion: 1)) { e in
            guard case .conflict = e as? StoreError else { return XCTFail("expected conflict, got \(e)") }
        }
        XCTAssertEqual(store.get(ObjectKey("configmaps", "default", "a"))?["data"]["k"], "y")
    }

    func testListIsSortedAndScopedToNamespace() throws {
        let store = try open()
        for (n, ns) in [("b", "x"), ("a", "y"), ("c", "x")] { _ = try store.create("configmaps", configMap(n, ns)) }
        XCTAssertEqual(store.list("configmaps").items.compactMap(\.name), ["b", "c", "a"])
        XCTAssertEqual(store.list("configmaps", namespace: "x").items.compactMap(\.name), ["b", "c"])
        XCTAssertEqual(store.list("configmaps").resourceVersion, 3)
    }

    func testWatchResumesFromAResourceVersionAfterRestart() async throws {
        var store = try open()
        let first = try store.create("configmaps", configMap("a"))
        _ = try store.update("configmaps", configMap("a", data: "2"), expectedResourceVersion: nil)
        _ = try store.delete(ObjectKey("configmaps", "default", "a"))
        store = try open()
        let w = try store.watch("configmaps", namespace: nil, from: .after(Int64(first.resourceVersion!)!))
        _ = try store.create("configmaps", configMap("b"))
        var seen: [String] = []
        for await e in w.events {
            seen.append("\(e.type.rawValue) \(e.key.name) \(e.resourceVersion)")
            if seen.count == 3 { break }
        }
        w.stop()
        XCTAssertEqual(seen, ["MODIFIED a 2", "DELETED a 3", "ADDED b 4"])
    }

    func testCompactedHistoryIsGone() throws {
        let store = try open(historyLimit: 5)
        for i in 0..<20 { _ = try store.create("configmaps", configMap("c\(i)")) }
        XCTAssertThrowsError(try store.watch("configmaps", namespace: nil, from: .after(1))) { e in
            guard case .gone = e as? StoreError else { return XCTFail("expected gone, got \(e)") }
        }
        XCTAssertNoThrow(try store.watch("configmaps", namespace: nil, from: .after(19)))
    }

    func testResumptionOlderThanTheMemoryTailIsReadFromDisk() async throws {
        let path = dir.appendingPathComponent("state.db").path
        var store = try ObjectStore(path: path, historyLimit: 100, memoryWindow: 3)
        for i in 0..<10 {
            _ = try store.create("configmaps", configMap("c\(i)", i % 3 == 0 ? "other" : "default"))
            _ = try store.create("secrets", configMap("s\(i)"))
        }
        // Twenty changes, three of them in memory: a watch from resourceVersion 2 reads the rest from SQLite, then
        // follows live changes, with no gap or repeat at the seam. After a restart the same holds.
        for reopen in [false, true] {
            if reopen { store = try ObjectStore(path: path, historyLimit: 100, memoryWindow: 3) }
            let w = try store.watch("configmaps", namespace: "default", from: .after(2))
            let live = "live\(reopen)"
            _ = try store.create("configmaps", configMap(live))
            var seen: [String] = []
            for await e in w.events {
                seen.append(e.key.name)
                if e.key.name == live { break }
            }
            w.stop()
            XCTAssertEqual(seen, ["c1", "c2", "c4", "c5", "c7", "c8"] + (reopen ? ["livefalse"] : []) + [live])
        }
    }

    func testCompactionSurvivesARestart() throws {
        let path = dir.appendingPathComponent("state.db").path
        var store = try ObjectStore(path: path, historyLimit: 5, memoryWindow: 2)
        for i in 0..<20 { _ = try store.create("configmaps", configMap("c\(i)")) }
        store = try ObjectStore(path: path, historyLimit: 5, memoryWindow: 2)
        // Compaction keeps the last five changes once ten have gathered: 16...20 remain after the twentieth.
        XCTAssertThrowsError(try store.watch("configmaps", namespace: nil, from: .after(14))) { e in
            XCTAssertEqual(e as? StoreError, .gone(requested: 14, oldest: 15))
        }
        XCTAssertNoThrow(try store.watch("configmaps", namespace: nil, from: .after(15)))
    }

    func testListAtAnEarlierResourceVersionUndoesLaterChanges() throws {
        // With the changes since in memory, and read back from SQLite.
        for window in [5, 2] { try listAtAnEarlierResourceVersion(memoryWindow: window) }
    }

    func listAtAnEarlierResourceVersion(memoryWindow: Int) throws {
        let path = dir.appendingPathComponent("state-\(memoryWindow).db").path
        let store = try ObjectStore(path: path, historyLimit: 5, memoryWindow: memoryWindow)
        _ = try store.create("configmaps", configMap("a"))
        _ = try store.create("configmaps", configMap("b"))
        _ = try store.create("secrets", configMap("s"))
        let rv = store.currentResourceVersion
        _ = try store.update("configmaps", configMap("a", data: "changed"), expectedResourceVersion: nil)
        _ = try store.delete(ObjectKey("configmaps", "default", "b"))
        _ = try store.create("configmaps", configMap("c"))
        _ = try store.create("configmaps", configMap("d", "other"))

        let then = try store.list("configmaps", at: rv)
        XCTAssertEqual(then.map { $0.name }, ["a", "b"])
        XCTAssertEqual(then[0]["data"]["k"], "x")
        XCTAssertEqual(try store.list("configmaps", namespace: "other", at: rv).count, 0)
        XCTAssertEqual(try store.list("configmaps", at: store.currentResourceVersion).map { $0.name },
                       store.list("configmaps").items.map { $0.name })

        // Once the history no longer reaches back there, the snapshot is gone.
        for i in 0..<10 { _ = try store.create("configmaps", configMap("more-\(i)")) }
        XCTAssertThrowsError(try store.list("configmaps", at: rv)) { error in
            guard case StoreError.gone(let requested, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(requested, rv)
        }
    }

    func testInitialStateWatchListsThenFollows() async throws {
        let store = try open()
        _ = try store.create("configmaps", configMap("a", "x"))
        _ = try store.create("configmaps", configMap("b", "y"))
        let w = try store.watch("configmaps", namespace: "x", from: .initialState)
        _ = try store.create("configmaps", configMap("c", "y"))
        _ = try store.create("configmaps", configMap("d", "x"))
        var seen: [String] = []
        for await e in w.events {
            seen.append("\(e.type.rawValue) \(e.key.name)")
            if seen.count == 2 { break }
        }
        w.stop()
        XCTAssertEqual(seen, ["ADDED a", "ADDED d"])
    }

    func testMutateKeepDoesNotBumpTheVersion() throws {
        let store = try open()
        _ = try store.create("configmaps", configMap("a"))
        try store.mutate(ObjectKey("configmaps", "default", "a")) { _ in .keep }
        XCTAssertEqual(store.currentResourceVersion, 1)
    }
}
