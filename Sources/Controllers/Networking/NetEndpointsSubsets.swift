import Foundation
import KubeAPI

extension Net {
    /// Builds the `subsets` of a v1 Endpoints object the way the endpoints controller does: one address per
    /// pod and resolvable port, ready or not ready, then repacked so that addresses sharing the same ports
    /// share one subset.
    enum EndpointsBuilder {
        static func subsets(service: JSON, pods: [JSON]) -> [JSON] {
            let publishNotReady = Net.ServiceFacts.publishesNotReadyAddresses(service)
            let servicePorts = service["spec"]["ports"].elements
            var pieces: [JSON] = []
            for pod in pods {
                // Publishing not-ready addresses also publishes terminating ones.
                guard Net.PodFacts.shouldBeInEndpoints(pod, includeTerminating: publishNotReady),
                      let address = address(pod: pod, service: service) else { continue }
                let ready = publishNotReady || Net.PodFacts.isReady(pod)
                if servicePorts.isEmpty {
                    // Only a headless Service may have no ports; its addresses then carry none.
                    if service["spec"]["clusterIP"].string == "None" {
                        pieces.append(piece(address, ready: ready, port: nil))
                    }
                    continue
                }
                for servicePort in servicePorts {
                    guard let number = Net.PodFacts.findPort(pod, servicePort: servicePort) else { continue }
                    pieces.append(piece(address, ready: ready, port: endpointPort(servicePort, number)))
                }
            }
            return Repacking.repack(pieces)
        }

        /// The pod's address in the Service's IP family, with its node and a reference back to the pod.
        static func address(pod: JSON, service: JSON) -> JSON? {
            let wantIPv6 = Net.ServiceFacts.primaryFamilyIsIPv6(service)
            guard let ip = Net.PodFacts.ips(pod).first(where: { Net.IP.isIPv6($0) == wantIPv6 }) else { return nil }
            var address: JSON = [
                "ip": .string(ip),
                "targetRef": ["kind": "Pod", "namespace": .string(pod.namespace ?? ""),
                              "name": .string(pod.name ?? ""), "uid": .string(pod.uid ?? "")],
            ]
            if let node = pod["spec"]["nodeName"].string, !node.isEmpty { address["nodeName"] = .string(node) }
            if Net.PodFacts.shouldSetHostname(pod, service: service) { address["hostname"] = pod["spec"]["hostname"] }
            return address
        }

        static func endpointPort(_ servicePort: JSON, _ number: Int64) -> JSON {
            var port: JSON = ["port": .int(number), "protocol": .string(servicePort["protocol"].string ?? "TCP")]
            if let name = servicePort["name"].string, !name.isEmpty { port["name"] = .string(name) }
            if let appProtocol = servicePort["appProtocol"].string { port["appProtocol"] = .string(appProtocol) }
            return port
        }

        static func piece(_ address: JSON, ready: Bool, port: JSON?) -> JSON {
            var subset: JSON = [ready ? "addresses" : "notReadyAddresses": [address]]
            if let port { subset["ports"] = [port] }
            return subset
        }

        /// Subsets as compared for "nothing changed": the pods' resourceVersions in targetRefs do not count.
        static func comparable(_ subsets: JSON) -> JSON {
            var out: [JSON] = []
            for var subset in subsets.elements {
                for field in ["addresses", "notReadyAddresses"] where !subset[field].isNull {
                    subset[field] = .array(subset[field].elements.map { a in
                        var a = a
                        if !a["targetRef"].isNull { a["targetRef"]["resourceVersion"] = .null }
                        return a
                    })
                }
                out.append(subset)
            }
            return .array(out)
        }
    }

    /// `endpoints.RepackSubsets` and the Endpoints capacity limit.
    enum Repacking {
        /// Addresses are the same address when IP and pod UID agree.
        struct AddressKey: Hashable, Comparable {
            let ip: String
            let uid: String
            static func < (a: AddressKey, b: AddressKey) -> Bool { (a.ip, a.uid) < (b.ip, b.uid) }
            init(_ address: JSON) {
                ip = address["ip"].string ?? ""
                uid = address["targetRef"]["uid"].string ?? ""
            }
        }

