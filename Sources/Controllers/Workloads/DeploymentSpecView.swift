import Foundation
import KubeAPI

/// A Deployment's spec with the apps/v1 defaults applied where fields are missing (replicas 1,
/// RollingUpdate with 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600), and the
/// rollout arithmetic of Kubernetes' deployment util package.
struct DeploymentSpecView {
    static let maxInt32 = 2_147_483_647

    let replicas: Int
    let strategyType: String
    let maxSurgeValue: JSON
    let maxUnavailableValue: JSON
    /// nil when unlimited (MaxInt32).
    let revisionHistoryLimit: Int?
    /// nil when there is no deadline (MaxInt32).
    let progressDeadlineSeconds: Int?
    let minReadySeconds: Int
    let paused: Bool

    init(_ d: JSON) {
        let spec = d["spec"]
        replicas = Int(spec["replicas"].int ?? 1)
        strategyType = spec["strategy"]["type"].string ?? "RollingUpdate"
        let rolling = spec["strategy"]["rollingUpdate"]
        maxSurgeValue = rolling["maxSurge"].isNull ? "25%" : rolling["maxSurge"]
        maxUnavailableValue = rolling["maxUnavailable"].isNull ? "25%" : rolling["maxUnavailable"]
        let limit = Int(spec["revisionHistoryLimit"].int ?? 10)
        revisionHistoryLimit = limit == Self.maxInt32 ? nil : limit
        let deadline = Int(spec["progressDeadlineSeconds"].int ?? 600)
        progressDeadlineSeconds = deadline == Self.maxInt32 ? nil : deadline
        minReadySeconds = Int(spec["minReadySeconds"].int ?? 0)
        paused = spec["paused"].bool ?? false
    }

    var isRollingUpdate: Bool { strategyType == "RollingUpdate" }
    var hasProgressDeadline: Bool { progressDeadlineSeconds != nil }

    /// An int-or-percent scaled against `total`: percentages round up for surge and down for
    /// unavailability, as Kubernetes' GetScaledValueFromIntOrPercent does. Anything else is 0.
    static func scaled(_ value: JSON, total: Int, roundUp: Bool) -> Int {
        if let i = value.int { return Int(i) }
        guard let text = value.string, text.hasSuffix("%"), let percent = Int(text.dropLast()) else { return 0 }
        let exact = Double(percent) * Double(total) / 100
        return Int(roundUp ? exact.rounded(.up) : exact.rounded(.down))
    }

    /// (surge, unavailable) for `desired` replicas; when both round to 0, unavailability becomes 1
    /// so a rollout can always make progress.
    static func fenceposts(maxSurge: JSON, maxUnavailable: JSON, desired: Int) -> (surge: Int, unavailable: Int) {
        let surge = scaled(maxSurge, total: desired, roundUp: true)
        var unavailable = scaled(maxUnavailable, total: desired, roundUp: false)
        if surge == 0 && unavailable == 0 { unavailable = 1 }
        return (surge, unavailable)
    }

    var maxSurge: Int {
        guard isRollingUpdate else { return 0 }
        return Self.fenceposts(maxSurge: maxSurgeValue, maxUnavailable: maxUnavailableValue, desired: replicas).surge
    }

    var maxUnavailable: Int {
        guard isRollingUpdate, replicas != 0 else { return 0 }
        let unavailable = Self.fenceposts(maxSurge: maxSurgeValue, maxUnavailable: maxUnavailableValue, desired: replicas).unavailable
        return min(unavailable, replicas)
    }
}

/// Sums and orders over a Deployment's ReplicaSets (Kubernetes' deployment util helpers).
enum ReplicaSetSums {
    static func specReplicas(_ rss: [JSON]) -> Int { rss.reduce(0) { $0 + WorkloadFields.specReplicas($1) } }
    static func statusReplicas(_ rss: [JSON]) -> Int { rss.reduce(0) { $0 + WorkloadFields.statusCount($1, "replicas") } }
    static func ready(_ rss: [JSON]) -> Int { rss.reduce(0) { $0 + WorkloadFields.statusCount($1, "readyReplicas") } }
    static func available(_ rss: [JSON]) -> Int { rss.reduce(0) { $0 + WorkloadFields.statusCount($1, "availableReplicas") } }

    /// ReplicaSets that want pods.
    static func active(_ rss: [JSON]) -> [JSON] { rss.filter { WorkloadFields.specReplicas($0) > 0 } }

    /// Larger first; equal sizes older first (where to take replicas from when scaling down).
    static func bySizeOlder(_ a: JSON, _ b: JSON) -> Bool {
        let sa = WorkloadFields.specReplicas(a), sb = WorkloadFields.specReplicas(b)
        return sa == sb ? workloadOlderFirst(a, b) : sa > sb
    }

    /// Larger first; equal sizes newer first (where to add replicas when scaling up).
    static func bySizeNewer(_ a: JSON, _ b: JSON) -> Bool {
        let sa = WorkloadFields.specReplicas(a), sb = WorkloadFields.specReplicas(b)
        return sa == sb ? workloadOlderFirst(b, a) : sa > sb
    }
}
