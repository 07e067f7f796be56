import KubeAPI

extension Net {
    /// The load-balancer rules of the cloud-provider service controller, with k3s ServiceLB's answer to "which
    /// addresses": the nodes themselves.
    enum LoadBalancerFacts {
        /// A LoadBalancer Service that no other implementation claimed through `loadBalancerClass`.
        static func wantsLoadBalancer(_ service: JSON) -> Bool {
            ServiceFacts.type(service) == "LoadBalancer" && service["spec"]["loadBalancerClass"].isNull
        }

        static func finalizers(_ service: JSON) -> [String] {
            service["metadata"]["finalizers"].elements.compactMap(\.string)
        }

        static func hasCleanupFinalizer(_ service: JSON) -> Bool {
            finalizers(service).contains(Net.Keys.loadBalancerCleanup)
        }

        /// The Service holds our finalizer but is being deleted or no longer of type LoadBalancer.
        static func needsCleanup(_ service: JSON) -> Bool {
            guard hasCleanupFinalizer(service) else { return false }
            return !service["metadata"]["deletionTimestamp"].isNull || ServiceFacts.type(service) != "LoadBalancer"
        }

        static func ingress(_ service: JSON) -> [JSON] { service["status"]["loadBalancer"]["ingress"].elements }

        /// Nodes that take load-balancer traffic: Ready, not excluded by label or about to be removed, and (k3s
        /// ServiceLB) labelled `enablelb=true` once any node carries that label.
        static func eligibleNodes(_ nodes: [JSON]) -> [JSON] {
            let restricted = nodes.contains { $0.labels[Net.Keys.serviceLBEnable] != nil }
            return nodes.filter { node in
                if restricted && node.labels[Net.Keys.serviceLBEnable] != "true" { return false }
                if node.labels[Net.Keys.excludeFromLoadBalancers] != nil { return false }
                if node["spec"]["taints"].elements.contains(where: { $0["key"].string == Net.Keys.toBeDeletedTaint }) {
                    return false
                }
                let conditions = node["status"]["conditions"].elements
                guard !conditions.isEmpty else { return false }
                return !conditions.contains { $0["type"].string == "Ready" && $0["status"].string != "True" }
            }
        }

        /// The ingress addresses, as k3s ServiceLB picks them: the ExternalIPs of the answering nodes if any
        /// has one, else their InternalIPs; per IP family of the Service, each family sorted. With
        /// `externalTrafficPolicy: Local`, only nodes running a ready endpoint answer.
        static func addresses(service: JSON, nodes: [JSON], nodesWithReadyEndpoints: Set<String>?) -> [String] {
            var external = Set<String>()
            var internalIPs = Set<String>()
            for node in eligibleNodes(nodes) {
                if let only = nodesWithReadyEndpoints, !only.contains(node.name ?? "") { continue }
                for address in node["status"]["addresses"].elements {
                    guard let ip = address["address"].string, let canonical = Net.IP.canonical(ip) else { continue }
                    switch address["type"].string {
                    case "ExternalIP": external.insert(canonical)
                    case "InternalIP": internalIPs.insert(canonical)
                    default: break
                    }
                }
            }
            let chosen = external.isEmpty ? internalIPs : external
            let v4 = chosen.filter { !Net.IP.isIPv6($0) }.sorted()
            let v6 = chosen.filter { Net.IP.isIPv6($0) }.sorted()
            var families = service["spec"]["ipFamilies"].elements.compactMap(\.string)
            if families.isEmpty { families = ["IPv4"] }
            var result: [String] = []
            for family in families {
                if family == "IPv4" { result += v4 } else if family == "IPv6" { result += v6 }
            }
            return result
        }

        /// `status.loadBalancer.ingress` for these addresses; the proxy answers on them itself ("VIP").
        static func ingress(for addresses: [String]) -> [JSON] {
            addresses.map { ["ip": .string($0), "ipMode": "VIP"] }
        }

