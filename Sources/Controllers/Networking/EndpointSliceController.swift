import Foundation
import KubeAPI
import KubeClient

/// Keeps the discovery.k8s.io/v1 EndpointSlices of every Service with a selector (kube-controller-manager's
/// "endpointslice-controller.k8s.io"): slices named `<service>-<random>`, labelled with the service name and
/// this manager, owned by the Service, holding at most `maxEndpointsPerSlice` endpoints each with their
/// ready/serving/terminating conditions. `kubectl describe service` reads its Endpoints line from these, and the
/// service proxy and cluster DNS route by them.
public final class EndpointSliceController: Controller {
    public static let controllerName = "endpointslice-controller.k8s.io"
    public let name = EndpointSliceController.controllerName

    let context: ControllerContext
    let workers: Int
    let reconciler: Net.SliceReconciler
    let queue = WorkQueue()
    let triggerTimes = Net.TriggerTimeTracker()
    let tracker = Net.SliceTracker()
    /// Slice events are batched this long before the Service is synced again (Kubernetes'
    /// endpointSliceChangeMinSyncDelay).
    let sliceChangeDelay: Double

    var services: Informer { context.informers.informer(.services) }
    var pods: Informer { context.informers.informer(.pods) }
    var nodes: Informer { context.informers.informer(.nodes) }
    var slices: Informer { context.informers.informer(.endpointSlices) }

    public init(context: ControllerContext, maxEndpointsPerSlice: Int = 100, workers: Int = 2,
                sliceChangeDelay: Double = 1.0) {
        self.context = context
        self.workers = max(1, workers)
        self.reconciler = Net.SliceReconciler(controllerName: Self.controllerName,
                                              maxEndpointsPerSlice: max(1, maxEndpointsPerSlice))
        self.sliceChangeDelay = sliceChangeDelay
    }

