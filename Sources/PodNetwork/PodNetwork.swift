import Foundation

/// Pod sandbox networking for swiftlet, in the manner of the bridge CNI plugin with host-local IPAM:
/// every pod gets a network namespace, a veth pair into the node's bridge and an address from the node's
/// pod range. Netlink goes through libnl-route only: no `ip` processes.
///
/// The calls are synchronous and serialised per instance (each takes milliseconds); namespace work runs
/// on short-lived threads of its own, so no caller's thread ever changes namespace.
///
/// On-disk state (all under `config.stateDir`):
/// - `netns/<podUID>`: the namespace bind mounts;
/// - `pod-network/ipam/<ip>`: leases (content: pod UID), `pod-network/ipam/last_reserved_ip`;
/// - `pod-network/sandboxes/<podUID>.json`: what `sandbox(podUID:)` returns after a restart.
public final class PodNetwork: Sendable {
    public let config: PodNetworkConfig
    let nodeCIDR: IPv4CIDR
    let clusterCIDR: IPv4CIDR
    let serviceCIDR: IPv4CIDR
    let localServiceIPs: [IPv4Address]
    let netnsDirectory: String
    let ipam: IPAM
    let records: SandboxStore
    private let lock = NSLock()

    /// Validates the configuration and creates the state directories; touches no network state.
    public init(config: PodNetworkConfig) throws {
        func cidr(_ text: String, _ what: String) throws -> IPv4CIDR {
            guard let c = IPv4CIDR(text) else {
                throw PodNetworkError("configure pod network \(what)", errno: EINVAL,
                                      reason: "\"\(text)\" is not an IPv4 CIDR with zero host bits (like 10.244.0.0/24)")
            }
            return c
        }
        nodeCIDR = try cidr(config.nodePodCIDR, "node pod CIDR")
        clusterCIDR = try cidr(config.clusterPodCIDR, "cluster pod CIDR")
        serviceCIDR = try cidr(config.serviceCIDR, "service CIDR")
        guard nodeCIDR.prefixLength <= 30 else {
            throw PodNetworkError("configure pod network node pod CIDR", errno: EINVAL,
                                  reason: "\(nodeCIDR) leaves no address for pods (need /30 or wider)")
        }
        guard clusterCIDR.contains(nodeCIDR) else {
            throw PodNetworkError("configure pod network node pod CIDR", errno: EINVAL,
                                  reason: "\(nodeCIDR) is not inside the cluster pod CIDR \(clusterCIDR)")
        }
        guard !serviceCIDR.contains(clusterCIDR.network) && !clusterCIDR.contains(serviceCIDR.network) else {
            throw PodNetworkError("configure pod network service CIDR", errno: EINVAL,
                                  reason: "\(serviceCIDR) overlaps the cluster pod CIDR \(clusterCIDR)")
        }
        let services = serviceCIDR
        localServiceIPs = try config.localServiceIPs.map { text in
            guard let ip = IPv4Address(text), services.contains(ip) else {
                throw PodNetworkError("configure pod network local service address \"\(text)\"", errno: EINVAL,
                                      reason: "not an IPv4 address inside the service CIDR \(services)")
            }
            return ip
        }
        guard !config.bridgeName.isEmpty, config.bridgeName.utf8.count <= 15, !config.bridgeName.contains("/") else {
            throw PodNetworkError("configure pod network bridge \"\(config.bridgeName)\"", errno: EINVAL,
                                  reason: "an interface name has 1-15 bytes and no '/'")
        }
        guard (68...65535).contains(config.mtu) else {
            throw PodNetworkError("configure pod network MTU \(config.mtu)", errno: EINVAL, reason: "must be 68-65535")
        }
        self.config = config
        netnsDirectory = config.stateDir + "/netns"
        ipam = IPAM(directory: config.stateDir + "/pod-network/ipam", range: nodeCIDR)
        records = SandboxStore(directory: config.stateDir + "/pod-network/sandboxes")
        for dir in [netnsDirectory, ipam.directory, records.directory] {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw PodNetworkError("create pod network state directory \(dir)", reason: "\(error)")
            }
        }
    }

    /// The bridge's address: the pods' default gateway.
    public var gatewayIP: String { nodeCIDR.gateway.description }

    /// Where the namespace of pod `podUID` is (or would be) pinned.
    public func netnsPath(podUID: String) -> String { "\(netnsDirectory)/\(podUID)" }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Runs `body` on a thread inside the network namespace pinned at `netnsPath` and returns its result:
    /// sockets it opens belong to that namespace for their whole life (e.g. a probe's TCP connect to
    /// 127.0.0.1 of the pod). The thread exits afterwards, so no caller's thread changes namespace.
    public func withNetworkNamespace<T>(_ netnsPath: String, _ body: () throws -> T) throws -> T {
        try NetworkNamespace.run(in: netnsPath, body)
    }
}
