import Foundation

/// The Service row: type, cluster IP, external IP, ports ("80/TCP", "80:30080/TCP") and selector.
enum ServiceRow {
    static func cells(_ service: JSON, now: Date) -> [JSON] {
        let spec = service["spec"]
        // The apiserver defaults type to ClusterIP; an object stored without it prints the same.
        let type = spec["type"].string ?? "ClusterIP"
        var ports = spec["ports"].elements.map(portText).joined(separator: ",")
        if ports.isEmpty { ports = "<none>" }
        return [
            .string(service.name ?? ""),
            .string(type),
            .string(clusterIP(spec)),
            .string(externalIP(service, type: type)),
            .string(ports),
            .string(TableTime.since(service["metadata"]["creationTimestamp"], now: now)),
            .string(TableFormat.labels(spec["selector"])),
        ]
    }

    /// The first of spec.clusterIPs ("None" for a headless service); spec.clusterIP as well,
    /// for writers that set only that; "<none>" for ExternalName services.
    private static func clusterIP(_ spec: JSON) -> String {
        if let ip = spec["clusterIPs"][0].string, !ip.isEmpty { return ip }
        if let ip = spec["clusterIP"].string, !ip.isEmpty { return ip }
        return "<none>"
    }

    private static func portText(_ port: JSON) -> String {
        let number = TableFormat.count(port["port"])
        let proto = port["protocol"].string ?? "TCP"
        let nodePort = TableFormat.count(port["nodePort"])
        return nodePort > 0 ? "\(number):\(nodePort)/\(proto)" : "\(number)/\(proto)"
    }

    /// External-IP as the server computes it for the wide table (so never clipped):
    /// spec.externalIPs for ClusterIP and NodePort services, load-balancer ingress addresses
    /// (sorted, then the external IPs) for LoadBalancer ones, "<pending>" while a load balancer
    /// has none, the external name for ExternalName services.
    private static func externalIP(_ service: JSON, type: String) -> String {
        let externalIPs = service["spec"]["externalIPs"].elements.compactMap(\.string)
        switch type {
        case "ClusterIP", "NodePort":
            return externalIPs.isEmpty ? "<none>" : externalIPs.joined(separator: ",")
        case "LoadBalancer":
            var ingress = Set<String>()
            for entry in service["status"]["loadBalancer"]["ingress"].elements {
                if let ip = entry["ip"].string, !ip.isEmpty {
                    ingress.insert(ip)
                } else if let host = entry["hostname"].string, !host.isEmpty {
                    ingress.insert(host)
                }
            }
            let all = ingress.sorted() + externalIPs
            return all.isEmpty ? "<pending>" : all.joined(separator: ",")
        case "ExternalName":
            return TableFormat.text(service["spec"]["externalName"])
        default:
            return "<unknown>"
        }
    }
}