        /// Regroups subsets so that each holds the addresses that offer exactly the same ports with the same
        /// readiness; an address not ready on a port stays not ready there. Addresses sort by IP then pod UID.
        static func repack(_ subsets: [JSON]) -> [JSON] {
            let noPort = ""  // stands for "no ports" (headless without ports) so those addresses are kept
            var addresses: [AddressKey: JSON] = [:]
            var portsByKey: [String: JSON] = [:]
            var readiness: [String: [AddressKey: Bool]] = [:]
            for subset in subsets {
                let ports = subset["ports"].elements
                let portKeys = ports.isEmpty ? [noPort] : ports.map { port -> String in
                    let key = port.jsonString
                    portsByKey[key] = port
                    return key
                }
                for portKey in portKeys {
                    for (field, ready) in [("addresses", true), ("notReadyAddresses", false)] {
                        for address in subset[field].elements {
                            let key = AddressKey(address)
                            if addresses[key] == nil { addresses[key] = address }
                            // Not ready wins over ready.
                            if readiness[portKey, default: [:]][key] ?? true {
                                readiness[portKey, default: [:]][key] = ready
                            }
                        }
                    }
                }
            }
            // Ports whose address sets (with readiness) are identical share a subset.
            var groups: [String: (set: [AddressKey: Bool], ports: [JSON])] = [:]
            for (portKey, set) in readiness {
                let signature = set.sorted { $0.key < $1.key }.map { "\($0.key.ip)/\($0.key.uid)/\($0.value)" }
                    .joined(separator: ",")
                var group = groups[signature] ?? (set, [])
                if let port = portsByKey[portKey] { group.ports.append(port) }
                groups[signature] = group
            }
            var result: [JSON] = []
            for group in groups.values {
                let ready = group.set.filter { $0.value }.keys.sorted().compactMap { addresses[$0] }
                let notReady = group.set.filter { !$0.value }.keys.sorted().compactMap { addresses[$0] }
                var subset = JSON.emptyObject
                if !ready.isEmpty { subset["addresses"] = .array(ready) }
                if !notReady.isEmpty { subset["notReadyAddresses"] = .array(notReady) }
                if !group.ports.isEmpty { subset["ports"] = .array(group.ports.sorted(by: portOrder)) }
                result.append(subset)
            }
            return result.sorted(by: subsetOrder)
        }

        /// Kubernetes orders ports and subsets by a hash of their Go representation; any stable order will do
        /// for clients, so this one is readable: by port number, then name and protocol.
        static func portOrder(_ a: JSON, _ b: JSON) -> Bool {
            let ka = (a["port"].int ?? 0, a["name"].string ?? "", a["protocol"].string ?? "")
            let kb = (b["port"].int ?? 0, b["name"].string ?? "", b["protocol"].string ?? "")
            return ka < kb
        }

        /// Subsets by their first address, then their first port.
        static func subsetOrder(_ a: JSON, _ b: JSON) -> Bool {
            func first(_ s: JSON) -> AddressKey? {
                (s["addresses"].elements.first ?? s["notReadyAddresses"].elements.first).map(AddressKey.init)
            }
            switch (first(a), first(b)) {
            case let (x?, y?) where x != y: return x < y
            case (nil, _?): return true
            case (_?, nil): return false
            default: return a["ports"].jsonString < b["ports"].jsonString
            }
        }

        /// An Endpoints object holds at most this many addresses; the rest are cut (`over-capacity`).
        static let maxCapacity = 1000

        static func count(_ subsets: [JSON]) -> (ready: Int, notReady: Int) {
            subsets.reduce((0, 0)) { ($0.0 + $1["addresses"].elements.count, $0.1 + $1["notReadyAddresses"].elements.count) }
        }

        /// Cuts subsets down to `maxCapacity` addresses, keeping ready ones first and sharing the cut among
        /// subsets in proportion to their size. Returns whether anything was cut.
        static func truncate(_ subsets: inout [JSON]) -> Bool {
            let (totalReady, totalNotReady) = count(subsets)
            guard totalReady + totalNotReady > maxCapacity else { return false }
            let truncateReady = totalReady > maxCapacity
            let budget = truncateReady ? maxCapacity : maxCapacity - totalReady
            let total = truncateReady ? totalReady : totalNotReady
            var left = budget
            for i in subsets.indices {
                var subset = subsets[i]
                let field = truncateReady ? "addresses" : "notReadyAddresses"
                let inSubset = subset[field].elements.count
                let share = min(Int((Double(inSubset) / Double(total) * Double(budget)).rounded(.up)), left)
                subset[field] = .array(Array(subset[field].elements.prefix(share)))
                if truncateReady { subset["notReadyAddresses"] = .null }
                if subset[field].elements.isEmpty { subset[field] = .null }
                left -= min(share, inSubset)
                subsets[i] = subset
            }
            return true
        }

        /// The over-capacity annotation is right when the object is within capacity and not annotated.
        static func capacityAnnotationCorrect(annotations: [String: String], subsets: [JSON]) -> Bool {
            let (ready, notReady) = count(subsets)
            if ready + notReady > maxCapacity { return false }
            return annotations[Net.Keys.overCapacity] == nil
        }
    }
}
