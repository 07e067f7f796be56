import Foundation
import KubeAPI
import KubeClient

/// Registers this machine as a Node and keeps it alive: a Lease in kube-node-lease renewed every heartbeat, and the
/// Node's conditions refreshed, as the kubelet does.
struct NodeRegistration {
    let client: any KubeClient
    let config: AgentConfig

    static func microTime(_ d: Date = Date()) -> String {
        let base = Timestamps.rfc3339(d).dropLast()
        let micros = Int((d.timeIntervalSince1970 - floor(d.timeIntervalSince1970)) * 1_000_000)
        return base + "." + String(format: "%06d", micros) + "Z"
    }

    func nodeStatus(previous: JSON?) -> JSON {
        NodeStatusBuilder(config: config, machine: .current(dataDir: config.dataDir)).status(previous: previous)
    }

    func register() async throws {
        let nodes = ResourceType.nodes
        if var node = try? await client.get(nodes, namespace: nil, name: config.nodeName) {
            node["status"] = nodeStatus(previous: node["status"])
            node["spec"]["podCIDR"] = .string(config.podCIDR)
            node["spec"]["podCIDRs"] = [.string(config.podCIDR)]
            node = try await client.update(nodes, node, subresource: nil, fieldManager: "kubelet")
            node["status"] = nodeStatus(previous: node["status"])
            _ = try await client.update(nodes, node, subresource: "status", fieldManager: "kubelet")
            return
        }
        let node: JSON = [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string(config.nodeName),
                         "labels": ["kubernetes.io/hostname": .string(config.nodeName), "kubernetes.io/os": "linux",
                                    "kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64"]],
            "spec": ["podCIDR": .string(config.podCIDR), "podCIDRs": [.string(config.podCIDR)]],
        ]
        var created = try await client.create(nodes, node, fieldManager: "kubelet")
        created["status"] = nodeStatus(previous: nil)
        _ = try await client.update(nodes, created, subresource: "status", fieldManager: "kubelet")
    }

    func heartbeat() async {
        let leases = ResourceType.leases
        let name = config.nodeName
        if var lease = try? await client.get(leases, namespace: "kube-node-lease", name: name) {
            lease["spec"]["renewTime"] = .string(Self.microTime())
            lease["spec"]["holderIdentity"] = .string(name)
            _ = try? await client.update(leases, lease, subresource: nil, fieldManager: "kubelet")
        } else {
            var lease: JSON = ["apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                               "metadata": ["name": .string(name), "namespace": "kube-node-lease"],
                               "spec": ["holderIdentity": .string(name), "leaseDurationSeconds": 40,
                                        "renewTime": .string(Self.microTime())]]
            if let node = try? await client.get(.nodes, namespace: nil, name: name) {
                lease["metadata"]["ownerReferences"] = [["apiVersion": "v1", "kind": "Node", "name": .string(name), "uid": node["metadata"]["uid"]]]
            }
            _ = try? await client.create(leases, lease, fieldManager: "kubelet")
        }
        if var node = try? await client.get(.nodes, namespace: nil, name: name) {
            node["status"] = nodeStatus(previous: node["status"])
            _ = try? await client.update(.nodes, node, subresource: "status", fieldManager: "kubelet")
        } else {
            try? await register()
        }
    }
}

enum Timestamps {
    static func rfc3339(_ d: Date = Date()) -> String { formatRFC3339(d) }
}
