import Foundation
import KubeAPI
import KubeClient
import XCTest

@testable import NodeAgent

final class ServiceEnvironmentTests: XCTestCase {
    let kubernetes: JSON = ["metadata": ["name": "kubernetes", "namespace": "default"],
                            "spec": ["clusterIP": "10.96.0.1", "ports": [["name": "https", "port": 443, "protocol": "TCP"]]]]
    let myNginx: JSON = ["metadata": ["name": "my-nginx", "namespace": "default"],
                         "spec": ["clusterIP": "10.0.162.149", "ports": [["port": 80, "protocol": "TCP"]]]]

    func testTutorialVariables() {
        let vars = Dictionary(uniqueKeysWithValues: ServiceEnvironment.variables(for: [kubernetes, myNginx], podNamespace: "default", enableServiceLinks: true))
        XCTAssertEqual(vars["MY_NGINX_SERVICE_HOST"], "10.0.162.149")
        XCTAssertEqual(vars["MY_NGINX_SERVICE_PORT"], "80")
        XCTAssertEqual(vars["MY_NGINX_PORT"], "tcp://10.0.162.149:80")
        XCTAssertEqual(vars["MY_NGINX_PORT_80_TCP"], "tcp://10.0.162.149:80")
        XCTAssertEqual(vars["MY_NGINX_PORT_80_TCP_PROTO"], "tcp")
        XCTAssertEqual(vars["MY_NGINX_PORT_80_TCP_PORT"], "80")
        XCTAssertEqual(vars["MY_NGINX_PORT_80_TCP_ADDR"], "10.0.162.149")
        XCTAssertEqual(vars["KUBERNETES_SERVICE_HOST"], "10.96.0.1")
        XCTAssertEqual(vars["KUBERNETES_SERVICE_PORT"], "443")
        XCTAssertEqual(vars["KUBERNETES_SERVICE_PORT_HTTPS"], "443")
        XCTAssertEqual(vars["KUBERNETES_PORT_443_TCP"], "tcp://10.96.0.1:443")
        XCTAssertEqual(vars.count, 7 + 8)
    }

    func testServiceLinksOffKeepsKubernetesOnly() {
        let vars = ServiceEnvironment.variables(for: [kubernetes, myNginx], podNamespace: "default", enableServiceLinks: false)
        XCTAssertTrue(vars.allSatisfy { $0.0.hasPrefix("KUBERNETES_") })
        XCTAssertFalse(vars.isEmpty)
    }

    func testOtherNamespacesAndHeadlessAreSkipped() {
        var other = myNginx
        other["metadata"]["namespace"] = "prod"
        var headless = myNginx
        headless["metadata"]["name"] = "db"
        headless["spec"]["clusterIP"] = "None"
        let vars = ServiceEnvironment.variables(for: [other, headless], podNamespace: "default", enableServiceLinks: true)
        XCTAssertTrue(vars.isEmpty)
    }

    func testEnvWinsOverServiceVariablesAndExpands() throws {
        let container: JSON = ["name": "c", "env": [["name": "MY_NGINX_SERVICE_HOST", "value": "override"],
                                                      ["name": "URL", "value": "http://$(KUBERNETES_SERVICE_HOST):$(NOPE)/$$(X)"]]]
        let services = ServiceEnvironment.variables(for: [kubernetes, myNginx], podNamespace: "default", enableServiceLinks: true)
        let env = try ContainerEnvironment(pod: ["metadata": ["name": "p", "namespace": "default"]], container: container,
                                           serviceVariables: services, lookup: { _, _ in nil }).resolve()
        let m = Dictionary(env, uniquingKeysWith: { _, b in b })
        XCTAssertEqual(m["MY_NGINX_SERVICE_HOST"], "override")
        XCTAssertEqual(m["URL"], "http://10.96.0.1:$(NOPE)/$(X)")
        XCTAssertEqual(m["MY_NGINX_SERVICE_PORT"], "80")
    }

