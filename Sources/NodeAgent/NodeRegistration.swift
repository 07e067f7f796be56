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
        let now = Timestamps.rfc3339()
        let cpus = ProcessInfo.processInfo.activeProcessorCount
        let memKi = ProcessInfo.processInfo.physicalMemory / 1024
        let capacity: JSON = ["cpu": .string(String(cpus)), "memory": .string("\(memKi)Ki"), "pods": "110",
                              "ephemeral-storage": .string("\(Self.diskKi(config.dataDir))Ki")]
        var addresses: [JSON] = [["type": "InternalIP", "address": .string(config.nodeIP)]]
        if let ext = config.nodeExternalIP { addresses.append(["type": "ExternalIP", "address": .string(ext)]) }
        addresses.append(["type": "Hostname", "address": .string(config.nodeName)])
        func condition(_ type: String, _ status: String, _ reason: String, _ message: String) -> JSON {
            let old = previous?["conditions"].elements.first { $0["type"].string == type }
            let transition = old?["status"].string == status ? (old?["lastTransitionTime"] ?? .string(now)) : .string(now)
            return ["type": .string(type), "status": .string(status), "reason": .string(reason), "message": .string(message),
                    "lastHeartbeatTime": .string(now), "lastTransitionTime": transition]
        }
        var uts = utsname()
        uname(&uts)
        let kernel = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return [
            "capacity": capacity, "allocatable": capacity,
            "addresses": .array(addresses),
            "conditions": [
                condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "daemonEndpoints": ["kubeletEndpoint": ["Port": 10250]],
            "nodeInfo": ["machineID": .string(Self.machineID()), "systemUUID": "", "bootID": "",
                         "kernelVersion": .string(kernel), "osImage": .string(Self.osImage()),
                         "containerRuntimeVersion": "swiftlet://0.1.0", "kubeletVersion": "v1.32.4",
                         "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64"],
        ]
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

    static func diskKi(_ path: String) -> UInt64 {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return 0 }
        return UInt64(s.f_blocks) * UInt64(s.f_frsize) / 1024
    }

    static func osImage() -> String {
        guard let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) else { return "Linux" }
        for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return String(line.dropFirst(12)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return "Linux"
    }

    static func machineID() -> String {
        ((try? String(contentsOfFile: "/etc/machine-id", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

enum Timestamps {
    static func rfc3339(_ d: Date = Date()) -> String { formatRFC3339(d) }
}
