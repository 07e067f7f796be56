import KubeAPI

/// The files the kubelet writes for every pod: /etc/hosts and /etc/resolv.conf.
public enum PodFiles {
    /// /etc/hosts as the kubelet writes it for a pod with its own network namespace.
    public static func hosts(pod: JSON, podIPs: [String], clusterDomain: String = "cluster.local") -> String {
        var s = "# Kubernetes-managed hosts file.\n"
        s += "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
        s += "fe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n"
        let hostname = pod["spec"]["hostname"].string ?? pod.name ?? ""
        for ip in podIPs {
            if let sub = pod["spec"]["subdomain"].string, !sub.isEmpty {
                s += "\(ip)\t\(hostname).\(sub).\(pod.namespace ?? "default").svc.\(clusterDomain)\t\(hostname)\n"
            } else {
                s += "\(ip)\t\(hostname)\n"
            }
        }
        let aliases = pod["spec"]["hostAliases"].elements
        if !aliases.isEmpty {
            s += "\n# Entries added by HostAliases.\n"
            for a in aliases {
                let names = a["hostnames"].elements.compactMap(\.string)
                if let ip = a["ip"].string, !names.isEmpty { s += "\(ip)\t\(names.joined(separator: "\t"))\n" }
            }
        }
        return s
    }

    /// /etc/resolv.conf for the pod's dnsPolicy and dnsConfig. `hostResolvConf` is the node's file, used by
    /// dnsPolicy Default (and by ClusterFirst for pods on the host network).
    public static func resolvConf(pod: JSON, clusterDNS: String, clusterDomain: String = "cluster.local",
                                  hostResolvConf: String) -> String {
        let ns = pod.namespace ?? "default"
        var nameservers: [String] = []
        var searches: [String] = []
        var options: [String] = []
        let hostNetwork = pod["spec"]["hostNetwork"].bool == true
        var policy = pod["spec"]["dnsPolicy"].string ?? "ClusterFirst"
        if policy == "ClusterFirst" && hostNetwork { policy = "Default" }
        if policy == "ClusterFirstWithHostNet" { policy = "ClusterFirst" }
        switch policy {
        case "ClusterFirst":
            nameservers = [clusterDNS]
            searches = ["\(ns).svc.\(clusterDomain)", "svc.\(clusterDomain)", clusterDomain]
            options = ["ndots:5"]
        case "Default":
            for line in hostResolvConf.split(separator: "\n") {
                let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                guard let key = f.first else { continue }
                if key == "nameserver", f.count > 1 { nameservers.append(f[1]) }
                if key == "search" || key == "domain" { searches += f.dropFirst() }
                if key == "options" { options += f.dropFirst() }
            }
        default:  // "None": only dnsConfig
            break
        }
        let config = pod["spec"]["dnsConfig"]
        for n in config["nameservers"].elements.compactMap(\.string) where !nameservers.contains(n) { nameservers.append(n) }
        for s in config["searches"].elements.compactMap(\.string) where !searches.contains(s) { searches.append(s) }
        for o in config["options"].elements {
            guard let name = o["name"].string else { continue }
            let rendered = o["value"].string.map { "\(name):\($0)" } ?? name
            options.removeAll { $0 == name || $0.hasPrefix(name + ":") }
            options.append(rendered)
        }
        var out = ""
        if !searches.isEmpty { out += "search \(searches.joined(separator: " "))\n" }
        for n in nameservers.prefix(3) { out += "nameserver \(n)\n" }
        if !options.isEmpty { out += "options \(options.joined(separator: " "))\n" }
        return out
    }
}
