import Foundation
import XCTest
import KubeAPI
import KubeClient
import KubeClientTesting
@testable import Controllers

final class NetworkingEndpointsControllerTests: XCTestCase {
    typealias F = NetworkingFixtures

    func testServiceWithTwoReadyPodsGetsEndpointsWithBoth() async {
        let h = NetworkingHarness()
        h.client.seed(.nodes, F.node("node-1", internalIP: "192.168.1.10"))
        h.client.seed(.pods, F.pod("my-nginx-a", ip: "10.244.0.5"))
        h.client.seed(.pods, F.pod("my-nginx-b", ip: "10.244.0.11"))
        h.client.seed(.pods, F.pod("other", ip: "10.244.0.7", labels: ["run": "other"]))
        h.client.seed(.services, F.service("my-nginx"))
        h.start([EndpointsController(context: h.context)])
        defer { h.stop() }

        await h.eventually("endpoints with both pods") {
            await h.get(.endpoints, "my-nginx")?["subsets"].networkingIPs("addresses").count == 2
        }
        let ep = await h.get(.endpoints, "my-nginx") ?? .null
        // Sorted as Kubernetes sorts them: by the IP text.
        XCTAssertEqual(ep["subsets"].networkingIPs("addresses"), ["10.244.0.11", "10.244.0.5"])
        XCTAssertEqual(ep["subsets"].elements.count, 1)
        let subset = ep["subsets"][0]
        XCTAssertEqual(subset["ports"], [["port": 80, "protocol": "TCP"]])
        XCTAssertTrue(subset["notReadyAddresses"].isNull)
        let first = subset["addresses"][0]
        XCTAssertEqual(first["nodeName"], "node-1")
        XCTAssertEqual(first["targetRef"]["kind"], "Pod")
        XCTAssertEqual(first["targetRef"]["name"], "my-nginx-b")
        XCTAssertEqual(first["targetRef"]["namespace"], "default")
        XCTAssertNotNil(first["targetRef"]["uid"].string)
        XCTAssertEqual(ep.labels, ["run": "my-nginx"])
        XCTAssertEqual(ep.kind, "Endpoints")
        // First sync: the earliest change seen is the Service's creation (before the pods turned ready).
        XCTAssertEqual(ep.annotations["endpoints.kubernetes.io/last-change-trigger-time"], "2026-01-01T00:00:00Z")
    }

    func testPodTurningNotReadyMovesToNotReadyAddressesAndBack() async {
        let h = NetworkingHarness()
        let a = F.pod("my-nginx-a", ip: "10.244.0.5"), b = F.pod("my-nginx-b", ip: "10.244.0.6")
        h.client.seed(.pods, a)
        h.client.seed(.pods, b)
        h.client.seed(.services, F.service("my-nginx"))
        h.start([EndpointsController(context: h.context)])
        defer { h.stop() }
        await h.eventually("two ready addresses") {
            await h.get(.endpoints, "my-nginx")?["subsets"].networkingIPs("addresses").count == 2
        }

        h.client.seed(.pods, F.setReady(await h.get(.pods, "my-nginx-b")!, false))
        await h.eventually("b not ready") {
            await h.get(.endpoints, "my-nginx")?["subsets"].networkingIPs("notReadyAddresses") == ["10.244.0.6"]
        }
        var ep = await h.get(.endpoints, "my-nginx")!
        XCTAssertEqual(ep["subsets"].networkingIPs("addresses"), ["10.244.0.5"])
        XCTAssertEqual(ep["subsets"].elements.count, 1, "ready and not-ready addresses of one port share a subset")
        XCTAssertEqual(ep.annotations["endpoints.kubernetes.io/last-change-trigger-time"], "2026-01-01T00:01:00Z")

        h.client.seed(.pods, F.setReady(await h.get(.pods, "my-nginx-b")!, true, at: "2026-01-01T00:02:00Z"))
        await h.eventually("b ready again") {
            await h.get(.endpoints, "my-nginx")?["subsets"].networkingIPs("addresses") == ["10.244.0.5", "10.244.0.6"]
        }
        ep = await h.get(.endpoints, "my-nginx")!
        XCTAssertTrue(ep["subsets"][0]["notReadyAddresses"].isNull)
    }

