import Foundation
import KubeAPI
import XCTest

@testable import NodeAgent

final class NodeStatusBuilderTests: XCTestCase {
    let machine = NodeMachineFacts(cpus: 6, memoryKi: 16_305_000, diskKi: 100_000_000, kernelVersion: "6.1.0-test",
                                   osImage: "Debian GNU/Linux 12 (bookworm)", machineID: "abc123")

    func config(externalIP: String?) -> AgentConfig {
        var c = AgentConfig(nodeName: "worker-1", nodeIP: "192.168.1.20", dataDir: "/nonexistent", podCIDR: "10.244.0.0/24",
                            shimPath: "/bin/false")
        c.nodeExternalIP = externalIP
        return c
    }

    func addresses(_ status: JSON) -> [String] {
        status["addresses"].elements.map { "\($0["type"].string ?? "")=\($0["address"].string ?? "")" }
    }

    func conditions(_ status: JSON) -> [String: JSON] {
        Dictionary(uniqueKeysWithValues: status["conditions"].elements.map { ($0["type"].string ?? "", $0) })
    }

    func testExternalIPIsAdvertisedBetweenInternalIPAndHostname() {
        let status = NodeStatusBuilder(config: config(externalIP: "203.0.113.7"), machine: machine).status(previous: nil)
        XCTAssertEqual(addresses(status), ["InternalIP=192.168.1.20", "ExternalIP=203.0.113.7", "Hostname=worker-1"])
    }

    func testWithoutExternalIPOnlyInternalIPAndHostname() {
        let status = NodeStatusBuilder(config: config(externalIP: nil), machine: machine).status(previous: nil)
        XCTAssertEqual(addresses(status), ["InternalIP=192.168.1.20", "Hostname=worker-1"])
    }

    func testCapacityAndAllocatableFromTheMachineWith110Pods() {
        let status = NodeStatusBuilder(config: config(externalIP: nil), machine: machine).status(previous: nil)
        let expected: JSON = ["cpu": "6", "memory": "16305000Ki", "pods": "110", "ephemeral-storage": "100000000Ki"]
        XCTAssertEqual(status["capacity"], expected)
        XCTAssertEqual(status["allocatable"], expected)
        XCTAssertEqual(status["nodeInfo"]["kernelVersion"].string, "6.1.0-test")
        XCTAssertEqual(status["nodeInfo"]["osImage"].string, "Debian GNU/Linux 12 (bookworm)")
        XCTAssertEqual(status["nodeInfo"]["machineID"].string, "abc123")
        XCTAssertEqual(status["nodeInfo"]["kubeletVersion"].string, "v1.32.4")
    }

    func testConditionsKeepTheirTransitionTimeWhileTheirStatusStays() {
        let builder = NodeStatusBuilder(config: config(externalIP: nil), machine: machine)
        let t0 = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
        let first = builder.status(previous: nil, now: t0)
        let c0 = conditions(first)
        XCTAssertEqual(c0.mapValues { $0["status"].string ?? "" },
                       ["Ready": "True", "MemoryPressure": "False", "DiskPressure": "False", "PIDPressure": "False"])
        XCTAssertEqual(c0.mapValues { $0["reason"].string ?? "" },
                       ["Ready": "KubeletReady", "MemoryPressure": "KubeletHasSufficientMemory",
                        "DiskPressure": "KubeletHasNoDiskPressure", "PIDPressure": "KubeletHasSufficientPID"])
        XCTAssertEqual(c0["Ready"]?["message"].string, "kubelet is posting ready status")

        // A node controller marked the node Unknown meanwhile: Ready transitions again, the others keep theirs.
        var previous = first
        previous["conditions"] = .array(first["conditions"].elements.map { c in
            var c = c
            if c["type"] == "Ready" { c["status"] = "Unknown" }
            return c
        })
        let later = conditions(builder.status(previous: previous, now: t0.addingTimeInterval(30)))
        XCTAssertEqual(later["Ready"]?["lastTransitionTime"].string, "2026-01-01T00:00:30Z")
        XCTAssertEqual(later["MemoryPressure"]?["lastTransitionTime"].string, "2026-01-01T00:00:00Z")
        XCTAssertEqual(later["MemoryPressure"]?["lastHeartbeatTime"].string, "2026-01-01T00:00:30Z")
    }
}
