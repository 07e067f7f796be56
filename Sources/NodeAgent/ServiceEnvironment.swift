import KubeAPI

/// The Service environment variables the kubelet gives every container (docker links style): for each Service of
/// the pod's namespace that exists when the container starts, and always for `kubernetes` in `default`.
public enum ServiceEnvironment {
    /// `services`: the Services visible to the pod (its namespace's, plus the master service). Headless and
    /// ExternalName Services contribute nothing. With `enableServiceLinks: false` only the master service counts.
    public static func variables(for services: [JSON], podNamespace: String, enableServiceLinks: Bool) -> [(String, String)] {
        var chosen: [String: JSON] = [:]
        // The master service is always visible; a same-named service in the pod's namespace takes precedence.
        for s in services where s.namespace == "default" && s.name == "kubernetes" { chosen["kubernetes"] = s }
        if enableServiceLinks {
            for s in services where s.namespace == podNamespace { chosen[s.name ?? ""] = s }
        }
        var out: [(String, String)] = []
        for name in chosen.keys.sorted() {
            let s = chosen[name]!
            guard let ip = s["spec"]["clusterIP"].string, !ip.isEmpty, ip != "None" else { continue }
            if s["spec"]["type"].string == "ExternalName" { continue }
            out += variables(forService: name, clusterIP: ip, ports: s["spec"]["ports"].elements)
        }
        return out
    }

    static func envName(_ serviceName: String) -> String {
        serviceName.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    static func variables(forService name: String, clusterIP ip: String, ports: [JSON]) -> [(String, String)] {
        guard let first = ports.first, let firstPort = first["port"].int else { return [] }
        let n = envName(name)
        var out: [(String, String)] = [("\(n)_SERVICE_HOST", ip), ("\(n)_SERVICE_PORT", String(firstPort))]
        for p in ports {
            if let portName = p["name"].string, !portName.isEmpty, let port = p["port"].int {
                out.append(("\(n)_SERVICE_PORT_\(envName(portName))", String(port)))
            }
        }
        let firstProto = (first["protocol"].string ?? "TCP").lowercased()
        out.append(("\(n)_PORT", "\(firstProto)://\(ip):\(firstPort)"))
        for p in ports {
            guard let port = p["port"].int else { continue }
            let proto = p["protocol"].string ?? "TCP"
            let prefix = "\(n)_PORT_\(port)_\(proto.uppercased())"
            out.append((prefix, "\(proto.lowercased())://\(ip):\(port)"))
            out.append(("\(prefix)_PROTO", proto.lowercased()))
            out.append(("\(prefix)_PORT", String(port)))
            out.append(("\(prefix)_ADDR", ip))
        }
        return out
    }
}
