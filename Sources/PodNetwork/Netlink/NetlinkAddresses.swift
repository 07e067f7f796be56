import CNetlink
import Foundation

extension NetlinkSocket {
    /// Adds `address`/`prefixLength` (with its broadcast) to the interface. With `existingIsFine`, an
    /// identical address already there counts as success (host setup is idempotent); a pod's fresh eth0
    /// passes false so a surprise duplicate is reported.
    func addAddress(_ address: IPv4Address, prefixLength: Int, broadcast: IPv4Address?, to link: LinkInfo,
                    existingIsFine: Bool) throws {
        let operation = "add address \(address)/\(prefixLength) to \(link.name)"
        guard let a = rtnl_addr_alloc() else {
            throw PodNetworkError(operation + location, errno: ENOMEM, reason: "out of memory")
        }
        defer { rtnl_addr_put(a) }
        let local = try NetlinkAddress(parsing: "\(address)/\(prefixLength)")
        rtnl_addr_set_ifindex(a, link.index)
        rtnl_addr_set_family(a, AF_INET)
        try check(rtnl_addr_set_local(a, local.addr), operation)
        rtnl_addr_set_prefixlen(a, Int32(prefixLength))
        if let broadcast {
            let b = try NetlinkAddress(parsing: broadcast.description)
            try check(rtnl_addr_set_broadcast(a, b.addr), operation)
        }
        let rc = rtnl_addr_add(sock, a, 0)
        if rc < 0 {
            let err = NetlinkSocket.error(rc, operation + location)
            if existingIsFine && err.errno == EEXIST { return }
            throw err
        }
    }
}
