import Foundation
import XCTest
import KubeAPI
import KubeClient
import KubeClientTesting
@testable import Controllers

final class NetworkingEndpointSliceControllerTests: XCTestCase {
    typealias F = NetworkingFixtures

    func controller(_ h: NetworkingHarness, max: Int = 100) -> EndpointSliceController {
        EndpointSliceController(context: h.context, maxEndpointsPerSlice: max, sliceChangeDelay: 0.02)
    }

    func seedNodes(_ h: NetworkingHarness) {
        var node = F.node("node-1", internalIP: "192.168.1.10")
        node["metadata"]["labels"] = ["topology.kubernetes.io/zone": "zone-a"]
        h.client.seed(.nodes, node)
    }

    func ips(_ slice: JSON) -> [String] { slice["endpoints"].elements.compactMap { $0["addresses"][0].string } }

    func testSliceForTwoReadyPods() async {
        let h = NetworkingHarness()
        seedNodes(h)
        h.client.seed(.pods, F.pod("my-nginx-a", ip: "10.244.0.11"))
        h.client.seed(.pods, F.pod("my-nginx-b", ip: "10.244.0.5"))
        h.client.seed(.services, F.service("my-nginx"))
        h.start([controller(h)])
        defer { h.stop() }

        await h.eventually("a slice with both pods") { await h.slices(of: "my-nginx").first.map(self.ips)?.count == 2 }
        let all = await h.slices(of: "my-nginx")
        XCTAssertEqual(all.count, 1)
        let slice = all[0]
        let service = await h.get(.services, "my-nginx")!
        XCTAssertTrue(slice.name!.hasPrefix("my-nginx-"))
        XCTAssertEqual(slice.name!.count, "my-nginx-".count + 5)
        XCTAssertEqual(slice["metadata"]["generateName"], "my-nginx-")
        XCTAssertEqual(slice.kind, "EndpointSlice")
        XCTAssertEqual(slice.apiVersion, "discovery.k8s.io/v1")
        XCTAssertEqual(slice.labels, ["kubernetes.io/service-name": "my-nginx",
                                      "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                                      "run": "my-nginx"])
        XCTAssertEqual(slice["metadata"]["ownerReferences"], [["apiVersion": "v1", "kind": "Service", "name": "my-nginx",
                                                               "uid": .string(service.uid!), "controller": true,
                                                               "blockOwnerDeletion": true]])
        XCTAssertEqual(slice["addressType"], "IPv4")
        XCTAssertEqual(slice["ports"], [["name": "", "port": 80, "protocol": "TCP"]])
        XCTAssertEqual(ips(slice), ["10.244.0.5", "10.244.0.11"])
        let endpoint = slice["endpoints"][0]
        XCTAssertEqual(endpoint["conditions"], ["ready": true, "serving": true, "terminating": false])
        XCTAssertEqual(endpoint["nodeName"], "node-1")
        XCTAssertEqual(endpoint["zone"], "zone-a")
        XCTAssertEqual(endpoint["targetRef"]["kind"], "Pod")
        XCTAssertEqual(endpoint["targetRef"]["name"], "my-nginx-b")
        XCTAssertNotNil(slice.annotations["endpoints.kubernetes.io/last-change-trigger-time"])
    }

    func testReadinessChangesUpdateTheSliceInPlace() async {
        let h = NetworkingHarness()
        seedNodes(h)
        h.client.seed(.pods, F.pod("my-nginx-a", ip: "10.244.0.5"))
        h.client.seed(.pods, F.pod("my-nginx-b", ip: "10.244.0.6"))
        h.client.seed(.services, F.service("my-nginx"))
        h.start([controller(h)])
        defer { h.stop() }
        await h.eventually("slice") { await h.slices(of: "my-nginx").first.map(self.ips)?.count == 2 }
        let name = await h.slices(of: "my-nginx")[0].name

        h.client.seed(.pods, F.setReady(await h.get(.pods, "my-nginx-b")!, false))
        await h.eventually("b not ready") {
            await h.slices(of: "my-nginx").first?["endpoints"][1]["conditions"]["ready"] == false
        }
        var slice = await h.slices(of: "my-nginx")[0]
        XCTAssertEqual(slice.name, name)
        XCTAssertEqual(slice["endpoints"][1]["conditions"], ["ready": false, "serving": false, "terminating": false])
        XCTAssertEqual(slice["endpoints"][0]["conditions"]["ready"], true)

        h.client.seed(.pods, F.setReady(await h.get(.pods, "my-nginx-b")!, true, at: "2026-01-01T00:02:00Z"))
        await h.eventually("b ready again") {
            await h.slices(of: "my-nginx").first?["endpoints"][1]["conditions"]["ready"] == true
        }

        // A pod being deleted stays listed as terminating: serving while still ready, never "ready".
        var terminating = await h.get(.pods, "my-nginx-a")!
        terminating["metadata"]["deletionTimestamp"] = "2026-01-01T00:05:00Z"
        h.client.seed(.pods, terminating)
        await h.eventually("a terminating") {
            await h.slices(of: "my-nginx").first?["endpoints"][0]["conditions"]["terminating"] == true
        }
        slice = await h.slices(of: "my-nginx")[0]
        XCTAssertEqual(slice["endpoints"][0]["conditions"], ["ready": false, "serving": true, "terminating": true])
        let count = await h.slices(of: "my-nginx").count
        XCTAssertEqual(count, 1)
    }

    func testPodsComingAndGoingAndThePlaceholder() async {
        let h = NetworkingHarness()
        seedNodes(h)
        h.client.seed(.services, F.service("my-nginx"))
        h.start([controller(h)])
        defer { h.stop() }

        // No pods yet: one empty placeholder slice.
        await h.eventually("placeholder") { await h.slices(of: "my-nginx").count == 1 }
        let placeholder = await h.slices(of: "my-nginx")[0]
        XCTAssertTrue(placeholder["endpoints"].elements.isEmpty)
        XCTAssertTrue(placeholder["ports"].elements.isEmpty)

        h.client.seed(.pods, F.pod("my-nginx-a", ip: "10.244.0.5"))
        await h.eventually("a listed") { await h.slices(of: "my-nginx").first.map(self.ips) == ["10.244.0.5"] }
        var current = await h.slices(of: "my-nginx")
        XCTAssertEqual(current.map(\.name), [placeholder.name], "the placeholder is reused")
        XCTAssertEqual(current[0]["ports"], [["name": "", "port": 80, "protocol": "TCP"]])

        h.client.seed(.pods, F.pod("my-nginx-b", ip: "10.244.0.6"))
        await h.eventually("b listed") { await h.slices(of: "my-nginx").first.map(self.ips) == ["10.244.0.5", "10.244.0.6"] }

        try? await h.client.delete(.pods, namespace: "default", name: "my-nginx-a", options: [:])
        await h.eventually("a gone") { await h.slices(of: "my-nginx").first.map(self.ips) == ["10.244.0.6"] }
        try? await h.client.delete(.pods, namespace: "default", name: "my-nginx-b", options: [:])
        await h.eventually("empty again") {
            let s = await h.slices(of: "my-nginx")
            return s.count == 1 && s[0]["endpoints"].elements.isEmpty
        }
        current = await h.slices(of: "my-nginx")
        XCTAssertEqual(current.map(\.name), [placeholder.name])
    }

    func testNamedTargetPortsGroupPodsBySlicePorts() async {
        let h = NetworkingHarness()
        seedNodes(h)
        h.client.seed(.pods, F.pod("a", ip: "10.244.0.5", containerPorts: [["name": "http", "containerPort": 8080, "protocol": "TCP"]]))
        h.client.seed(.pods, F.pod("b", ip: "10.244.0.6", containerPorts: [["name": "http", "containerPort": 9090, "protocol": "TCP"]]))
        h.client.seed(.pods, F.pod("c", ip: "10.244.0.7", containerPorts: []))
        h.client.seed(.services, F.service("my-nginx", ports: [["name": "web", "port": 80, "protocol": "TCP", "targetPort": "http"]]))
        h.start([controller(h)])
        defer { h.stop() }

        await h.eventually("three slices") { await h.slices(of: "my-nginx").count == 3 }
        let byPort = Dictionary(await h.slices(of: "my-nginx").map { ($0["ports"][0]["port"].int ?? 0, self.ips($0)) },
                                uniquingKeysWith: { a, _ in a })
        // A pod without the named port still appears, in a slice without ports (as Kubernetes does).
        XCTAssertEqual(byPort, [8080: ["10.244.0.5"], 9090: ["10.244.0.6"], 0: ["10.244.0.7"]])
    }

    func testAtMostMaxEndpointsPerSlice() async {
        let h = NetworkingHarness()
        seedNodes(h)
        for i in 1...5 { h.client.seed(.pods, F.pod("p\(i)", ip: "10.244.0.\(i)")) }
        h.client.seed(.services, F.service("my-nginx"))
        h.start([controller(h, max: 2)])
        defer { h.stop() }

        await h.eventually("five endpoints") { await h.slices(of: "my-nginx").flatMap(self.ips).count == 5 }
        let slices = await h.slices(of: "my-nginx")
        XCTAssertEqual(slices.count, 3)
        XCTAssertTrue(slices.allSatisfy { $0["endpoints"].elements.count <= 2 })
        XCTAssertEqual(Set(slices.flatMap(ips)), Set((1...5).map { "10.244.0.\($0)" }))
    }

    func testServiceDeletionRemovesItsSlices() async {
        let h = NetworkingHarness()
        seedNodes(h)
        h.client.seed(.pods, F.pod("my-nginx-a", ip: "10.244.0.5"))
        h.client.seed(.services, F.service("my-nginx"))
        h.client.seed(.services, F.service("kubernetes", selector: nil, clusterIP: "10.96.0.1", labels: [:]))
        h.start([controller(h)])
        defer { h.stop() }
        await h.eventually("slice") { await h.slices(of: "my-nginx").count == 1 }
        try? await h.client.delete(.services, namespace: "default", name: "my-nginx", options: [:])
        await h.eventually("slices gone") { await h.slices(of: "my-nginx").isEmpty }
        let apiSlices = await h.slices(of: "kubernetes")
        XCTAssertTrue(apiSlices.isEmpty, "selector-less services get no slices")
    }

    func testPodOnUnknownNodeIsSkippedAndReported() async {
        let h = NetworkingHarness()
        seedNodes(h)
        h.client.seed(.pods, F.pod("known", ip: "10.244.0.5"))
        h.client.seed(.pods, F.pod("lost", ip: "10.244.0.6", node: "node-9"))
        h.client.seed(.services, F.service("my-nginx"))
        h.start([controller(h)])
        defer { h.stop() }
        await h.eventually("slice with the known pod") { await h.slices(of: "my-nginx").first.map(self.ips) == ["10.244.0.5"] }
        await h.eventually("warning event") { !(await h.events(reason: "FailedToUpdateEndpointSlices").isEmpty) }
        let event = await h.events(reason: "FailedToUpdateEndpointSlices")[0]
        XCTAssertEqual(event["type"], "Warning")
        XCTAssertEqual(event["source"]["component"], "endpointslice-controller.k8s.io")
        XCTAssertEqual(event["message"], "Error updating Endpoint Slices for Service default/my-nginx: skipping Pod lost for Service default/my-nginx: Node node-9 Not Found")

        h.client.seed(.nodes, F.node("node-9", internalIP: "192.168.1.19"))
        await h.eventually("retried once the node exists", timeout: 10) {
            await h.slices(of: "my-nginx").first.map(self.ips) == ["10.244.0.5", "10.244.0.6"]
        }
    }

    func testSlicesDeletedByHandAreRecreatedAndForeignSlicesIgnored() async {
        let h = NetworkingHarness()
        seedNodes(h)
        h.client.seed(.pods, F.pod("my-nginx-a", ip: "10.244.0.5"))
        h.client.seed(.services, F.service("my-nginx"))
        // Someone else's slice for the same service must stay untouched.
        h.client.seed(.endpointSlices, ["apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                                        "metadata": ["name": "custom", "namespace": "default",
                                                     "labels": ["kubernetes.io/service-name": "my-nginx",
                                                                "endpointslice.kubernetes.io/managed-by": "someone-else"]]])
        h.start([controller(h)])
        defer { h.stop() }
        await h.eventually("slice") { await h.slices(of: "my-nginx").count == 2 }
        let ours = await h.slices(of: "my-nginx").first { $0.name != "custom" }!
        try? await h.client.delete(.endpointSlices, namespace: "default", name: ours.name!, options: [:])
        await h.eventually("recreated") {
            await h.slices(of: "my-nginx").contains { $0.name != "custom" && self.ips($0) == ["10.244.0.5"] }
        }
        let custom = await h.get(.endpointSlices, "custom")
        XCTAssertNotNil(custom)
    }
}
