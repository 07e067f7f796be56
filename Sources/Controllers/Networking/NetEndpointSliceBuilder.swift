import KubeAPI

extension Net {
    /// The pieces of an EndpointSlice as the EndpointSlice controller builds them (k8s.io/endpointslice utils).
    enum SliceBuilder {
        /// One endpoint for a pod: its addresses of `addressType`, its conditions, node, zone and a reference back.
        static func endpoint(pod: JSON, node: JSON?, service: JSON, addressType: String) -> JSON {
            let serving = Net.PodFacts.isReady(pod)
            let terminating = Net.PodFacts.isTerminating(pod)
            // A terminating pod is never "ready", unless the Service publishes not-ready addresses anyway.
            let ready = Net.ServiceFacts.publishesNotReadyAddresses(service) || (serving && !terminating)
            let wantIPv6 = addressType == "IPv6"
            let addresses = Net.PodFacts.ips(pod).filter { Net.IP.isIPv6($0) == wantIPv6 }.compactMap(Net.IP.canonical)
            var endpoint: JSON = [
                "addresses": .array(addresses.map { .string($0) }),
                "conditions": ["ready": .bool(ready), "serving": .bool(serving), "terminating": .bool(terminating)],
                "targetRef": ["kind": "Pod", "namespace": .string(pod.namespace ?? ""),
                              "name": .string(pod.name ?? ""), "uid": .string(pod.uid ?? "")],
            ]
            if let nodeName = pod["spec"]["nodeName"].string, !nodeName.isEmpty { endpoint["nodeName"] = .string(nodeName) }
            if let zone = node?.labels[Net.Keys.topologyZone], !zone.isEmpty { endpoint["zone"] = .string(zone) }
            if Net.PodFacts.shouldSetHostname(pod, service: service) { endpoint["hostname"] = pod["spec"]["hostname"] }
            return endpoint
        }

        /// The slice ports for a pod: one per Service port whose target the pod resolves, in Service order.
        /// `name` is always present ("" for an unnamed port), as the controller writes it.
        static func ports(service: JSON, pod: JSON) -> [JSON] {
            let servicePorts = service["spec"]["ports"].elements
            var ports: [JSON] = []
            for servicePort in servicePorts {
                guard let number = Net.PodFacts.findPort(pod, servicePort: servicePort) else { continue }
                var port: JSON = ["name": .string(servicePort["name"].string ?? ""), "port": .int(number),
                                  "protocol": .string(servicePort["protocol"].string ?? "TCP")]
                if let appProtocol = servicePort["appProtocol"].string { port["appProtocol"] = .string(appProtocol) }
                ports.append(port)
            }
            return ports
        }

        /// Identifies a set of ports regardless of order (Kubernetes' PortMapKey).
        static func portKey(_ ports: [JSON]) -> String {
            ports.map { port -> String in
                var p = port
                if p["name"].isNull { p["name"] = "" }  // a missing name and "" are the same port
                if p["protocol"].isNull { p["protocol"] = "TCP" }
                return p.jsonString
            }.sorted().joined(separator: "\n")
        }

        /// Identifies an endpoint across syncs (Kubernetes' endpoint hash): its addresses, hostname and pod.
        /// Conditions, node and zone may change in place.
        static func endpointKey(_ endpoint: JSON) -> String {
            let addresses = endpoint["addresses"].elements.compactMap(\.string).sorted().joined(separator: ",")
            return [addresses, endpoint["hostname"].string ?? "", endpoint["targetRef"]["namespace"].string ?? "",
                    endpoint["targetRef"]["name"].string ?? ""].joined(separator: "|")
        }

        /// Whether two endpoints with the same key differ in what the slice shows (ignoring the pod's
        /// resourceVersion in the reference).
        static func sameBeyondKey(_ a: JSON, _ b: JSON) -> Bool {
            func ref(_ e: JSON) -> JSON {
                var r = e["targetRef"]
                if !r.isNull { r["resourceVersion"] = .null }
                return r
            }
            return a["nodeName"] == b["nodeName"] && a["zone"] == b["zone"]
                && a["conditions"]["ready"] == b["conditions"]["ready"]
                && a["conditions"]["serving"] == b["conditions"]["serving"]
                && a["conditions"]["terminating"] == b["conditions"]["terminating"]
                && ref(a) == ref(b)
        }

        static func isReservedLabel(_ key: String) -> Bool {
            key == Net.Keys.serviceName || key == Net.Keys.managedBy || key == Net.Keys.headless
        }

        /// The labels a slice of `service` must carry: the Service's own (bar the reserved keys), the headless
        /// marker when it has no cluster IP, the service name and the manager. Also says whether the slice's
        /// copy of the Service's labels is out of date.
        static func labels(for slice: JSON, service: JSON, controllerName: String) -> (labels: [String: String], changed: Bool) {
            let sliceOwn = slice.labels.filter { !isReservedLabel($0.key) }
            var labels = service.labels.filter { !isReservedLabel($0.key) }
            let changed = sliceOwn != labels
            if Net.ServiceFacts.isHeadless(service) { labels[Net.Keys.headless] = "" }
            labels[Net.Keys.serviceName] = service.name ?? ""
            labels[Net.Keys.managedBy] = controllerName
            return (labels, changed)
        }

        /// A new, unnamed slice for `service` (the API server names it `<service>-<5 random characters>`),
        /// owned by the Service so that the garbage collector removes it with the Service.
        static func newSlice(service: JSON, ports: [JSON], addressType: String, controllerName: String) -> JSON {
            let owner = Ownership.reference(to: Net.ServiceFacts.withTypeMeta(service))
            var slice: JSON = [
                "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": ["generateName": .string(generateNamePrefix(service.name ?? "")),
                             "namespace": .string(service.namespace ?? ""), "ownerReferences": [owner]],
                "addressType": .string(addressType),
            ]
            if !ports.isEmpty { slice["ports"] = .array(ports) }
            slice["metadata"]["labels"] = JSON(labels(for: .emptyObject, service: service, controllerName: controllerName).labels)
            return slice
        }

        /// "<service>-", or the bare name when the dash would make the prefix too long for an object name.
        static func generateNamePrefix(_ serviceName: String) -> String {
            let prefix = serviceName + "-"
            return prefix.utf8.count <= 253 ? prefix : serviceName
        }

        /// The slice names `service` as its owner (same UID), so it is not a leftover of an older Service of
        /// the same name.
        static func isOwned(_ slice: JSON, by service: JSON) -> Bool {
            slice["metadata"]["ownerReferences"].elements.contains {
                $0["uid"].string == service.uid && $0["kind"].string == "Service" && $0["apiVersion"].string == "v1"
            }
        }

        /// A slice equal to the placeholder (no endpoints, no ports) the controller would create now.
        static func isSamePlaceholder(_ slice: JSON, _ placeholder: JSON) -> Bool {
            slice.namespace == placeholder.namespace && slice.labels == placeholder.labels
                && slice["metadata"]["ownerReferences"] == placeholder["metadata"]["ownerReferences"]
                && slice["addressType"] == placeholder["addressType"]
                && slice["endpoints"].elements.isEmpty && slice["ports"].elements.isEmpty
        }
    }
}
