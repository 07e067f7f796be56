import Foundation
import XCTest
import KubeAPI
@testable import Controllers

/// The pure parts: repacking subsets, truncation, the trigger-time format and the slice reconciler.
final class NetworkingRepackTests: XCTestCase {
    func address(_ ip: String, uid: String = "") -> JSON { ["ip": .string(ip), "targetRef": ["kind": "Pod", "uid": .string(uid)]] }
    func port(_ n: Int64, _ name: String = "") -> JSON {
        var p: JSON = ["port": .int(n), "protocol": "TCP"]
        if !name.isEmpty { p["name"] = .string(name) }
        return p
    }

    func testRepackGroupsAddressesOfferingTheSamePorts() {
        let pieces: [JSON] = [
            ["addresses": [address("10.0.0.2", uid: "b")], "ports": [port(80, "http")]],
            ["addresses": [address("10.0.0.2", uid: "b")], "ports": [port(443, "https")]],
            ["addresses": [address("10.0.0.1", uid: "a")], "ports": [port(80, "http")]],
            ["notReadyAddresses": [address("10.0.0.1", uid: "a")], "ports": [port(443, "https")]],
        ]
        let subsets = Net.Repacking.repack(pieces)
        XCTAssertEqual(subsets, [
            ["addresses": [address("10.0.0.1", uid: "a"), address("10.0.0.2", uid: "b")], "ports": [port(80, "http")]],
            ["addresses": [address("10.0.0.2", uid: "b")], "notReadyAddresses": [address("10.0.0.1", uid: "a")],
             "ports": [port(443, "https")]],
        ])
    }

    func testRepackMergesPortsOfTheSameAddressSetAndKeepsPortlessAddresses() {
        let pieces: [JSON] = [
            ["addresses": [address("10.0.0.1")], "ports": [port(443)]],
            ["addresses": [address("10.0.0.1")], "ports": [port(80)]],
        ]
        XCTAssertEqual(Net.Repacking.repack(pieces), [["addresses": [address("10.0.0.1")], "ports": [port(80), port(443)]]])
        XCTAssertEqual(Net.Repacking.repack([["addresses": [address("10.0.0.9")]]]), [["addresses": [address("10.0.0.9")]]])
        XCTAssertEqual(Net.Repacking.repack([]), [])
    }

    func testTruncationKeepsReadyAddressesFirst() {
        var subsets: [JSON] = [[
            "addresses": .array((0..<900).map { address("10.0.\($0 / 256).\($0 % 256)") }),
            "notReadyAddresses": .array((0..<300).map { address("10.1.\($0 / 256).\($0 % 256)") }),
            "ports": [port(80)],
        ]]
        XCTAssertTrue(Net.Repacking.truncate(&subsets))
        XCTAssertEqual(subsets[0]["addresses"].elements.count, 900)
        XCTAssertEqual(subsets[0]["notReadyAddresses"].elements.count, 100)
        var small: [JSON] = [["addresses": [address("10.0.0.1")]]]
        XCTAssertFalse(Net.Repacking.truncate(&small))
    }

    func testTriggerTimeFormatsAsRFC3339Nano() {
        XCTAssertEqual(Net.rfc3339Nano(parseRFC3339("2026-01-01T00:00:10Z")!), "2026-01-01T00:00:10Z")
        XCTAssertEqual(Net.rfc3339Nano(parseRFC3339("2026-01-01T00:00:10.250Z")!), "2026-01-01T00:00:10.25Z")
    }

    func testTriggerTimeIsTheEarliestChangeSinceTheLastSync() {
        let tracker = Net.TriggerTimeTracker()
        let service: JSON = ["metadata": ["name": "s", "creationTimestamp": "2026-01-01T00:00:05Z"]]
        let a = NetworkingFixtures.pod("a", ip: "10.0.0.1", readySince: "2026-01-01T00:00:10Z")
        let b = NetworkingFixtures.pod("b", ip: "10.0.0.2", readySince: "2026-01-01T00:00:20Z")
        XCTAssertEqual(tracker.compute(key: "default/s", service: service, pods: [a, b]), parseRFC3339("2026-01-01T00:00:05Z"))
        XCTAssertNil(tracker.compute(key: "default/s", service: service, pods: [a, b]))
        let b2 = NetworkingFixtures.setReady(b, false, at: "2026-01-01T00:01:00Z")
        XCTAssertEqual(tracker.compute(key: "default/s", service: service, pods: [a, b2]), parseRFC3339("2026-01-01T00:01:00Z"))
    }

    func testReconcilerTurnsCreateAndDeleteIntoAnUpdate() {
        let reconciler = Net.SliceReconciler(controllerName: "endpointslice-controller.k8s.io", maxEndpointsPerSlice: 100)
        var service = NetworkingFixtures.service("my-nginx")
        service["metadata"]["uid"] = "svc-uid"
        // An existing slice whose ports no longer match (the service's target port changed).
        var old = Net.SliceBuilder.newSlice(service: service, ports: [["name": "", "port": 8080, "protocol": "TCP"]],
                                            addressType: "IPv4", controllerName: "endpointslice-controller.k8s.io")
        old["metadata"]["name"] = "my-nginx-abcde"
        old["metadata"]["resourceVersion"] = "7"
        let pod = NetworkingFixtures.pod("a", ip: "10.0.0.1")
        let node = NetworkingFixtures.node("node-1", internalIP: "192.168.1.10")
        let plan = reconciler.plan(service: service, pods: [pod], existing: [old], node: { $0 == "node-1" ? node : nil })
        XCTAssertTrue(plan.creates.isEmpty)
        XCTAssertTrue(plan.deletes.isEmpty)
        XCTAssertEqual(plan.updates.count, 1)
        XCTAssertEqual(plan.updates[0].name, "my-nginx-abcde")
        XCTAssertEqual(plan.updates[0]["ports"], [["name": "", "port": 80, "protocol": "TCP"]])
        XCTAssertEqual(plan.updates[0]["endpoints"].elements.count, 1)
    }

    func testReconcilerLeavesAnUpToDateSliceAlone() {
        let reconciler = Net.SliceReconciler(controllerName: "endpointslice-controller.k8s.io", maxEndpointsPerSlice: 100)
        var service = NetworkingFixtures.service("my-nginx")
        service["metadata"]["uid"] = "svc-uid"
        let pod = NetworkingFixtures.pod("a", ip: "10.0.0.1")
        let node = NetworkingFixtures.node("node-1", internalIP: "192.168.1.10")
        let first = reconciler.plan(service: service, pods: [pod], existing: [], node: { _ in node })
        XCTAssertEqual(first.creates.count, 1)
        var stored = first.creates[0]
        stored["metadata"]["name"] = "my-nginx-abcde"
        let second = reconciler.plan(service: service, pods: [pod], existing: [stored], node: { _ in node })
        XCTAssertTrue(second.isEmpty)
    }
}
