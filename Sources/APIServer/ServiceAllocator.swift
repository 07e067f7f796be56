import KubeAPI
import Synchronization

/// ClusterIPs from the service CIDR and NodePorts from 30000–32767, each handed out once. The set of taken
/// values is rebuilt from the stored Services at start, so a restart never hands out a value twice.
final class ServiceAllocator: Sendable {
    let serviceCIDR: IPv4CIDR
    static let nodePortRange: ClosedRange<Int64> = 30000...32767

    private struct Taken {
        var ips: Set<String> = []
        var nodePorts: Set<Int64> = []
    }
    private let taken = Mutex(Taken())

    init(serviceCIDR: IPv4CIDR) {
        self.serviceCIDR = serviceCIDR
    }

    /// Marks what stored services hold (at start).
    func adopt(_ services: [JSON]) {
        taken.withLock { t in
            for s in services {
                t.ips.formUnion(Self.clusterIPs(of: s))
                t.nodePorts.formUnion(Self.nodePorts(of: s))
            }
        }
    }

    static func clusterIPs(of service: JSON) -> [String] {
        var ips = service["spec"]["clusterIPs"].elements.compactMap(\.string)
        if let ip = service["spec"]["clusterIP"].string, !ips.contains(ip) { ips.append(ip) }
        return ips.filter { $0 != "None" && !$0.isEmpty }
    }

    static func nodePorts(of service: JSON) -> [Int64] {
        var ports = service["spec"]["ports"].elements.compactMap { $0["nodePort"].int }
        if let hc = service["spec"]["healthCheckNodePort"].int { ports.append(hc) }
        return ports
    }

    enum Failure: Error {
        case ipTaken(String), ipOutOfRange(String), ipExhausted
        case portTaken(index: Int, port: Int64), portOutOfRange(index: Int, port: Int64), portsExhausted
    }

    /// Allocates what `new` needs, given what `old` held (nil on create). Returns the service with its clusterIP(s)
    /// and nodePorts filled, and the values to release if the caller's write fails.
    func allocate(_ new: JSON, old: JSON?) throws(Failure) -> (service: JSON, claimed: (ips: [String], ports: [Int64])) {
        var svc = new
        var claimedIPs: [String] = []
        var claimedPorts: [Int64] = []
        let type = svc["spec"]["type"].string ?? "ClusterIP"
        do {
            try taken.withLock { (t: inout Taken) throws(Failure) in
                // Cluster IP: kept from the old object, honoured when asked for, else drawn at random.
                if type != "ExternalName" {
                    var ip = svc["spec"]["clusterIP"].string ?? ""
                    let oldIP = old.map { Self.clusterIPs(of: $0).first ?? "" } ?? ""
                    if ip.isEmpty && !oldIP.isEmpty { ip = oldIP }
                    if ip.isEmpty {
                        ip = try draw(&t)
                        claimedIPs.append(ip)
                    } else if ip != "None" && ip != oldIP {
                        guard serviceCIDR.contains(ip) else { throw .ipOutOfRange(ip) }
                        guard !t.ips.contains(ip) else { throw .ipTaken(ip) }
                        t.ips.insert(ip)
                        claimedIPs.append(ip)
                    }
                    svc["spec"]["clusterIP"] = .string(ip)
                    svc["spec"]["clusterIPs"] = [.string(ip)]
                }
                // Node ports for NodePort and LoadBalancer services; an edit that keeps the port keeps the number.
                let wantsNodePorts = type == "NodePort" || (type == "LoadBalancer" && svc["spec"]["allocateLoadBalancerNodePorts"].bool != false)
                let oldPorts = old?["spec"]["ports"].elements ?? []
                var ports = svc["spec"]["ports"].elements
                for i in ports.indices {
                    guard wantsNodePorts else { ports[i]["nodePort"] = .null; continue }
                    let previous = oldPorts.first { $0["port"] == ports[i]["port"] && ($0["protocol"].string ?? "TCP") == (ports[i]["protocol"].string ?? "TCP") }?["nodePort"].int
                    if let asked = ports[i]["nodePort"].int, asked != 0 {
                        if asked == previous { continue }
                        guard Self.nodePortRange.contains(asked) else { throw .portOutOfRange(index: i, port: asked) }
                        guard !t.nodePorts.contains(asked) else { throw .portTaken(index: i, port: asked) }
                        t.nodePorts.insert(asked)
                        claimedPorts.append(asked)
                    } else if let previous {
                        ports[i]["nodePort"] = .int(previous)
                    } else {
                        let p = try drawPort(&t)
                        claimedPorts.append(p)
                        ports[i]["nodePort"] = .int(p)
                    }
                }
                if !ports.isEmpty { svc["spec"]["ports"] = .array(ports) }
            }
        } catch {
            release(ips: claimedIPs, ports: claimedPorts)
            throw error
        }
        return (svc, (claimedIPs, claimedPorts))
    }

    /// Gives back values, after a failed write or when the service (or the port) went away.
    func release(ips: [String], ports: [Int64]) {
        taken.withLock { t in
            for ip in ips { t.ips.remove(ip) }
            for p in ports { t.nodePorts.remove(p) }
        }
    }

    /// What an update frees: values the old object held and the new one does not.
    func releaseDifference(old: JSON, new: JSON?) {
        let keepIPs = Set(new.map(Self.clusterIPs) ?? [])
        let keepPorts = Set(new.map(Self.nodePorts) ?? [])
        release(ips: Self.clusterIPs(of: old).filter { !keepIPs.contains($0) },
                ports: Self.nodePorts(of: old).filter { !keepPorts.contains($0) })
    }

    private func draw(_ t: inout Taken) throws(Failure) -> String {
        // Like Kubernetes, random allocation avoids the lower part of the range, kept for static addresses.
        let size = UInt32(min(serviceCIDR.size, 1 << 20))
        let low = min(UInt32(16), size / 2)
        for _ in 0..<4096 {
            let ip = serviceCIDR.address(at: UInt32.random(in: max(low, 1)..<(size - 1)))
            if !t.ips.contains(ip) { t.ips.insert(ip); return ip }
        }
        for off in 1..<(size - 1) {
            let ip = serviceCIDR.address(at: off)
            if !t.ips.contains(ip) { t.ips.insert(ip); return ip }
        }
        throw .ipExhausted
    }

    private func drawPort(_ t: inout Taken) throws(Failure) -> Int64 {
        for _ in 0..<4096 {
            let p = Int64.random(in: Self.nodePortRange)
            if !t.nodePorts.contains(p) { t.nodePorts.insert(p); return p }
        }
        for p in Self.nodePortRange where !t.nodePorts.contains(p) { t.nodePorts.insert(p); return p }
        throw .portsExhausted
    }
}
