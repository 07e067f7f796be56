import Foundation
import XCTest
import KubeAPI
import KubeClient
import KubeClientTesting
@testable import Controllers

/// Objects as the API server would hold them, trimmed to what the networking controllers read.
enum NetworkingFixtures {
    static func service(_ name: String, namespace: String = "default", selector: [String: String]? = ["run": "my-nginx"],
                        ports: [JSON] = [["port": 80, "protocol": "TCP", "targetPort": 80]],
                        type: String = "ClusterIP", clusterIP: String = "10.96.0.20",
                        labels: [String: String] = ["run": "my-nginx"]) -> JSON {
        var spec: JSON = ["type": .string(type), "clusterIP": .string(clusterIP), "clusterIPs": [.string(clusterIP)],
                          "ports": .array(ports), "ipFamilies": ["IPv4"], "sessionAffinity": "None"]
        if let selector { spec["selector"] = JSON(selector) }
        if type == "NodePort" || type == "LoadBalancer" { spec["externalTrafficPolicy"] = "Cluster" }
        var service: JSON = ["apiVersion": "v1", "kind": "Service",
                             "metadata": ["name": .string(name), "namespace": .string(namespace)],
                             "spec": spec, "status": ["loadBalancer": [:]]]
        if !labels.isEmpty { service["metadata"]["labels"] = JSON(labels) }
        return service
    }

    static func pod(_ name: String, ip: String?, ready: Bool = true, namespace: String = "default",
                    labels: [String: String] = ["run": "my-nginx"], node: String = "node-1",
                    containerPorts: [JSON] = [["containerPort": 80, "protocol": "TCP"]],
                    readySince: String = "2026-01-01T00:00:10Z") -> JSON {
        var pod: JSON = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "labels": JSON(labels)],
            "spec": ["nodeName": .string(node),
                     "containers": [["name": "nginx", "image": "nginx", "ports": .array(containerPorts)]]],
            "status": ["phase": "Running",
                       "conditions": [["type": "Ready", "status": .string(ready ? "True" : "False"),
                                       "lastTransitionTime": .string(readySince)]]],
        ]
        if let ip {
            pod["status"]["podIP"] = .string(ip)
            pod["status"]["podIPs"] = [["ip": .string(ip)]]
        }
        return pod
    }

    static func node(_ name: String, internalIP: String, externalIP: String? = nil, ready: Bool = true,
                     labels: [String: String] = [:]) -> JSON {
        var addresses: [JSON] = [["type": "InternalIP", "address": .string(internalIP)], ["type": "Hostname", "address": .string(name)]]
        if let externalIP { addresses.append(["type": "ExternalIP", "address": .string(externalIP)]) }
        var node: JSON = ["apiVersion": "v1", "kind": "Node", "metadata": ["name": .string(name)],
                          "status": ["addresses": .array(addresses),
                                     "conditions": [["type": "Ready", "status": .string(ready ? "True" : "False")]]]]
        if !labels.isEmpty { node["metadata"]["labels"] = JSON(labels) }
        return node
    }

    /// The same pod, its Ready condition flipped.
    static func setReady(_ pod: JSON, _ ready: Bool, at time: String = "2026-01-01T00:01:00Z") -> JSON {
        var p = pod
        p["status"]["conditions"] = [["type": "Ready", "status": .string(ready ? "True" : "False"),
                                      "lastTransitionTime": .string(time)]]
        return p
    }
}

/// Runs networking controllers against a MemoryClient until `stop()`.
final class NetworkingHarness: @unchecked Sendable {
    let client = MemoryClient()
    let context: ControllerContext
    private var task: Task<Void, Never>?

    init() {
        context = ControllerContext(client: client)
    }

    /// Runs the controllers as ControllerManager does, with one step more before their loops start: every
    /// informer's watch is shown to be live. MemoryClient starts a watch where it is, not at the listed
    /// resourceVersion, so a write made between an informer's list and its watch would never reach the cache;
    /// a controller working from such a cache waits for its own write forever.
    func start(_ controllers: [any Controller]) {
        let context = self.context
        let client = self.client
        task = Task {
            for c in controllers { c.register() }
            await withTaskGroup(of: Void.self) { group in
                for informer in context.informers.all {
                    group.addTask { await informer.run() }
                }
                await context.informers.waitForSync()
                for informer in context.informers.all {
                    await Self.awaitLiveWatch(informer, client)
                }
                for c in controllers {
                    group.addTask { await c.run() }
                }
            }
        }
    }

    /// Writes a marker object no controller cares about until the informer's cache shows it.
    static func awaitLiveWatch(_ informer: Informer, _ client: MemoryClient) async {
        let r = informer.resource
        let namespace = "networking-test-barrier"
        var marker: JSON = ["apiVersion": .string(r.apiVersion), "kind": .string(r.kind),
                            "metadata": ["name": "barrier"]]
        if r.namespaced { marker["metadata"]["namespace"] = .string(namespace) }
        if r.kind == "EndpointSlice" { marker["addressType"] = "IPv4" }
        var attempt = 0
        while !Task.isCancelled {
            if attempt % 50 == 0 {
                marker["metadata"]["annotations"] = ["attempt": .string(String(attempt))]
                client.seed(r, marker)
            }
            if informer.get(r.namespaced ? namespace : "", "barrier")?.annotations["attempt"] != nil { return }
            attempt += 1
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    func stop() {
        task?.cancel()
        task = nil
    }

    func get(_ r: ResourceType, _ name: String, namespace: String? = "default") async -> JSON? {
        try? await client.get(r, namespace: namespace, name: name)
    }

    func list(_ r: ResourceType, namespace: String? = "default") async -> [JSON] {
        (try? await client.list(r, namespace: namespace, options: ListOptions()).items) ?? []
    }

    func slices(of service: String) async -> [JSON] {
        await list(.endpointSlices).filter { $0.labels["kubernetes.io/service-name"] == service }
    }

    func events(reason: String? = nil) async -> [JSON] {
        await list(.events, namespace: nil).filter { reason == nil || $0["reason"].string == reason }
    }

    /// Polls until `condition` holds, failing the test after `timeout` seconds.
    func eventually(_ what: String, timeout: Double = 5, file: StaticString = #filePath, line: UInt = #line,
                    _ condition: () async -> Bool) async {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if await condition() { return }
            try? await Task.sleep(for: .milliseconds(10))
        }
        XCTFail("timed out waiting for \(what)", file: file, line: line)
    }
}

extension JSON {
    /// The IPs of an Endpoints subset field, in order.
    func networkingIPs(_ field: String) -> [String] { elements.flatMap { $0[field].elements.compactMap { $0["ip"].string } } }
}