        /// Go's `%v` of a string slice: "[a b]".
        static func goList(_ items: [String]) -> String { "[" + items.joined(separator: " ") + "]" }

        /// The ingress IPs (or hostnames) as the k3s "UpdatedLoadBalancer" event lists them.
        static func ingressStrings(_ ingress: [JSON]) -> [String] {
            ingress.map { $0["ip"].string.flatMap { $0.isEmpty ? nil : $0 } ?? $0["hostname"].string ?? "" }
        }

        /// Whether a Service update concerns its load balancer, with the events the cloud-provider service
        /// controller records about what changed (`needsUpdate`).
        static func changes(old: JSON, new: JSON) -> (relevant: Bool, events: [(reason: String, message: String)]) {
            let wantedBefore = wantsLoadBalancer(old), wantsNow = wantsLoadBalancer(new)
            if !wantedBefore && !wantsNow { return (false, []) }
            if wantedBefore != wantsNow {
                return (true, [("Type", "\(ServiceFacts.type(old)) -> \(ServiceFacts.type(new))")])
            }
            let o = old["spec"], n = new["spec"]
            func strings(_ v: JSON) -> [String] { v.elements.compactMap(\.string) }
            if strings(o["loadBalancerSourceRanges"]) != strings(n["loadBalancerSourceRanges"]) {
                return (true, [("LoadBalancerSourceRanges",
                                "\(goList(strings(o["loadBalancerSourceRanges"]))) -> \(goList(strings(n["loadBalancerSourceRanges"])))")])
            }
            if !portsEqual(o["ports"].elements, n["ports"].elements) || o["sessionAffinity"] != n["sessionAffinity"]
                || o["sessionAffinityConfig"] != n["sessionAffinityConfig"] {
                return (true, [])
            }
            if o["loadBalancerIP"] != n["loadBalancerIP"] {
                return (true, [("LoadbalancerIP", "\(o["loadBalancerIP"].string ?? "") -> \(n["loadBalancerIP"].string ?? "")")])
            }
            let oldIPs = strings(o["externalIPs"]), newIPs = strings(n["externalIPs"])
            if oldIPs.count != newIPs.count {
                return (true, [("ExternalIP", "Count: \(oldIPs.count) -> \(newIPs.count)")])
            }
            if let i = oldIPs.indices.first(where: { oldIPs[$0] != newIPs[$0] }) {
                return (true, [("ExternalIP", "Added: \(newIPs[i])")])
            }
            if old.annotations != new.annotations { return (true, []) }
            if old.uid != new.uid { return (true, [("UID", "\(old.uid ?? "") -> \(new.uid ?? "")")]) }
            if o["externalTrafficPolicy"] != n["externalTrafficPolicy"] {
                return (true, [("ExternalTrafficPolicy",
                                "\(o["externalTrafficPolicy"].string ?? "") -> \(n["externalTrafficPolicy"].string ?? "")")])
            }
            if o["healthCheckNodePort"] != n["healthCheckNodePort"] {
                return (true, [("HealthCheckNodePort",
                                "\(o["healthCheckNodePort"].int ?? 0) -> \(n["healthCheckNodePort"].int ?? 0)")])
            }
            return (false, [])
        }

        static func portsEqual(_ a: [JSON], _ b: [JSON]) -> Bool {
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) {
                for field in ["name", "protocol", "port", "nodePort", "targetPort"] where x[field] != y[field] {
                    return false
                }
            }
            return true
        }

        /// Whether a node change can change which addresses answer for load balancers.
        static func nodeChangeMatters(old: JSON, new: JSON) -> Bool {
            func ready(_ n: JSON) -> String? {
                n["status"]["conditions"].elements.first { $0["type"].string == "Ready" }?["status"].string
            }
            return old["spec"]["unschedulable"] != new["spec"]["unschedulable"] || old.labels != new.labels
                || ready(old) != ready(new) || old["status"]["addresses"] != new["status"]["addresses"]
                || old["spec"]["taints"] != new["spec"]["taints"]
        }
    }
}