    func testNamedTargetPortResolvesPerPodAndSkipsPodsWithoutIt() async {
        let h = NetworkingHarness()
        h.client.seed(.pods, F.pod("with-port", ip: "10.244.0.5",
                                   containerPorts: [["name": "http", "containerPort": 8080, "protocol": "TCP"]]))
        h.client.seed(.pods, F.pod("other-number", ip: "10.244.0.6",
                                   containerPorts: [["name": "http", "containerPort": 9090, "protocol": "TCP"]]))
        h.client.seed(.pods, F.pod("without-port", ip: "10.244.0.7", containerPorts: []))
        h.client.seed(.pods, F.pod("udp-only", ip: "10.244.0.8",
                                   containerPorts: [["name": "http", "containerPort": 8080, "protocol": "UDP"]]))
        h.client.seed(.services, F.service("my-nginx", ports: [["name": "web", "port": 80, "protocol": "TCP", "targetPort": "http"]]))
        h.start([EndpointsController(context: h.context)])
        defer { h.stop() }

        await h.eventually("endpoints") { await h.get(.endpoints, "my-nginx")?["subsets"].elements.count == 2 }
        let subsets = await h.get(.endpoints, "my-nginx")!["subsets"]
        XCTAssertEqual(subsets.elements.map { $0["ports"] }, [
            [["name": "web", "port": 8080, "protocol": "TCP"]],
            [["name": "web", "port": 9090, "protocol": "TCP"]],
        ])
        XCTAssertEqual(subsets.networkingIPs("addresses"), ["10.244.0.5", "10.244.0.6"])
    }

    func testPodDeletionAndPodWithoutIPOrTerminating() async {
        let h = NetworkingHarness()
        h.client.seed(.pods, F.pod("my-nginx-a", ip: "10.244.0.5"))
        h.client.seed(.pods, F.pod("my-nginx-b", ip: "10.244.0.6"))
        h.client.seed(.pods, F.pod("pending", ip: nil))
        h.client.seed(.services, F.service("my-nginx"))
        h.start([EndpointsController(context: h.context)])
        defer { h.stop() }
        await h.eventually("two addresses") { await h.get(.endpoints, "my-nginx")?["subsets"].networkingIPs("addresses").count == 2 }

        try? await h.client.delete(.pods, namespace: "default", name: "my-nginx-a", options: [:])
        await h.eventually("a removed") { await h.get(.endpoints, "my-nginx")?["subsets"].networkingIPs("addresses") == ["10.244.0.6"] }

        var terminating = await h.get(.pods, "my-nginx-b")!
        terminating["metadata"]["deletionTimestamp"] = "2026-01-01T00:05:00Z"
        h.client.seed(.pods, terminating)
        await h.eventually("no subsets left") {
            guard let ep = await h.get(.endpoints, "my-nginx") else { return false }
            return ep["subsets"].isNull
        }
    }

