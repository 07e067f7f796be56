import Foundation
import XCTest
import KubeAPI
import KubeClient
import KubeClientTesting
@testable import Controllers

final class NetworkingLoadBalancerControllerTests: XCTestCase {
    typealias F = NetworkingFixtures

    let lbPorts: [JSON] = [["name": "http", "port": 80, "protocol": "TCP", "targetPort": 80, "nodePort": 31704]]

    func ingressIPs(_ service: JSON?) -> [String] {
        service?["status"]["loadBalancer"]["ingress"].elements.compactMap { $0["ip"].string } ?? []
    }

    func reasons(_ h: NetworkingHarness) async -> [String] {
        await h.events().sorted { ($0.name ?? "") < ($1.name ?? "") }.compactMap { $0["reason"].string }
    }

    func testLoadBalancerIngressFromReadyNodes() async {
        let h = NetworkingHarness()
        h.client.seed(.nodes, F.node("node-1", internalIP: "192.168.1.10"))
        h.client.seed(.nodes, F.node("node-2", internalIP: "192.168.1.9"))
        h.client.seed(.nodes, F.node("node-3", internalIP: "192.168.1.8", ready: false))
        h.client.seed(.services, F.service("my-nginx", ports: lbPorts, type: "LoadBalancer"))
        h.start([ServiceLoadBalancerController(context: h.context)])
        defer { h.stop() }

        await h.eventually("ingress") { !self.ingressIPs(await h.get(.services, "my-nginx")).isEmpty }
        let service = await h.get(.services, "my-nginx")!
        XCTAssertEqual(service["status"]["loadBalancer"]["ingress"], [["ip": "192.168.1.10", "ipMode": "VIP"],
                                                                      ["ip": "192.168.1.9", "ipMode": "VIP"]])
        XCTAssertEqual(service["metadata"]["finalizers"], ["service.kubernetes.io/load-balancer-cleanup"])
        XCTAssertTrue(h.client.actions.contains("patch-status services default/my-nginx"))
        await h.eventually("events") { await self.reasons(h).contains("EnsuredLoadBalancer") }
        let seen = await reasons(h)
        XCTAssertEqual(seen, ["EnsuringLoadBalancer", "UpdatedLoadBalancer", "EnsuredLoadBalancer"])
        let updated = await h.events(reason: "UpdatedLoadBalancer")[0]
        XCTAssertEqual(updated["message"], "Updated LoadBalancer with new IPs: [] -> [192.168.1.10 192.168.1.9]")
        XCTAssertEqual(updated["source"]["component"], "service-controller")

        // Nodes change: the ingress follows.
        h.client.seed(.nodes, F.node("node-3", internalIP: "192.168.1.8", ready: true))
        await h.eventually("node-3 added") {
            self.ingressIPs(await h.get(.services, "my-nginx")) == ["192.168.1.10", "192.168.1.8", "192.168.1.9"]
        }
        try? await h.client.delete(.nodes, namespace: nil, name: "node-1", options: [:])
        await h.eventually("node-1 removed") {
            self.ingressIPs(await h.get(.services, "my-nginx")) == ["192.168.1.8", "192.168.1.9"]
        }
    }

    func testExternalIPsWinOverInternalIPs() async {
        let h = NetworkingHarness()
        h.client.seed(.nodes, F.node("node-1", internalIP: "192.168.1.10", externalIP: "203.0.113.10"))
        h.client.seed(.nodes, F.node("node-2", internalIP: "192.168.1.11"))
        h.client.seed(.services, F.service("my-nginx", ports: lbPorts, type: "LoadBalancer"))
        h.start([ServiceLoadBalancerController(context: h.context)])
        defer { h.stop() }
        await h.eventually("ingress") { self.ingressIPs(await h.get(.services, "my-nginx")) == ["203.0.113.10"] }
    }

    func testNodePortToLoadBalancerToClusterIP() async {
        let h = NetworkingHarness()
        h.client.seed(.nodes, F.node("node-1", internalIP: "192.168.1.10"))
        h.client.seed(.services, F.service("my-nginx", ports: lbPorts, type: "NodePort"))
        h.client.seed(.services, F.service("plain"))
        h.start([ServiceLoadBalancerController(context: h.context)])
        defer { h.stop() }

        // kubectl edit: NodePort -> LoadBalancer, once the controller has seen the NodePort Service.
        await h.eventually("informer synced") { h.context.informers.informer(.services).get("default", "my-nginx") != nil }
        var service = await h.get(.services, "my-nginx")!
        service["spec"]["type"] = "LoadBalancer"
        h.client.seed(.services, service)
        await h.eventually("ingress") { self.ingressIPs(await h.get(.services, "my-nginx")) == ["192.168.1.10"] }
        await h.eventually("ensured") { await self.reasons(h).contains("EnsuredLoadBalancer") }
        let typeEvent = await h.events(reason: "Type").first
        XCTAssertEqual(typeEvent?["message"], "NodePort -> LoadBalancer")
        var seen = await reasons(h)
        XCTAssertEqual(seen, ["Type", "EnsuringLoadBalancer", "UpdatedLoadBalancer", "EnsuredLoadBalancer"])

        // And on to ClusterIP: status cleared, finalizer released.
        service = await h.get(.services, "my-nginx")!
        service["spec"]["type"] = "ClusterIP"
        service["spec"]["ports"] = [["name": "http", "port": 80, "protocol": "TCP", "targetPort": 80]]
        h.client.seed(.services, service)
        await h.eventually("cleared") {
            guard let s = await h.get(.services, "my-nginx") else { return false }
            return s["status"]["loadBalancer"] == [:] && s["metadata"]["finalizers"].isNull
        }
        await h.eventually("deleted events") { await self.reasons(h).contains("DeletedLoadBalancer") }
        seen = await reasons(h)
        XCTAssertEqual(Array(seen.suffix(3)), ["Type", "DeletingLoadBalancer", "DeletedLoadBalancer"])
        let typeMessages = await h.events(reason: "Type").map { $0["message"].string ?? "" }
        XCTAssertEqual(typeMessages.sorted(),
                       ["LoadBalancer -> ClusterIP", "NodePort -> LoadBalancer"])
        XCTAssertFalse(h.client.actions.contains { $0.hasSuffix("default/plain") })
    }