    func testValueFromSecretAndFieldRef() throws {
        let container: JSON = ["name": "c", "env": [
            ["name": "PW", "valueFrom": ["secretKeyRef": ["name": "s", "key": "pw"]]],
            ["name": "NAME", "valueFrom": ["fieldRef": ["fieldPath": "metadata.name"]]],
            ["name": "IP", "valueFrom": ["fieldRef": ["fieldPath": "status.podIP"]]],
        ]]
        let pod: JSON = ["metadata": ["name": "web", "namespace": "default"], "status": ["podIP": "10.244.0.9"]]
        let env = try ContainerEnvironment(pod: pod, container: container, serviceVariables: [], lookup: { r, n in
            r == "secrets" && n == "s" ? ["data": ["pw": "c2VjcmV0"]] : nil
        }).resolve()
        XCTAssertEqual(env.map { "\($0.0)=\($0.1)" }, ["PW=secret", "NAME=web", "IP=10.244.0.9"])
        XCTAssertThrowsError(try ContainerEnvironment(pod: pod, container: container, serviceVariables: [], lookup: { _, _ in nil }).resolve())
    }
}

final class PodFilesTests: XCTestCase {
    func testHostsAndResolvConf() {
        let pod: JSON = ["metadata": ["name": "curl", "namespace": "default"], "spec": ["dnsPolicy": "ClusterFirst"]]
        let hosts = PodFiles.hosts(pod: pod, podIPs: ["10.244.0.7"])
        XCTAssertTrue(hosts.hasPrefix("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"))
        XCTAssertTrue(hosts.hasSuffix("10.244.0.7\tcurl\n"))
        let resolv = PodFiles.resolvConf(pod: pod, clusterDNS: "10.96.0.10", hostResolvConf: "nameserver 1.1.1.1\n")
        XCTAssertEqual(resolv, "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n")
        var dflt = pod
        dflt["spec"]["dnsPolicy"] = "Default"
        XCTAssertEqual(PodFiles.resolvConf(pod: dflt, clusterDNS: "10.96.0.10", hostResolvConf: "nameserver 192.0.2.1\nsearch example\n"),
                       "search example\nnameserver 192.0.2.1\n")
    }
}

final class AtomicWriterTests: XCTestCase {
    func testSwapsPayloadAndKeepsVisibleNames() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aw-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let w = AtomicWriter(directory: dir)
        try w.write([.init(path: "tls.crt", data: Array("A".utf8), mode: 0o644), .init(path: "tls.key", data: Array("B".utf8), mode: 0o600)])
        XCTAssertEqual(try String(contentsOfFile: dir + "/tls.crt", encoding: .utf8), "A")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/tls.key"), "..data/tls.key")
        let first = try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/..data")
        try w.write([.init(path: "tls.crt", data: Array("A".utf8), mode: 0o644), .init(path: "tls.key", data: Array("B".utf8), mode: 0o600)])
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/..data"), first, "unchanged content is not rewritten")
        try w.write([.init(path: "tls.crt", data: Array("C".utf8), mode: 0o644)])
        XCTAssertEqual(try String(contentsOfFile: dir + "/tls.crt", encoding: .utf8), "C")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/tls.key"))
        let entries = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        XCTAssertEqual(entries.count, 3, "\(entries)")  // ..<stamp>, ..data, tls.crt
        let attrs = try FileManager.default.attributesOfItem(atPath: dir + "/..data/tls.crt")
        XCTAssertEqual((attrs[.posixPermissions] as? NSNumber)?.intValue, 0o644)
    }
}

final class ContainerLogTests: XCTestCase {
    let log = """
    2026-11-27T08:00:00.000000001Z stdout F first
    2026-11-27T08:00:01.000000001Z stderr P par
    2026-11-27T08:00:01.500000001Z stderr F tial
    2026-11-27T08:00:02.000000001Z stdout F third

    """

    func testRenderJoinsPartialsAndAppliesOptions() {
        XCTAssertEqual(ContainerLog.render(log, options: LogOptions()), "first\npartial\nthird\n")
        var o = LogOptions()
        o.tailLines = 1
        XCTAssertEqual(ContainerLog.render(log, options: o), "third\n")
        o = LogOptions()
        o.timestamps = true
        XCTAssertTrue(ContainerLog.render(log, options: o).hasPrefix("2026-11-27T08:00:00.000000001Z first\n"))
        o = LogOptions()
        o.sinceTime = parseRFC3339("2026-11-27T08:00:01.9Z")
        XCTAssertEqual(ContainerLog.render(log, options: o), "third\n")
    }
}
