import KubeAPI

extension Net {
    /// What to write to bring a Service's EndpointSlices in line with its pods.
    struct SlicePlan {
        var creates: [JSON] = []
        var updates: [JSON] = []
        var deletes: [JSON] = []
        /// Pods left out for now (their node is unknown): the sync is retried.
        var problems: [String] = []

        var isEmpty: Bool { creates.isEmpty && updates.isEmpty && deletes.isEmpty }
    }

    /// Desired endpoints in a stable order, taken out as they are placed in slices (Kubernetes uses a set and
    /// takes any; an order by address keeps slices tidy and tests deterministic).
    struct EndpointQueue {
        private var order: [String] = []
        private var byKey: [String: JSON] = [:]

        var count: Int { byKey.count }
        var isEmpty: Bool { byKey.isEmpty }

        mutating func insert(_ endpoint: JSON) {
            let key = SliceBuilder.endpointKey(endpoint)
            if byKey.updateValue(endpoint, forKey: key) == nil { order.append(key) }
        }

        func get(key: String) -> JSON? { byKey[key] }

        mutating func remove(key: String) {
            if byKey.removeValue(forKey: key) != nil { order.removeAll { $0 == key } }
        }

        mutating func sort() {
            order.sort { a, b in Self.addressOrder(byKey[a]!, byKey[b]!) }
        }

        mutating func popFirst() -> JSON? {
            guard !order.isEmpty else { return nil }
            let key = order.removeFirst()
            return byKey.removeValue(forKey: key)
        }

        static func addressOrder(_ a: JSON, _ b: JSON) -> Bool {
            let x = a["addresses"].elements.first?.string ?? "", y = b["addresses"].elements.first?.string ?? ""
            if let p = IPv4CIDR.parseAddress(x), let q = IPv4CIDR.parseAddress(y), p != q { return p < q }
            if x != y { return x < y }
            return (a["targetRef"]["name"].string ?? "") < (b["targetRef"]["name"].string ?? "")
        }
    }

    /// The EndpointSlice reconciler (k8s.io/endpointslice Reconciler): groups desired endpoints by port set,
    /// keeps endpoints in the slices that already hold them (updating them in place), fills slices being
    /// updated anyway before touching unchanged ones, creates slices of at most `maxEndpointsPerSlice`, deletes
    /// slices left empty, and keeps one empty placeholder slice when a Service has no endpoints at all.
    struct SliceReconciler {
        let controllerName: String
        let maxEndpointsPerSlice: Int

        func plan(service: JSON, pods: [JSON], existing: [JSON], node: (String) -> JSON?) -> SlicePlan {
            var plan = SlicePlan()
            let supported = ServiceFacts.addressTypes(service)
            var byType: [String: [JSON]] = [:]
            for slice in existing {
                let type = slice["addressType"].string ?? ""
                if supported.contains(type) { byType[type, default: []].append(slice) } else { plan.deletes.append(slice) }
            }
            for type in supported {
                var part = planByAddressType(service: service, pods: pods, existing: byType[type] ?? [],
                                             addressType: type, node: node)
                finalize(&part, service: service)
                plan.creates += part.creates
                plan.updates += part.updates
                plan.deletes += part.deletes
                plan.problems += part.problems
            }
            return plan
        }

        func planByAddressType(service: JSON, pods: [JSON], existing: [JSON], addressType: String,
                               node: (String) -> JSON?) -> SlicePlan {
            var plan = SlicePlan()
            var existingByPorts: [String: [JSON]] = [:]
            for slice in existing {
                if SliceBuilder.isOwned(slice, by: service) {
                    existingByPorts[SliceBuilder.portKey(slice["ports"].elements), default: []].append(slice)
                } else {
                    plan.deletes.append(slice)  // left by an older Service of the same name
                }
            }

            var desiredPorts: [String: [JSON]] = [:]
            var desired: [String: EndpointQueue] = [:]
            let publishNotReady = ServiceFacts.publishesNotReadyAddresses(service)
            for pod in pods where PodFacts.shouldBeInEndpoints(pod, includeTerminating: true) {
                let ports = SliceBuilder.ports(service: service, pod: pod)
                let key = SliceBuilder.portKey(ports)
                if desiredPorts[key] == nil { desiredPorts[key] = ports }
                if desired[key] == nil { desired[key] = EndpointQueue() }
                let nodeName = pod["spec"]["nodeName"].string ?? ""
                let nodeObject = node(nodeName)
                if nodeObject == nil && !publishNotReady {
                    // A pod on an unknown node is left out (and the sync retried) unless the Service asked
                    // for every address to be published.
                    plan.problems.append("skipping Pod \(pod.name ?? "") for Service \(service.namespace ?? "")/\(service.name ?? ""): Node \(nodeName) Not Found")
                    continue
                }
                let endpoint = SliceBuilder.endpoint(pod: pod, node: nodeObject, service: service, addressType: addressType)
                if !endpoint["addresses"].elements.isEmpty { desired[key]!.insert(endpoint) }
            }

            for key in desired.keys.sorted() {
                var endpoints = desired[key]!
                endpoints.sort()
                let part = planByPorts(service: service, existing: existingByPorts[key] ?? [], desired: endpoints,
                                       ports: desiredPorts[key] ?? [], addressType: addressType)
                plan.creates += part.creates
                plan.updates += part.updates
                plan.deletes += part.deletes
            }
            for (key, slices) in existingByPorts where desired[key] == nil {
                plan.deletes += slices
            }

            // A Service with no endpoints keeps exactly one empty slice, so consumers can tell "no endpoints"
            // from "not processed yet".
            if existing.count == plan.deletes.count && plan.creates.isEmpty {
                let placeholder = SliceBuilder.newSlice(service: service, ports: [], addressType: addressType,
                                                        controllerName: controllerName)
                if plan.deletes.count == 1 && SliceBuilder.isSamePlaceholder(plan.deletes[0], placeholder) {
                    plan.deletes.removeAll()
                } else {
                    plan.creates.append(placeholder)
                }
            }
            return plan
        }

