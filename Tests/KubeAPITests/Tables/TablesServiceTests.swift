import XCTest
@testable import KubeAPI

final class TablesServiceTests: XCTestCase {
    typealias F = TablesFixture

    static func myNginxService(type: String? = nil, ports: JSON, age: Int = 60) -> JSON {
        var spec: JSON = ["clusterIP": "10.96.143.20", "clusterIPs": ["10.96.143.20"], "ports": ports,
                          "selector": ["run": "my-nginx"], "ipFamilies": ["IPv4"]]
        if let type { spec["type"] = .string(type) }
        return ["apiVersion": "v1", "kind": "Service",
                "metadata": F.meta("my-nginx", age: age, labels: ["run": "my-nginx"]), "spec": spec]
    }

    func testTutorialClusterIPService() {
        let svc = Self.myNginxService(type: "ClusterIP",
                                      ports: [["port": 80, "protocol": "TCP", "targetPort": 80]])
        XCTAssertEqual(F.texts("Service", svc),
                       ["my-nginx", "ClusterIP", "10.96.143.20", "<none>", "80/TCP", "60s", "run=my-nginx"])
    }

    func testTutorialNodePortService() {
        let svc = Self.myNginxService(type: "NodePort", ports: [
            ["name": "http", "port": 8080, "targetPort": 80, "protocol": "TCP", "nodePort": 31704],
            ["name": "https", "port": 443, "protocol": "TCP", "nodePort": 32453],
        ], age: 7200)
        XCTAssertEqual(F.texts("Service", svc),
                       ["my-nginx", "NodePort", "10.96.143.20", "<none>", "8080:31704/TCP,443:32453/TCP", "120m",
                        "run=my-nginx"])
    }

    func testLoadBalancerPendingAndIngress() {
        var svc = Self.myNginxService(type: "LoadBalancer",
                                      ports: [["port": 80, "protocol": "TCP", "nodePort": 30080]])
        XCTAssertEqual(F.texts("Service", svc)[3], "<pending>")
        svc["status"] = ["loadBalancer": ["ingress": [["ip": "203.0.113.9"], ["ip": "198.51.100.7"],
                                                      ["hostname": "lb.example.com"]]]]
        XCTAssertEqual(F.texts("Service", svc)[3], "198.51.100.7,203.0.113.9,lb.example.com")
        svc["spec"]["externalIPs"] = ["192.0.2.1"]
        XCTAssertEqual(F.texts("Service", svc)[3], "198.51.100.7,203.0.113.9,lb.example.com,192.0.2.1")
    }

    func testDefaultsHeadlessExternalNameAndNoPorts() {
        // No type and no protocol: the apiserver's defaults (ClusterIP, TCP) are printed.
        var svc = Self.myNginxService(ports: [["port": 53, "protocol": "UDP"], ["port": 53]])
        svc["spec"]["externalIPs"] = ["192.0.2.10", "192.0.2.11"]
        XCTAssertEqual(Array(F.texts("Service", svc)[1...4]), ["ClusterIP", "10.96.143.20", "192.0.2.10,192.0.2.11", "53/UDP,53/TCP"])

        let headless: JSON = ["metadata": F.meta("db"),
                              "spec": ["type": "ClusterIP", "clusterIP": "None", "clusterIPs": ["None"],
                                       "selector": ["app": "db", "tier": "backend"]]]
        XCTAssertEqual(F.texts("Service", headless),
                       ["db", "ClusterIP", "None", "<none>", "<none>", "5m", "app=db,tier=backend"])

        let external: JSON = ["metadata": F.meta("search"),
                              "spec": ["type": "ExternalName", "externalName": "search.example.com"]]
        XCTAssertEqual(F.texts("Service", external),
                       ["search", "ExternalName", "<none>", "search.example.com", "<none>", "5m", "<none>"])
    }