    func testDeletingLoadBalancerServiceReleasesTheFinalizer() async {
        let h = NetworkingHarness()
        h.client.seed(.nodes, F.node("node-1", internalIP: "192.168.1.10"))
        h.client.seed(.services, F.service("my-nginx", ports: lbPorts, type: "LoadBalancer"))
        h.start([ServiceLoadBalancerController(context: h.context)])
        defer { h.stop() }
        await h.eventually("finalizer") { await h.get(.services, "my-nginx")?["metadata"]["finalizers"].isNull == false }

        // What the API server does on delete when a finalizer holds the object.
        var deleting = await h.get(.services, "my-nginx")!
        deleting["metadata"]["deletionTimestamp"] = "2026-01-01T00:10:00Z"
        h.client.seed(.services, deleting)
        await h.eventually("finalizer released") { await h.get(.services, "my-nginx")?["metadata"]["finalizers"].isNull == true }
    }

    func testIngressAddressPickingFollowsServiceLB() {
        let nodes = [
            F.node("a", internalIP: "10.0.0.2"),
            F.node("b", internalIP: "10.0.0.10"),
            F.node("c", internalIP: "10.0.0.3", labels: ["node.kubernetes.io/exclude-from-external-load-balancers": ""]),
        ]
        let service = F.service("s", type: "LoadBalancer")
        XCTAssertEqual(Net.LoadBalancerFacts.addresses(service: service, nodes: nodes, nodesWithReadyEndpoints: nil),
                       ["10.0.0.10", "10.0.0.2"])
        XCTAssertEqual(Net.LoadBalancerFacts.addresses(service: service, nodes: nodes, nodesWithReadyEndpoints: ["a"]),
                       ["10.0.0.2"])
        // Once a node is labelled for ServiceLB, only nodes labelled "true" answer.
        let labelled = nodes + [F.node("d", internalIP: "10.0.0.4", labels: ["svccontroller.k3s.cattle.io/enablelb": "true"])]
        XCTAssertEqual(Net.LoadBalancerFacts.addresses(service: service, nodes: labelled, nodesWithReadyEndpoints: nil),
                       ["10.0.0.4"])
    }
}

/// The three networking controllers together, as `swiftlet server` runs them.
final class NetworkingControllersTogetherTests: XCTestCase {
    typealias F = NetworkingFixtures

    func testLocalTrafficPolicyAnswersOnlyOnNodesWithReadyEndpoints() async {
        let h = NetworkingHarness()
        h.client.seed(.nodes, F.node("node-1", internalIP: "192.168.1.10"))
        h.client.seed(.nodes, F.node("node-2", internalIP: "192.168.1.11"))
        h.client.seed(.pods, F.pod("my-nginx-a", ip: "10.244.1.5", node: "node-2"))
        var service = F.service("my-nginx", ports: [["port": 80, "protocol": "TCP", "targetPort": 80, "nodePort": 30080]],
                                type: "LoadBalancer")
        service["spec"]["externalTrafficPolicy"] = "Local"
        h.client.seed(.services, service)
        h.start([EndpointsController(context: h.context),
                 EndpointSliceController(context: h.context, sliceChangeDelay: 0.02),
                 ServiceLoadBalancerController(context: h.context)])
        defer { h.stop() }

        await h.eventually("ingress on node-2 only") {
            await h.get(.services, "my-nginx")?["status"]["loadBalancer"]["ingress"] == [["ip": "192.168.1.11", "ipMode": "VIP"]]
        }
        await h.eventually("endpoints") { await h.get(.endpoints, "my-nginx")?["subsets"].networkingIPs("addresses") == ["10.244.1.5"] }

        h.client.seed(.pods, F.setReady(await h.get(.pods, "my-nginx-a")!, false))
        await h.eventually("no node answers") {
            await h.get(.services, "my-nginx")?["status"]["loadBalancer"]["ingress"].isNull == true
        }
        await h.eventually("warning") { !(await h.events(reason: "UnAvailableLoadBalancer").isEmpty) }
    }
}