    public func register() {
        let queue = self.queue
        let services = self.services
        let tracker = self.tracker
        let delay = sliceChangeDelay
        services.addHandler { old, new in
            if let s = new ?? old { queue.add(Informer.key(s)) }
        }
        pods.addHandler { old, new in
            for key in Net.PodMembership.servicesToSync(old: old, new: new, services: services.list()) {
                queue.add(key)
            }
        }
        _ = nodes  // pods on unknown nodes are retried, so nodes only need to be cached
        slices.addHandler { old, new in
            func managed(_ s: JSON?) -> Bool { s?.labels[Net.Keys.managedBy] == Self.controllerName }
            switch (old, new) {
            case (nil, let added?):
                if managed(added) && tracker.shouldSync(added) { queue.add(Net.SliceTracker.serviceKey(of: added), after: delay) }
            case (let before?, let after?):
                if before.labels[Net.Keys.serviceName] != after.labels[Net.Keys.serviceName] {
                    queue.add(Net.SliceTracker.serviceKey(of: after), after: delay)
                    queue.add(Net.SliceTracker.serviceKey(of: before), after: delay)
                } else if managed(before) != managed(after) || (managed(after) && tracker.shouldSync(after)) {
                    queue.add(Net.SliceTracker.serviceKey(of: after), after: delay)
                }
            case (let gone?, nil):
                if managed(gone) && !tracker.handleDeletion(gone) {
                    queue.add(Net.SliceTracker.serviceKey(of: gone), after: delay)
                }
            case (nil, nil):
                break
            }
        }
    }

    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    await self.queue.run({ key in try await self.sync(key) }, onError: { key, error in
                        self.context.logger.debug("\(Self.controllerName): syncing \(key): \(error)")
                    })
                }
            }
        }
    }

    /// How long a sync waits for the informer cache to show our own writes before it stops waiting.
    static let stalePatience = 30.0

    struct StaleCache: Error, CustomStringConvertible {
        let key: String
        var description: String { "EndpointSlice informer cache is out of date for \(key)" }
    }

    struct SyncFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// This controller's slices for a Service name in a namespace, except those already being deleted.
    func managedSlices(namespace: String, serviceName: String) -> [JSON] {
        slices.list(namespace: namespace).filter {
            $0.labels[Net.Keys.serviceName] == serviceName && $0.labels[Net.Keys.managedBy] == Self.controllerName
                && $0["metadata"]["deletionTimestamp"].isNull
        }
    }

    func sync(_ key: String) async throws {
        let (namespace, serviceName) = Net.splitKey(key)
        guard let cached = services.get(namespace, serviceName) else {
            // The garbage collector removes slices with their owner; removing them here as well means they do
            // not outlive the Service when no collector runs, and do not linger until it gets to them.
            for slice in managedSlices(namespace: namespace, serviceName: serviceName) {
                try await delete(slice)
            }
            triggerTimes.forget(key: key)
            tracker.forget(serviceKey: key)
            return
        }
        let service = Net.ServiceFacts.withTypeMeta(cached)
        if Net.ServiceFacts.type(service) == "ExternalName" { return }
        guard let selector = Net.ServiceFacts.selector(service) else { return }

        let selected = pods.list(namespace: namespace).filter { selector.matches($0.labels) }
        let existing = managedSlices(namespace: namespace, serviceName: serviceName)
        if tracker.waitForCache(serviceKey: key, cached: existing, now: Date(), patience: Self.stalePatience) {
            throw StaleCache(key: key)
        }
        // Computed even when nothing gets written, so the next change is measured from now.
        let triggerTime = triggerTimes.compute(key: key, service: service, pods: selected)

        let nodes = self.nodes
        let plan = reconciler.plan(service: service, pods: selected, existing: existing,
                                   node: { nodes.get("", $0) })
        var problems = plan.problems
        do {
            try await write(plan, service: service, triggerTime: triggerTime)
        } catch {
            let failure = error as? WriteFailed ?? WriteFailed("failed to sync EndpointSlices", error)
            if let e = failure.underlying as? ClientError, e.isConflict { throw e }  // cache behind: just retry
            problems.append(failure.description)
        }
        if !problems.isEmpty {
            // Several errors read as Go's aggregate error prints them.
            let message = problems.count == 1 ? problems[0] : "[" + problems.joined(separator: ", ") + "]"
            await failed(service, message)
            throw SyncFailed(description: message)
        }
    }

    /// A write that failed, described as Kubernetes describes it.
    struct WriteFailed: Error, CustomStringConvertible {
        let description: String
        let underlying: Error

        init(_ what: String, _ error: Error) {
            let detail = (error as? ClientError)?.message ?? "\(error)"
            description = "\(what): \(detail)"
            underlying = error
        }
    }

    func failed(_ service: JSON, _ detail: String) async {
        await context.events.record(service, .warning, reason: "FailedToUpdateEndpointSlices",
                                    message: "Error updating Endpoint Slices for Service \(service.namespace ?? "")/\(service.name ?? ""): \(detail)",
                                    component: name)
    }

    func write(_ plan: Net.SlicePlan, service: JSON, triggerTime: Date?) async throws {
        let target = "Service \(service.namespace ?? "")/\(service.name ?? "")"
        // No new slices for a Service on its way out: the garbage collector would race with them.
        if service["metadata"]["deletionTimestamp"].isNull {
            for slice in plan.creates {
                do {
                    let created = try await context.client.create(.endpointSlices, annotated(slice, triggerTime),
                                                                  fieldManager: name)
                    tracker.wrote(created)
                } catch {
                    throw WriteFailed("failed to create EndpointSlice for \(target)", error)
                }
            }
        }
        for slice in plan.updates {
            do {
                let updated = try await context.client.update(.endpointSlices, annotated(slice, triggerTime),
                                                              subresource: nil, fieldManager: name)
                tracker.wrote(updated)
            } catch {
                throw WriteFailed("failed to update \(slice.name ?? "") EndpointSlice for \(target)", error)
            }
        }
        for slice in plan.deletes {
            do {
                try await delete(slice)
            } catch {
                throw WriteFailed("failed to delete \(slice.name ?? "") EndpointSlice for \(target)", error)
            }
        }
    }

    func delete(_ slice: JSON) async throws {
        // Expected before asking, so the deletion event cannot overtake the bookkeeping.
        tracker.expectDeletion(slice)
        do {
            try await context.client.delete(.endpointSlices, namespace: slice.namespace, name: slice.name ?? "",
                                            options: ["propagationPolicy": "Background"])
        } catch let error as ClientError where error.isNotFound {
            return
        } catch {
            tracker.forget(slice)  // still there: a later sync must not wait for its deletion
            throw error
        }
    }

    /// Sets (or clears) the last-change-trigger-time annotation on a slice about to be written.
    func annotated(_ slice: JSON, _ triggerTime: Date?) -> JSON {
        var s = slice
        var annotations = s.annotations
        if let triggerTime {
            annotations[Net.Keys.lastChangeTriggerTime] = Net.rfc3339Nano(triggerTime)
        } else {
            annotations.removeValue(forKey: Net.Keys.lastChangeTriggerTime)
        }
        s["metadata"]["annotations"] = annotations.isEmpty ? .null : JSON(annotations)
        return s
    }
}
