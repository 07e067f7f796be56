import Foundation

extension PodNetwork {
    /// The pod's end of the veth pair, inside its namespace.
    static let podInterface = "eth0"

    /// Makes (or returns) the network sandbox of pod `podUID`:
    /// a network namespace pinned at `<stateDir>/netns/<podUID>` with `lo` up; a veth pair whose host end
    /// (`veth<8 hex>`) is on the bridge with hairpin mode and whose pod end is `eth0`; an address from the
    /// node range on eth0; a default route via the bridge.
    ///
    /// Idempotent per pod: an intact sandbox is returned as it is (same IP, same namespace). A half-made
    /// one (crash, or its veth deleted) is repaired in place: its namespace is kept if still pinned (so
    /// running containers stay in it), its veth is rebuilt and its leased IP reused. On failure, whatever
    /// this call made is removed again.
    public func createSandbox(podUID: String) throws -> Sandbox {
        try Naming.validatePodUID(podUID)
        return try withLock {
            let nl = try NetlinkSocket()
            let operation = "create sandbox for pod \(podUID)"
            let bridge = try requireBridge(nl, for: operation)
            let hostVeth = Naming.hostVeth(podUID: podUID)
            let netnsPath = netnsPath(podUID: podUID)

            if let existing = records.load(podUID), NetworkNamespace.isPinned(existing.netnsPath),
               let link = try nl.link(named: existing.hostVeth), link.master == bridge.index {
                return existing
            }
            if let other = records.all().first(where: { $0.hostVeth == hostVeth && $0.podUID != podUID }) {
                throw PodNetworkError(operation, errno: EEXIST,
                                      reason: "host veth name \(hostVeth) is taken by pod \(other.podUID) (hash collision)")
            }

            let hadLease = ipam.lease(of: podUID) != nil
            let ip = try ipam.allocate(for: podUID)
            var madeNetns = false
            do {
                if !NetworkNamespace.isPinned(netnsPath) {
                    try NetworkNamespace.remove(at: netnsPath)  // a stale unpinned file from a crash
                    try NetworkNamespace.create(at: netnsPath) {
                        let inPod = try NetlinkSocket(location: " in \(netnsPath)")
                        guard let lo = try inPod.link(named: "lo") else {
                            throw PodNetworkError("set link lo up in \(netnsPath)", errno: ENODEV, reason: "no loopback device")
                        }
                        try inPod.setUp(lo)
                    }
                    madeNetns = true
                }
                // A veth left by an earlier attempt goes; deleting it deletes its peer (the old eth0) too.
                try nl.deleteLink(named: hostVeth)
                try addVeth(nl, name: hostVeth, netnsPath: netnsPath)
                guard let host = try nl.link(named: hostVeth) else {
                    throw PodNetworkError("configure veth \(hostVeth)", errno: ENODEV, reason: "it is gone right after creation")
                }
                try nl.setMaster(host, bridge: bridge)
                try nl.setHairpin(host)
                try nl.setUp(host)
                let mac = try configurePodSide(netnsPath: netnsPath, ip: ip)
                let sandbox = Sandbox(podUID: podUID, netnsPath: netnsPath, ip: ip.description,
                                      prefixLength: nodeCIDR.prefixLength, gateway: nodeCIDR.gateway.description,
                                      hostVeth: hostVeth, mac: mac)
                try records.save(sandbox)
                return sandbox
            } catch {
                // Undo in reverse; best effort, the original error is what the caller needs.
                _ = try? nl.deleteLink(named: hostVeth)
                if madeNetns { try? NetworkNamespace.remove(at: netnsPath) }
                if !hadLease { try? ipam.release(owner: podUID) }
                try? records.remove(podUID)
                throw error
            }
        }
    }

    /// The recorded sandbox of pod `podUID` (also after an agent restart), nil if there is none.
    /// This reads the record only; `createSandbox` checks and repairs the real state.
    public func sandbox(podUID: String) -> Sandbox? {
        guard (try? Naming.validatePodUID(podUID)) != nil else { return nil }
        return records.load(podUID)
    }

    /// All recorded sandboxes, sorted by pod UID (after a restart: to find sandboxes whose pod is gone).
    public func listSandboxes() -> [Sandbox] { records.all() }

    /// Every pod UID that has any network state here: a record, an IP lease or a namespace file. A crash
    /// in the middle of createSandbox can leave a lease or a namespace without a record; an agent that
    /// calls destroySandbox for each of these whose pod no longer exists leaves nothing behind.
    public func podUIDsWithNetworkState() -> [String] {
        var uids = Set(records.all().map(\.podUID))
        uids.formUnion(ipam.leases().values)
        if let names = try? FileManager.default.contentsOfDirectory(atPath: netnsDirectory) {
            uids.formUnion(names.filter { (try? Naming.validatePodUID($0)) != nil })
        }
        return uids.sorted()
    }

    /// Removes the sandbox of pod `podUID`: the host veth (its pod end goes with it), the namespace pin
    /// and file, the IP lease and the record. Idempotent: whatever is already gone is skipped. Processes
    /// still inside the namespace keep it alive (now without a network device) until they exit.
    public func destroySandbox(podUID: String) throws {
        try Naming.validatePodUID(podUID)
        try withLock {
            let hostVeth = records.load(podUID)?.hostVeth ?? Naming.hostVeth(podUID: podUID)
            // Never delete a veth that another pod's record claims (hash collision with a pod that never
            // got a sandbox).
            let claimedByOther = records.all().contains { $0.hostVeth == hostVeth && $0.podUID != podUID }
            if !claimedByOther {
                let nl = try NetlinkSocket()
                try nl.deleteLink(named: hostVeth)
            }
            try NetworkNamespace.remove(at: netnsPath(podUID: podUID))
            try ipam.release(owner: podUID)
            try records.remove(podUID)
        }
    }

    private func addVeth(_ nl: NetlinkSocket, name: String, netnsPath: String) throws {
        let fd = open(netnsPath, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw PodNetworkError.system("open network namespace \(netnsPath)") }
        defer { close(fd) }
        try nl.addVeth(name: name, peerName: PodNetwork.podInterface, peerNetnsFD: fd, peerLocation: netnsPath,
                       mtu: config.mtu)
    }

    /// Inside the pod: address on eth0, eth0 up, default route via the bridge. Returns eth0's MAC.
    private func configurePodSide(netnsPath: String, ip: IPv4Address) throws -> String? {
        try NetworkNamespace.run(in: netnsPath) {
            let inPod = try NetlinkSocket(location: " in \(netnsPath)")
            guard let eth0 = try inPod.link(named: PodNetwork.podInterface) else {
                throw PodNetworkError("configure \(PodNetwork.podInterface) in \(netnsPath)", errno: ENODEV,
                                      reason: "the veth peer did not arrive in the namespace")
            }
            try inPod.addAddress(ip, prefixLength: nodeCIDR.prefixLength, broadcast: nodeCIDR.broadcast,
                                 to: eth0, existingIsFine: false)
            try inPod.setUp(eth0)
            try inPod.addRoute(RouteSpec(destination: IPv4CIDR("0.0.0.0/0")!,
                                         kind: .via(gateway: nodeCIDR.gateway, ifindex: eth0.index, ifname: eth0.name)))
            return eth0.mac
        }
    }
}
