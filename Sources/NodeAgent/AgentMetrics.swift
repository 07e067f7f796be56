import Foundation
import Synchronization

/// The kubelet-like figures of this node: pod start latency (creation → all containers running, as
/// kubelet_pod_start_duration_seconds), running pods and containers.
public final class AgentMetrics: Sendable {
    static let buckets: [Double] = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600]

    private struct State {
        var counts = [Int](repeating: 0, count: AgentMetrics.buckets.count)
        var sum = 0.0
        var total = 0
        var runningPods: [String: Int] = [:]   // pod uid → running containers
    }
    private let state = Mutex(State())

    func observePodStart(seconds: Double) {
        state.withLock { s in
            for (i, b) in Self.buckets.enumerated() where seconds <= b { s.counts[i] += 1 }
            s.sum += seconds
            s.total += 1
        }
    }

    func setRunning(podUID: String, containers: Int) {
        state.withLock { s in
            if containers > 0 { s.runningPods[podUID] = containers } else { s.runningPods.removeValue(forKey: podUID) }
        }
    }

    public func render() -> String {
        let s = state.withLock { $0 }
        var out = "# HELP kubelet_pod_start_duration_seconds Duration from a pod's creation to all its containers running.\n"
        out += "# TYPE kubelet_pod_start_duration_seconds histogram\n"
        for (i, b) in Self.buckets.enumerated() {
            out += "kubelet_pod_start_duration_seconds_bucket{le=\"\(b)\"} \(s.counts[i])\n"
        }
        out += "kubelet_pod_start_duration_seconds_bucket{le=\"+Inf\"} \(s.total)\n"
        out += "kubelet_pod_start_duration_seconds_sum \(s.sum)\nkubelet_pod_start_duration_seconds_count \(s.total)\n"
        out += "# HELP kubelet_running_pods Pods with at least one running container.\n# TYPE kubelet_running_pods gauge\n"
        out += "kubelet_running_pods \(s.runningPods.count)\n"
        out += "# HELP kubelet_running_containers Running containers.\n# TYPE kubelet_running_containers gauge\n"
        out += "kubelet_running_containers{container_state=\"running\"} \(s.runningPods.values.reduce(0, +))\n"
        return out
    }
}