        /// Reconciles the slices of one port set against the endpoints desired for it.
        func planByPorts(service: JSON, existing: [JSON], desired desiredIn: EndpointQueue, ports: [JSON],
                         addressType: String) -> SlicePlan {
            var desired = desiredIn
            var byName: [String: JSON] = [:]
            var unchanged: [String] = []
            var toUpdate: [String] = []
            var toDelete: [String] = []

            // 1. Keep desired endpoints where they are, refreshed; drop the others.
            for slice in existing.sorted(by: { ($0.name ?? "") < ($1.name ?? "") }) {
                let name = slice.name ?? ""
                byName[name] = slice
                var kept: [JSON] = []
                var endpointChanged = false
                for endpoint in slice["endpoints"].elements {
                    let key = SliceBuilder.endpointKey(endpoint)
                    guard let wanted = desired.get(key: key) else { continue }
                    kept.append(wanted)
                    if !SliceBuilder.sameBeyondKey(wanted, endpoint) { endpointChanged = true }
                    desired.remove(key: key)
                }
                let (labels, labelsChanged) = SliceBuilder.labels(for: slice, service: service, controllerName: controllerName)
                if endpointChanged || kept.count != slice["endpoints"].elements.count {
                    if kept.isEmpty {
                        toDelete.append(name)
                    } else {
                        var updated = slice
                        updated["endpoints"] = .array(kept)
                        updated["metadata"]["labels"] = JSON(labels)
                        byName[name] = updated
                        toUpdate.append(name)
                    }
                } else if labelsChanged {
                    var updated = slice
                    updated["metadata"]["labels"] = JSON(labels)
                    byName[name] = updated
                    toUpdate.append(name)
                } else {
                    unchanged.append(name)
                }
            }

            // 2. Fill the slices being written anyway, fullest first.
            if !desired.isEmpty && !toUpdate.isEmpty {
                let fullestFirst = toUpdate.sorted { byName[$0]!["endpoints"].elements.count > byName[$1]!["endpoints"].elements.count }
                for name in fullestFirst {
                    var slice = byName[name]!
                    var endpoints = slice["endpoints"].elements
                    while endpoints.count < maxEndpointsPerSlice, let next = desired.popFirst() { endpoints.append(next) }
                    slice["endpoints"] = .array(endpoints)
                    byName[name] = slice
                }
            }

            // 3. Place what is left in the unchanged slice that it fills best, or in new slices.
            var creates: [JSON] = []
            while !desired.isEmpty {
                var target: JSON?
                if desired.count < maxEndpointsPerSlice && !unchanged.isEmpty {
                    target = sliceToFill(unchanged.map { byName[$0]! }, adding: desired.count)
                }
                var slice = target ?? SliceBuilder.newSlice(service: service, ports: ports, addressType: addressType,
                                                            controllerName: controllerName)
                var endpoints = slice["endpoints"].elements
                while endpoints.count < maxEndpointsPerSlice, let next = desired.popFirst() { endpoints.append(next) }
                slice["endpoints"] = .array(endpoints)
                if let name = slice.name, !name.isEmpty {
                    byName[name] = slice
                    unchanged.removeAll { $0 == name }
                    if !toUpdate.contains(name) { toUpdate.append(name) }
                } else {
                    creates.append(slice)
                }
            }
            return SlicePlan(creates: creates, updates: toUpdate.map { byName[$0]! }, deletes: toDelete.map { byName[$0]! })
        }

        /// The slice that ends up closest to full after taking `count` more endpoints, if any has room.
        func sliceToFill(_ slices: [JSON], adding count: Int) -> JSON? {
            var best: JSON?
            var bestRoom = maxEndpointsPerSlice
            for slice in slices {
                let room = maxEndpointsPerSlice - (count + slice["endpoints"].elements.count)
                if room >= 0 && room < bestRoom {
                    best = slice
                    bestRoom = room
                    if room == 0 { break }
                }
            }
            return best
        }

        /// Turns "create one, delete another" into an update of the slice that would be deleted, so a Service
        /// keeps its slice names when its endpoints come and go.
        func finalize(_ plan: inout SlicePlan, service: JSON) {
            var i = 0
            while i < plan.deletes.count, !plan.creates.isEmpty {
                let doomed = plan.deletes[i]
                var replacement = plan.creates[plan.creates.count - 1]
                if doomed["addressType"] == replacement["addressType"] && SliceBuilder.isOwned(doomed, by: service) {
                    // The identity of the slice being replaced goes with it (an update keeps its UID).
                    for field in ["name", "uid", "resourceVersion", "creationTimestamp", "annotations"] {
                        replacement["metadata"][field] = doomed["metadata"][field]
                    }
                    plan.creates.removeLast()
                    plan.updates.append(replacement)
                    plan.deletes.remove(at: i)
                } else {
                    i += 1
                }
            }
        }
    }
}
