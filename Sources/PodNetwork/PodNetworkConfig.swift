import Foundation

/// Where pods live on this node's network. The defaults are swiftlet's (DESIGN §1): bridge `swiftlet0`
/// holding `.1` of the node's /24, the cluster pod CIDR 10.244.0.0/16 and the service CIDR 10.96.0.0/12.
public struct PodNetworkConfig: Sendable, Equatable {
    /// The Linux bridge the pods' veths are attached to (at most 15 bytes, an interface name).
    public var bridgeName: String
    /// This node's pod range; the bridge holds its first host address (the pods' gateway).
    public var nodePodCIDR: String
    /// The whole cluster's pod range: an `unreachable` route keeps other nodes' pod traffic off the default route.
    public var clusterPodCIDR: String
    /// The Service (ClusterIP) range: routed into the bridge so the host's first route lookup succeeds and
    /// the service proxy's DNAT can rewrite it; unprogrammed ClusterIPs die on the bridge.
    public var serviceCIDR: String
    /// The data dir: netns bind mounts go to `netns/<podUID>`, IPAM leases and sandbox records under
    /// `pod-network/` (the data dir is shared with the rest of swiftlet).
    public var stateDir: String
    /// MTU of the bridge and both veth ends.
    public var mtu: Int
    /// Addresses of the service range that this node answers itself (kube-dns's ClusterIP, served by swiftlet's
    /// DNS): they are put on the bridge as /32s, so that packets to them are delivered locally, without the proxy's
    /// DNAT, as NodeLocal DNSCache does in Kubernetes.
    public var localServiceIPs: [String] = []

    public init(bridgeName: String = "swiftlet0",
                nodePodCIDR: String = "10.244.0.0/24",
                clusterPodCIDR: String = "10.244.0.0/16",
                serviceCIDR: String = "10.96.0.0/12",
                stateDir: String = "/var/lib/swiftlet",
                mtu: Int = 1500) {
        self.bridgeName = bridgeName
        self.nodePodCIDR = nodePodCIDR
        self.clusterPodCIDR = clusterPodCIDR
        self.serviceCIDR = serviceCIDR
        self.stateDir = stateDir
        self.mtu = mtu
    }
}