    func testServiceDeletionDeletesEndpointsButSelectorlessServicesAreLeftAlone() async {
        let h = NetworkingHarness()
        h.client.seed(.pods, F.pod("my-nginx-a", ip: "10.244.0.5"))
        h.client.seed(.services, F.service("my-nginx"))
        let kubernetes = F.service("kubernetes", selector: nil, ports: [["name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443]],
                                   clusterIP: "10.96.0.1", labels: ["component": "apiserver", "provider": "kubernetes"])
        h.client.seed(.services, kubernetes)
        let apiEndpoints: JSON = ["apiVersion": "v1", "kind": "Endpoints",
                                  "metadata": ["name": "kubernetes", "namespace": "default"],
                                  "subsets": [["addresses": [["ip": "192.168.1.10"]], "ports": [["name": "https", "port": 6443, "protocol": "TCP"]]]]]
        h.client.seed(.endpoints, apiEndpoints)
        // Left behind by a Service deleted while the controller was down.
        h.client.seed(.endpoints, ["apiVersion": "v1", "kind": "Endpoints", "metadata": ["name": "gone", "namespace": "default"]])
        // A leader-election lock has no Service either, and must stay.
        h.client.seed(.endpoints, ["apiVersion": "v1", "kind": "Endpoints",
                                   "metadata": ["name": "lock", "namespace": "kube-system",
                                                "annotations": ["control-plane.alpha.kubernetes.io/leader": "{}"]]])
        h.start([EndpointsController(context: h.context)])
        defer { h.stop() }

        await h.eventually("my-nginx endpoints") { await h.get(.endpoints, "my-nginx") != nil }
        await h.eventually("orphan deleted") { await h.get(.endpoints, "gone") == nil }
        try? await h.client.delete(.services, namespace: "default", name: "my-nginx", options: [:])
        await h.eventually("endpoints deleted with the service") { await h.get(.endpoints, "my-nginx") == nil }

        let kept = await h.get(.endpoints, "kubernetes")
        XCTAssertEqual(kept?["subsets"], apiEndpoints["subsets"])
        let lock = await h.get(.endpoints, "lock", namespace: "kube-system")
        XCTAssertNotNil(lock)
        XCTAssertFalse(h.client.actions.contains { $0.hasSuffix("endpoints default/kubernetes") })
    }

    func testEndpointsDeletedByHandAreRecreated() async {
        let h = NetworkingHarness()
        h.client.seed(.pods, F.pod("my-nginx-a", ip: "10.244.0.5"))
        h.client.seed(.services, F.service("my-nginx"))
        h.start([EndpointsController(context: h.context)])
        defer { h.stop() }
        await h.eventually("endpoints") { await h.get(.endpoints, "my-nginx") != nil }
        try? await h.client.delete(.endpoints, namespace: "default", name: "my-nginx", options: [:])
        await h.eventually("recreated") { await h.get(.endpoints, "my-nginx")?["subsets"].networkingIPs("addresses") == ["10.244.0.5"] }
    }

    func testNothingRewrittenWhenNothingChanged() async {
        let h = NetworkingHarness()
        h.client.seed(.pods, F.pod("my-nginx-a", ip: "10.244.0.5"))
        h.client.seed(.services, F.service("my-nginx"))
        h.start([EndpointsController(context: h.context)])
        defer { h.stop() }
        await h.eventually("endpoints") { await h.get(.endpoints, "my-nginx") != nil }

        // A Service change that does not change the endpoints syncs without writing...
        var service = await h.get(.services, "my-nginx")!
        service["metadata"]["annotations"] = ["note": "x"]
        h.client.seed(.services, service)
        // ...which the next, real change shows: exactly one more write.
        h.client.clearActions()
        h.client.seed(.pods, F.pod("my-nginx-b", ip: "10.244.0.6"))
        await h.eventually("b added") { await h.get(.endpoints, "my-nginx")?["subsets"].networkingIPs("addresses").count == 2 }
        try? await Task.sleep(for: .milliseconds(100))
        XCTAssertEqual(h.client.actions.filter { $0.contains("endpoints") }, ["update endpoints default/my-nginx"])
    }

    func testHeadlessServiceLabelsAndHostnames() async {
        let h = NetworkingHarness()
        var pod = F.pod("web-0", ip: "10.244.0.5")
        pod["spec"]["hostname"] = "web-0"
        pod["spec"]["subdomain"] = "web"
        h.client.seed(.pods, pod)
        var unready = F.pod("web-1", ip: "10.244.0.6", ready: false)
        unready["spec"]["hostname"] = "web-1"
        h.client.seed(.pods, unready)
        var service = F.service("web", clusterIP: "None", labels: ["app": "web"])
        service["spec"]["clusterIPs"] = ["None"]
        service["spec"]["publishNotReadyAddresses"] = true
        h.client.seed(.services, service)
        h.start([EndpointsController(context: h.context)])
        defer { h.stop() }

        await h.eventually("endpoints") { await h.get(.endpoints, "web")?["subsets"].networkingIPs("addresses").count == 2 }
        let ep = await h.get(.endpoints, "web")!
        XCTAssertEqual(ep.labels, ["app": "web", "service.kubernetes.io/headless": ""])
        let addresses = ep["subsets"][0]["addresses"]
        XCTAssertEqual(addresses[0]["hostname"], "web-0")
        XCTAssertTrue(addresses[1]["hostname"].isNull, "web-1 has no subdomain naming the service")
    }
}