    func testTutorialEndpoints() {
        let ep: JSON = ["apiVersion": "v1", "kind": "Endpoints", "metadata": F.meta("my-nginx", age: 60),
                        "subsets": [["addresses": [["ip": "10.244.0.5", "nodeName": "node-1"],
                                                   ["ip": "10.244.0.6", "nodeName": "node-1"]],
                                     "ports": [["port": 80, "protocol": "TCP"]]]]]
        XCTAssertEqual(F.texts("Endpoints", ep), ["my-nginx", "10.244.0.5:80,10.244.0.6:80", "60s"])
    }

    func testEndpointsLimitsNoneAndHeadless() {
        let many: JSON = ["metadata": F.meta("web"),
                          "subsets": [["addresses": [["ip": "10.0.0.1"], ["ip": "10.0.0.2"], ["ip": "10.0.0.3"]],
                                       "ports": [["port": 80], ["port": 443]]]]]
        XCTAssertEqual(F.texts("Endpoints", many)[1], "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 3 more...")

        XCTAssertEqual(F.texts("Endpoints", ["metadata": F.meta("empty")])[1], "<none>")
        XCTAssertEqual(F.texts("Endpoints", ["metadata": F.meta("empty"), "subsets": []])[1], "<none>")
        // Only not-ready addresses: Kubernetes prints an empty cell.
        let notReady: JSON = ["metadata": F.meta("warming"),
                              "subsets": [["notReadyAddresses": [["ip": "10.0.0.9"]], "ports": [["port": 80]]]]]
        XCTAssertEqual(F.texts("Endpoints", notReady)[1], "")

        let headless: JSON = ["metadata": F.meta("db"),
                              "subsets": [["addresses": [["ip": "10.0.0.4"], ["ip": "fd00::5"]]]]]
        XCTAssertEqual(F.texts("Endpoints", headless)[1], "10.0.0.4,fd00::5")
        let v6: JSON = ["metadata": F.meta("v6"),
                        "subsets": [["addresses": [["ip": "fd00::5"]], "ports": [["port": 8080]]]]]
        XCTAssertEqual(F.texts("Endpoints", v6)[1], "[fd00::5]:8080")
    }

    func testEndpointSlice() {
        let slice: JSON = [
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
            "metadata": F.meta("my-nginx-x7k2p", age: 45, labels: ["kubernetes.io/service-name": "my-nginx"]),
            "ports": [["name": "", "port": 80, "protocol": "TCP"]],
            "endpoints": [["addresses": ["10.244.0.5"], "conditions": ["ready": true]],
                          ["addresses": ["10.244.0.6"], "conditions": ["ready": true]]],
        ]
        XCTAssertEqual(F.texts("EndpointSlice", slice), ["my-nginx-x7k2p", "IPv4", "80", "10.244.0.5,10.244.0.6", "45s"])

        let bare: JSON = ["metadata": F.meta("bare"), "addressType": "IPv6"]
        XCTAssertEqual(F.texts("EndpointSlice", bare), ["bare", "IPv6", "<unset>", "<unset>", "5m"])

        let wide: JSON = ["metadata": F.meta("wide"), "addressType": "IPv4",
                          "ports": [["port": 80], ["name": "metrics"], [:], ["port": 9000]],
                          "endpoints": .array((1...5).map { ["addresses": [.string("10.1.0.\($0)")]] as JSON })]
        XCTAssertEqual(Array(F.texts("EndpointSlice", wide)[2...3]),
                       ["80,metrics,* + 1 more...", "10.1.0.1,10.1.0.2,10.1.0.3 + 2 more..."])
    }

    func testColumns() {
        XCTAssertEqual(TablePrinter.columns(for: "Service").map(\.name),
                       ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"])
        XCTAssertEqual(TablePrinter.columns(for: "Service").map(\.priority), [0, 0, 0, 0, 0, 0, 1])
        XCTAssertEqual(TablePrinter.columns(for: "Endpoints").map(\.name), ["Name", "Endpoints", "Age"])
        XCTAssertEqual(TablePrinter.columns(for: "EndpointSlice").map(\.name),
                       ["Name", "AddressType", "Ports", "Endpoints", "Age"])
    }
}
