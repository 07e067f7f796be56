import CNetlink
import Foundation

/// What PodNetwork needs to know about an existing interface.
struct LinkInfo {
    let index: Int32
    let name: String
    /// "bridge", "veth"… (nil for interfaces without a kind, e.g. lo).
    let kind: String?
    let master: Int32
    let flags: UInt32
    let mac: String?
    let mtu: UInt32

    var isUp: Bool { flags & UInt32(IFF_UP) != 0 }
}

extension NetlinkSocket {
    /// The interface named `name`, or nil when there is none in this socket's namespace.
    func link(named name: String) throws -> LinkInfo? {
        var out: OpaquePointer?
        let rc = rtnl_link_get_kernel(sock, 0, name, &out)
        if rc < 0 {
            let err = NetlinkSocket.error(rc, "look up link \(name)\(location)")
            if NetlinkSocket.isNotFound(err) { return nil }
            throw err
        }
        guard let l = out else { return nil }
        defer { rtnl_link_put(l) }
        return LinkInfo(index: rtnl_link_get_ifindex(l),
                        name: rtnl_link_get_name(l).map { String(cString: $0) } ?? name,
                        kind: rtnl_link_get_type(l).map { String(cString: $0) },
                        master: rtnl_link_get_master(l),
                        flags: UInt32(rtnl_link_get_flags(l)),
                        mac: NetlinkAddress.string(rtnl_link_get_addr(l)),
                        mtu: UInt32(rtnl_link_get_mtu(l)))
    }

    /// Creates a bridge with a fixed MAC: a bridge without an explicitly set address takes the lowest MAC
    /// of its ports, so the pods' gateway MAC would change as pods come and go and their ARP caches would
    /// point at nothing.
    func addBridge(name: String, mtu: Int, mac: [UInt8]) throws {
        guard let l = rtnl_link_bridge_alloc() else {
            throw PodNetworkError("create bridge \(name)\(location)", errno: ENOMEM, reason: "out of memory")
        }
        defer { rtnl_link_put(l) }
        rtnl_link_set_name(l, name)
        rtnl_link_set_mtu(l, UInt32(mtu))
        let addr = try NetlinkAddress(mac: mac)
        rtnl_link_set_addr(l, addr.addr)
        try check(rtnl_link_add(sock, l, NLM_F_CREATE | NLM_F_EXCL), "create bridge \(name)")
    }

    /// Creates a veth pair whose peer is born directly inside the namespace `peerNetnsFD` refers to, under
    /// the name `peerName` (so a pod's `eth0` never exists, not even briefly, under that name on the host).
    func addVeth(name: String, peerName: String, peerNetnsFD: Int32, peerLocation: String, mtu: Int) throws {
        guard let l = rtnl_link_veth_alloc() else {
            throw PodNetworkError("create veth \(name)\(location)", errno: ENOMEM, reason: "out of memory")
        }
        defer { rtnl_link_put(l) }  // frees the peer object too
        guard let peer = rtnl_link_veth_get_peer(l) else {
            throw PodNetworkError("create veth \(name)", errno: EINVAL, reason: "libnl returned no peer object")
        }
        defer { rtnl_link_put(peer) }  // get_peer took a reference
        rtnl_link_set_name(l, name)
        rtnl_link_set_mtu(l, UInt32(mtu))
        rtnl_link_set_name(peer, peerName)
        rtnl_link_set_mtu(peer, UInt32(mtu))
        rtnl_link_set_ns_fd(peer, peerNetnsFD)
        try check(rtnl_link_add(sock, l, NLM_F_CREATE | NLM_F_EXCL),
                  "create veth pair \(name) <-> \(peerName) in \(peerLocation)")
    }

    /// Applies `configure` to a change request for interface `index` (RTM_NEWLINK, libnl falls back to
    /// RTM_SETLINK where needed).
    private func changeLink(index: Int32, family: Int32 = AF_UNSPEC, _ operation: String,
                            _ configure: (OpaquePointer) throws -> Void) throws {
        guard let orig = rtnl_link_alloc(), let change = rtnl_link_alloc() else {
            throw PodNetworkError(operation + location, errno: ENOMEM, reason: "out of memory")
        }
        defer { rtnl_link_put(orig); rtnl_link_put(change) }
        rtnl_link_set_ifindex(orig, index)
        if family != AF_UNSPEC {
            rtnl_link_set_family(orig, family)
            rtnl_link_set_family(change, family)
        }
        try configure(change)
        try check(rtnl_link_change(sock, orig, change, 0), operation)
    }

    func setUp(_ link: LinkInfo) throws {
        try changeLink(index: link.index, "set link \(link.name) up") {
            rtnl_link_set_flags($0, UInt32(IFF_UP))
        }
    }

    func setMaster(_ link: LinkInfo, bridge: LinkInfo) throws {
        try changeLink(index: link.index, "attach \(link.name) to bridge \(bridge.name)") {
            rtnl_link_set_master($0, bridge.index)
        }
    }

    /// Turns on hairpin mode on a bridge port (IFLA_BRPORT_MODE through an AF_BRIDGE link change), so
    /// the bridge may send a frame back out of the port it came in on: with br_netfilter a pod reaching
    /// itself through its Service's ClusterIP is DNATed inside the bridge path and must go back out of its
    /// own port.
    func setHairpin(_ link: LinkInfo) throws {
        try changeLink(index: link.index, family: AF_BRIDGE, "set hairpin mode on bridge port \(link.name)") {
            try check(rtnl_link_bridge_set_flags($0, UInt32(RTNL_BRIDGE_HAIRPIN_MODE.rawValue)),
                      "set hairpin mode on bridge port \(link.name)")
        }
    }

    /// Deletes the interface; true when it existed.
    @discardableResult
    func deleteLink(named name: String) throws -> Bool {
        guard let l = rtnl_link_alloc() else {
            throw PodNetworkError("delete link \(name)\(location)", errno: ENOMEM, reason: "out of memory")
        }
        defer { rtnl_link_put(l) }
        rtnl_link_set_name(l, name)
        let rc = rtnl_link_delete(sock, l)
        if rc < 0 {
            let err = NetlinkSocket.error(rc, "delete link \(name)\(location)")
            if NetlinkSocket.isNotFound(err) { return false }
            throw err
        }
        return true
    }
}
