import Foundation

/// The Endpoints and EndpointSlice rows: at most three "ip:port" entries, then " + N more...".
enum EndpointsRow {
    static func cells(_ endpoints: JSON, now: Date) -> [JSON] {
        [
            .string(endpoints.name ?? ""),
            .string(addresses(endpoints["subsets"].elements)),
            .string(TableTime.since(endpoints["metadata"]["creationTimestamp"], now: now)),
        ]
    }

    /// Every ready address with every port of its subset ("10.244.0.5:80"); bare addresses for
    /// a subset without ports (headless services). "<none>" when there are no subsets at all.
    /// A subset whose addresses are all not ready contributes nothing, so such an object
    /// prints an empty cell, as Kubernetes does.
    static func addresses(_ subsets: [JSON]) -> String {
        if subsets.isEmpty { return "<none>" }
        var shown: [String] = []
        var total = 0
        for subset in subsets {
            let ips = subset["addresses"].elements.map { TableFormat.text($0["ip"]) }
            let ports = subset["ports"].elements
            if ports.isEmpty {
                for ip in ips where shown.count < 3 { shown.append(ip) }
                total += ips.count
                continue
            }
            for port in ports {
                let number = TableFormat.count(port["port"])
                for ip in ips where shown.count < 3 { shown.append(TableFormat.hostPort(ip, number)) }
                total += ips.count
            }
        }
        return TableFormat.limited(shown, total: total, empty: "")
    }
}

enum EndpointSliceRow {
    static func cells(_ slice: JSON, now: Date) -> [JSON] {
        [
            .string(slice.name ?? ""),
            .string(TableFormat.text(slice["addressType"])),
            .string(ports(slice["ports"].elements)),
            .string(endpoints(slice["endpoints"].elements)),
            .string(TableTime.since(slice["metadata"]["creationTimestamp"], now: now)),
        ]
    }

    /// Port numbers, else port names, else "*" (all ports); "<unset>" when there are none.
    static func ports(_ ports: [JSON]) -> String {
        let texts = ports.prefix(3).map { port -> String in
            if let n = port["port"].int { return "\(n)" }
            if let name = port["name"].string { return name }
            return "*"
        }
        return TableFormat.limited(Array(texts), total: ports.count, empty: "<unset>")
    }

    /// The addresses of all endpoints, ready or not; "<unset>" when there are none.
    static func endpoints(_ endpoints: [JSON]) -> String {
        var shown: [String] = []
        var total = 0
        for endpoint in endpoints {
            for address in endpoint["addresses"].elements {
                if shown.count < 3 { shown.append(TableFormat.text(address)) }
                total += 1
            }
        }
        return TableFormat.limited(shown, total: total, empty: "<unset>")
    }
}
