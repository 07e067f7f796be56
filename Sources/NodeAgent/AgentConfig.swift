import Foundation

public struct AgentConfig: Sendable {
    public var nodeName: String
    public var nodeIP: String
    public var nodeExternalIP: String?
    public var dataDir: String
    /// This node's slice of the pod network (the bridge holds .1).
    public var podCIDR: String
    public var clusterDNS: String = "10.96.0.10"
    public var clusterDomain: String = "cluster.local"
    /// The monitor executable started for every container.
    public var shimPath: String
    /// Apply the RuntimeDefault seccomp profile to every pod that does not ask otherwise.
    public var seccompDefault = false
    /// A directory of static pod manifests (the kubelet's --pod-manifest-path), if any.
    public var podManifestPath: String?
    /// How often the agent renews its Lease and refreshes its Node status.
    public var heartbeatInterval: Double = 10

    public init(nodeName: String, nodeIP: String, dataDir: String, podCIDR: String, shimPath: String) {
        self.nodeName = nodeName
        self.nodeIP = nodeIP
        self.dataDir = dataDir
        self.podCIDR = podCIDR
        self.shimPath = shimPath
    }

    var podsDir: String { dataDir + "/pods" }
    var logsDir: String { dataDir + "/logs" }
    func podDir(_ uid: String) -> String { "\(podsDir)/\(uid)" }
}
