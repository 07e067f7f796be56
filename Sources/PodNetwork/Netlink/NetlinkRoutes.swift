import CNetlink
import Foundation

/// A main-table IPv4 route as PodNetwork installs it.
struct RouteSpec: CustomStringConvertible {
    enum Kind {
        /// `dst dev <ifindex> scope link`
        case onLink(ifindex: Int32, ifname: String)
        /// `dst via <gateway> dev <ifindex>`
        case via(gateway: IPv4Address, ifindex: Int32, ifname: String)
        /// `unreachable dst`: the lookup fails at once (EHOSTUNREACH) instead of falling to the default route.
        case unreachable
    }
    let destination: IPv4CIDR
    let kind: Kind

    var description: String {
        let dst = destination.prefixLength == 0 ? "default" : destination.description
        switch kind {
        case .onLink(_, let name): return "\(dst) dev \(name) scope link"
        case .via(let gw, _, let name): return "\(dst) via \(gw) dev \(name)"
        case .unreachable: return "unreachable \(dst)"
        }
    }
}

extension NetlinkSocket {
    /// Builds the libnl route object for `spec`; the caller owns it (rtnl_route_put).
    private func makeRoute(_ spec: RouteSpec, _ operation: String) throws -> OpaquePointer {
        guard let r = rtnl_route_alloc() else {
            throw PodNetworkError(operation + location, errno: ENOMEM, reason: "out of memory")
        }
        do {
            try check(rtnl_route_set_family(r, UInt8(AF_INET)), operation)
            let dst = try NetlinkAddress(parsing: spec.destination.description)
            try check(rtnl_route_set_dst(r, dst.addr), operation)
            rtnl_route_set_table(r, UInt32(RT_TABLE_MAIN.rawValue))
            rtnl_route_set_protocol(r, UInt8(RTPROT_STATIC))
            switch spec.kind {
            case .onLink(let ifindex, _):
                try check(rtnl_route_set_type(r, UInt8(RTN_UNICAST)), operation)
                rtnl_route_set_scope(r, UInt8(RT_SCOPE_LINK.rawValue))
                guard let nh = rtnl_route_nh_alloc() else { throw PodNetworkError(operation, errno: ENOMEM, reason: "out of memory") }
                rtnl_route_nh_set_ifindex(nh, ifindex)
                rtnl_route_add_nexthop(r, nh)  // the route owns nh from here
            case .via(let gateway, let ifindex, _):
                try check(rtnl_route_set_type(r, UInt8(RTN_UNICAST)), operation)
                rtnl_route_set_scope(r, UInt8(RT_SCOPE_UNIVERSE.rawValue))
                guard let nh = rtnl_route_nh_alloc() else { throw PodNetworkError(operation, errno: ENOMEM, reason: "out of memory") }
                rtnl_route_nh_set_ifindex(nh, ifindex)
                let gw = try NetlinkAddress(parsing: gateway.description)
                rtnl_route_nh_set_gateway(nh, gw.addr)  // takes its own reference
                rtnl_route_add_nexthop(r, nh)
            case .unreachable:
                try check(rtnl_route_set_type(r, UInt8(RTN_UNREACHABLE)), operation)
                rtnl_route_set_scope(r, UInt8(RT_SCOPE_UNIVERSE.rawValue))
            }
            return r
        } catch {
            rtnl_route_put(r)
            throw error
        }
    }

    /// Installs the route, replacing whatever the main table had for that exact prefix (so repeated host
    /// set-ups converge instead of failing with "File exists").
    func replaceRoute(_ spec: RouteSpec) throws {
        let operation = "add route \(spec)"
        let r = try makeRoute(spec, operation)
        defer { rtnl_route_put(r) }
        try check(rtnl_route_add(sock, r, NLM_F_CREATE | NLM_F_REPLACE), operation)
    }

    /// Adds the route; fails with EEXIST when one for that prefix exists.
    func addRoute(_ spec: RouteSpec) throws {
        let operation = "add route \(spec)"
        let r = try makeRoute(spec, operation)
        defer { rtnl_route_put(r) }
        try check(rtnl_route_add(sock, r, NLM_F_CREATE | NLM_F_EXCL), operation)
    }

    /// Deletes the route; true when it existed.
    @discardableResult
    func deleteRoute(_ spec: RouteSpec) throws -> Bool {
        let operation = "delete route \(spec)"
        let r = try makeRoute(spec, operation)
        defer { rtnl_route_put(r) }
        let rc = rtnl_route_delete(sock, r, 0)
        if rc < 0 {
            let err = NetlinkSocket.error(rc, operation + location)
            if err.errno == ESRCH || err.errno == ENOENT { return false }
            throw err
        }
        return true
    }
}
