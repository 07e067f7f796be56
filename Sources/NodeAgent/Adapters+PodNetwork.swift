import PodNetwork

/// Pod sandboxes from PodNetwork (netns, veth, bridge, IPAM through libnl-route).
public struct PodNetworkSandboxes: SandboxProvider {
    let network: PodNetwork

    public init(network: PodNetwork) { self.network = network }

    public func setUpHost() throws { try network.setUpHost() }

    public func createSandbox(podUID: String) throws -> PodSandbox {
        PodSandbox(try network.createSandbox(podUID: podUID))
    }

    public func sandbox(podUID: String) -> PodSandbox? { network.sandbox(podUID: podUID).map(PodSandbox.init) }

    public func listSandboxes() -> [PodSandbox] { network.listSandboxes().map(PodSandbox.init) }

    public func destroySandbox(podUID: String) throws { try network.destroySandbox(podUID: podUID) }

    /// Pod UIDs with any network state left, including half-made sandboxes from a crash.
    public func leftovers() -> [String] { network.podUIDsWithNetworkState() }
}

extension PodSandbox {
    init(_ s: Sandbox) { self.init(podUID: s.podUID, netnsPath: s.netnsPath, ip: s.ip) }
}
