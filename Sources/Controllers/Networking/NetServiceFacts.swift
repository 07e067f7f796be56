import KubeAPI
import KubeClient

extension Net {
    /// What the networking controllers need to know about a Service object.
    enum ServiceFacts {
        static func type(_ service: JSON) -> String { service["spec"]["type"].string ?? "ClusterIP" }

        /// The Service's pod selector, or nil when it has none. Kubernetes tells a nil selector (the Service's
        /// endpoints are managed by someone else) from a selector; an empty map never survives the API server's
        /// protobuf round trip, so it counts as none here too.
        static func selector(_ service: JSON) -> LabelSelector? {
            let map = service["spec"]["selector"].stringMap
            guard !map.isEmpty else { return nil }
            return LabelSelector(matchLabels: map)
        }

        /// A Service without a cluster IP ("None" or unset), as `helper.IsServiceIPSet` decides.
        static func isHeadless(_ service: JSON) -> Bool {
            let ip = service["spec"]["clusterIP"].string ?? ""
            return ip.isEmpty || ip == "None"
        }

        static func publishesNotReadyAddresses(_ service: JSON) -> Bool {
            service["spec"]["publishNotReadyAddresses"].bool ?? false
        }

        /// The address types (EndpointSlice `addressType`) the Service serves: its IP families, else the family
        /// of its cluster IP, else both (a headless Service from an API server that predates IP families).
        static func addressTypes(_ service: JSON) -> [String] {
            var types: [String] = []
            for family in service["spec"]["ipFamilies"].elements.compactMap(\.string) {
                let t = family == "IPv6" ? "IPv6" : family == "IPv4" ? "IPv4" : nil
                if let t, !types.contains(t) { types.append(t) }
            }
            if !types.isEmpty { return types }
            if !isHeadless(service), let ip = service["spec"]["clusterIP"].string {
                return [IP.isIPv6(ip) ? "IPv6" : "IPv4"]
            }
            return ["IPv4", "IPv6"]
        }

        /// The IP family whose pod address goes into v1 Endpoints: the first of the Service's families, else
        /// the family of its cluster IP.
        static func primaryFamilyIsIPv6(_ service: JSON) -> Bool {
            if let first = service["spec"]["ipFamilies"].elements.first?.string { return first == "IPv6" }
            if let ip = service["spec"]["clusterIP"].string, !isHeadless(service) { return IP.isIPv6(ip) }
            return false
        }

        /// The object as event recorders and owner references need it: with its kind and apiVersion, which
        /// list and watch items may leave out.
        static func withTypeMeta(_ service: JSON) -> JSON {
            var s = service
            if s.kind == nil { s["kind"] = "Service" }
            if s.apiVersion == nil { s["apiVersion"] = "v1" }
            return s
        }
    }

    /// Minimal IP text helpers (the cluster is IPv4; IPv6 is recognised only to be kept apart).
    enum IP {
        static func isIPv6(_ text: String) -> Bool { text.contains(":") }

        /// The address in canonical form (as Go's `net.IP.String()` prints it), or nil when it is not an IP
        /// address. IPv6 text is kept as given.
        static func canonical(_ text: String) -> String? {
            if isIPv6(text) { return text }
            return IPv4CIDR.parseAddress(text).map(IPv4CIDR.format)
        }
    }

    /// "<namespace>/<name>" split back into its parts.
    static func splitKey(_ key: String) -> (namespace: String, name: String) {
        guard let slash = key.firstIndex(of: "/") else { return ("", key) }
        return (String(key[..<slash]), String(key[key.index(after: slash)...]))
    }

    /// Whether an object in the informer cache is at least as new as a resourceVersion we wrote. Versions are
    /// compared as numbers (the store's counter); anything unparsable counts as up to date.
    static func isAtLeast(_ object: JSON, resourceVersion expected: String) -> Bool {
        guard let have = object.resourceVersion.flatMap({ Int64($0) }), let want = Int64(expected) else { return true }
        return have >= want
    }
}
