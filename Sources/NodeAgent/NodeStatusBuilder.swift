import Foundation
import KubeAPI

/// What the node agent reports about the machine: the numbers behind capacity and nodeInfo.
struct NodeMachineFacts: Equatable {
    var cpus: Int
    var memoryKi: UInt64
    var diskKi: UInt64
    var kernelVersion: String
    var osImage: String
    var machineID: String

    /// This machine, its disk measured at `dataDir`.
    static func current(dataDir: String) -> NodeMachineFacts {
        var uts = utsname()
        uname(&uts)
        let kernel = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return NodeMachineFacts(cpus: ProcessInfo.processInfo.activeProcessorCount,
                                memoryKi: ProcessInfo.processInfo.physicalMemory / 1024, diskKi: diskKi(dataDir),
                                kernelVersion: kernel, osImage: osImage(), machineID: machineID())
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

/// The Node status the agent posts, as the kubelet builds it: addresses (InternalIP, the ExternalIP when one is
/// configured, Hostname), capacity and allocatable with pods=110, the four conditions the kubelet owns (each
/// keeping its lastTransitionTime while its status stays), and nodeInfo.
struct NodeStatusBuilder {
    /// The kubelet's default --max-pods.
    static let maxPods = 110

    let config: AgentConfig
    let machine: NodeMachineFacts

    func status(previous: JSON?, now: Date = Date()) -> JSON {
        let timestamp = Timestamps.rfc3339(now)
        let capacity: JSON = ["cpu": .string(String(machine.cpus)), "memory": .string("\(machine.memoryKi)Ki"),
                              "pods": .string(String(Self.maxPods)), "ephemeral-storage": .string("\(machine.diskKi)Ki")]
        var addresses: [JSON] = [["type": "InternalIP", "address": .string(config.nodeIP)]]
        if let ext = config.nodeExternalIP { addresses.append(["type": "ExternalIP", "address": .string(ext)]) }
        addresses.append(["type": "Hostname", "address": .string(config.nodeName)])
        func condition(_ type: String, _ status: String, _ reason: String, _ message: String) -> JSON {
            let old = previous?["conditions"].elements.first { $0["type"].string == type }
            let transition = old?["status"].string == status ? (old?["lastTransitionTime"] ?? .string(timestamp)) : .string(timestamp)
            return ["type": .string(type), "status": .string(status), "reason": .string(reason), "message": .string(message),
                    "lastHeartbeatTime": .string(timestamp), "lastTransitionTime": transition]
        }
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
            "nodeInfo": ["machineID": .string(machine.machineID), "systemUUID": "", "bootID": "",
                         "kernelVersion": .string(machine.kernelVersion), "osImage": .string(machine.osImage),
                         "containerRuntimeVersion": "swiftlet://0.1.0", "kubeletVersion": "v1.32.4",
                         "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64"],
        ]
    }
}
