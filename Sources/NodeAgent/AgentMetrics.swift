import Foundation
import Metrics
import Synchronization

/// The kubelet-like figures of this node, through swift-metrics: pod start latency (creation → all containers
/// running, as kubelet_pod_start_duration_seconds), running pods and running containers.
public final class AgentMetrics: Sendable {
    public static let podStartMetric = "kubelet_pod_start_duration_seconds"
    /// The kubelet's buckets for kubelet_pod_start_duration_seconds.
    public static let podStartBuckets: [Double] = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600]

    /// pod uid → running containers.
    private let running = Mutex<[String: Int]>([:])
    private let podStart = Recorder(label: AgentMetrics.podStartMetric, aggregate: true)
    private let runningPods = Gauge(label: "kubelet_running_pods")
    private let runningContainers = Gauge(label: "kubelet_running_containers", dimensions: [("container_state", "running")])

    func observePodStart(seconds: Double) {
        podStart.record(seconds)
    }

    func setRunning(podUID: String, containers: Int) {
        let (pods, total) = running.withLock { r in
            if containers > 0 { r[podUID] = containers } else { r.removeValue(forKey: podUID) }
            return (r.count, r.values.reduce(0, +))
        }
        runningPods.record(pods)
        runningContainers.record(total)
    }
}
