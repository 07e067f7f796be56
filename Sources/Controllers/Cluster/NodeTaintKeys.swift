/// The well-known taints the node lifecycle controller manages and the scheduler understands.
public enum NodeTaintKeys {
    public static let notReady = "node.kubernetes.io/not-ready"
    public static let unreachable = "node.kubernetes.io/unreachable"
    public static let unschedulable = "node.kubernetes.io/unschedulable"
    public static let memoryPressure = "node.kubernetes.io/memory-pressure"
    public static let diskPressure = "node.kubernetes.io/disk-pressure"
    public static let pidPressure = "node.kubernetes.io/pid-pressure"
    public static let networkUnavailable = "node.kubernetes.io/network-unavailable"

    /// Which NoSchedule taint a node condition in a given status calls for (TaintNodesByCondition).
    static let byCondition: [String: [String: String]] = [
        "Ready": ["False": notReady, "Unknown": unreachable],
        "MemoryPressure": ["True": memoryPressure],
        "DiskPressure": ["True": diskPressure],
        "NetworkUnavailable": ["True": networkUnavailable],
        "PIDPressure": ["True": pidPressure],
    ]

    /// Taint keys that stand for a node condition: the controller owns their NoSchedule variants.
    static let conditionKeys: Set<String> = [notReady, unreachable, memoryPressure, diskPressure, networkUnavailable, pidPressure]
}
