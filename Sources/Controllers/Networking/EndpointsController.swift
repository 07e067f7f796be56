import Foundation
import KubeAPI
import KubeClient
import Synchronization

/// Keeps one v1 Endpoints object per Service with a selector, named like the Service, listing the pods the
/// selector matches: ready ones under `addresses`, the others under `notReadyAddresses` (kube-controller-manager's
/// "endpoint-controller"). Services without a selector are left alone (their Endpoints are someone else's);
/// an Endpoints object whose Service is gone is deleted.
public final class EndpointsController: Controller {
    public let name = "endpoint-controller"

    let context: ControllerContext
    let workers: Int
    let queue = WorkQueue()
    let triggerTimes = Net.TriggerTimeTracker()
    /// resourceVersion (and time) of our last write per Endpoints key: until the informer has caught up with
    /// it, a sync would work from stale data (and fail with a conflict), so it waits, for a while.
    let written = Mutex<[String: (resourceVersion: String, at: Date)]>([:])
    static let stalePatience = 30.0

    var services: Informer { context.informers.informer(.services) }
    var pods: Informer { context.informers.informer(.pods) }
    var endpoints: Informer { context.informers.informer(.endpoints) }

    public init(context: ControllerContext, workers: Int = 2) {
        self.context = context
        self.workers = max(1, workers)
    }

    public func register() {
        let queue = self.queue
        let services = self.services
        services.addHandler { old, new in
            if let s = new ?? old { queue.add(Informer.key(s)) }
        }
        pods.addHandler { old, new in
            for key in Net.PodMembership.servicesToSync(old: old, new: new, services: services.list()) {
                queue.add(key)
            }
        }
        endpoints.addHandler { [weak self] old, new in
            // Someone deleted an Endpoints object: recreate it if its Service still wants one.
            guard new == nil, let gone = old else { return }
            let key = Informer.key(gone)
            _ = self?.written.withLock { $0.removeValue(forKey: key) }
            queue.add(key)
        }
    }

    public func run() async {
        // Endpoints left over from Services deleted while we were not running get a sync, which deletes them.
        for ep in endpoints.list() where ep.annotations[Net.Keys.leaderElection] == nil {
            queue.add(Informer.key(ep))
        }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    await self.queue.run({ key in try await self.sync(key) }, onError: { key, error in
                        self.context.logger.debug("endpoint-controller: syncing \(key): \(error)")
                    })
                }
            }
        }
    }

    struct StaleCache: Error, CustomStringConvertible {
        let key: String
        var description: String { "endpoints informer cache is out of date for \(key)" }
    }

    func sync(_ key: String) async throws {
        let (namespace, serviceName) = Net.splitKey(key)
        guard let service = services.get(namespace, serviceName) else {
            // The Service is gone: so are its Endpoints.
            do {
                try await context.client.delete(.endpoints, namespace: namespace, name: serviceName, options: [:])
            } catch let error as ClientError where error.isNotFound {}
            triggerTimes.forget(key: key)
            _ = written.withLock { $0.removeValue(forKey: key) }
            return
        }
        // ExternalName Services get no endpoints; selector-less ones get theirs from elsewhere.
        if Net.ServiceFacts.type(service) == "ExternalName" { return }
        guard let selector = Net.ServiceFacts.selector(service) else { return }

        let selected = pods.list(namespace: namespace).filter { selector.matches($0.labels) }
        let triggerTime = triggerTimes.compute(key: key, service: service, pods: selected)
        var subsets = Net.EndpointsBuilder.subsets(service: service, pods: selected)

        let current = endpoints.get(namespace, serviceName)
        if let expected = written.withLock({ $0[key] }) {
            let caughtUp = current.map { Net.isAtLeast($0, resourceVersion: expected.resourceVersion) } ?? false
            if !caughtUp && Date().timeIntervalSince(expected.at) < Self.stalePatience { throw StaleCache(key: key) }
            _ = written.withLock { $0.removeValue(forKey: key) }
        }

        let serviceLabels = service.labels
        if let current {
            var compareLabels = current.labels
            compareLabels.removeValue(forKey: Net.Keys.headless)  // never on the Service itself
            let same = Net.EndpointsBuilder.comparable(current["subsets"]) == Net.EndpointsBuilder.comparable(.array(subsets))
            if same && compareLabels == serviceLabels
                && Net.Repacking.capacityAnnotationCorrect(annotations: current.annotations,
                                                           subsets: current["subsets"].elements) {
                return
            }
        }

        var object = current ?? [
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": ["name": .string(serviceName), "namespace": .string(namespace)],
        ]
        if object.kind == nil { object["kind"] = "Endpoints" }
        if object.apiVersion == nil { object["apiVersion"] = "v1" }
        var annotations = current?.annotations ?? [:]
        if let triggerTime {
            annotations[Net.Keys.lastChangeTriggerTime] = Net.rfc3339Nano(triggerTime)
        } else {
            annotations.removeValue(forKey: Net.Keys.lastChangeTriggerTime)
        }
        if Net.Repacking.truncate(&subsets) {
            annotations[Net.Keys.overCapacity] = Net.Keys.truncated
        } else {
            annotations.removeValue(forKey: Net.Keys.overCapacity)
        }
        var labels = serviceLabels
        if Net.ServiceFacts.isHeadless(service) { labels[Net.Keys.headless] = "" } else { labels.removeValue(forKey: Net.Keys.headless) }
        object["metadata"]["labels"] = labels.isEmpty ? .null : JSON(labels)
        object["metadata"]["annotations"] = annotations.isEmpty ? .null : JSON(annotations)
        object["subsets"] = subsets.isEmpty ? .null : .array(subsets)

        let result: JSON
        do {
            if current == nil {
                result = try await context.client.create(.endpoints, object, fieldManager: name)
            } else {
                result = try await context.client.update(.endpoints, object, subresource: nil, fieldManager: name)
            }
        } catch {
            if let e = error as? ClientError, e.isConflict || e.isAlreadyExists {
                throw error  // our cache is behind; the retry works from fresher data
            }
            let detail = (error as? ClientError)?.message ?? "\(error)"
            let (reason, message) = current == nil
                ? ("FailedToCreateEndpoint", "Failed to create endpoint for service \(namespace)/\(serviceName): \(detail)")
                : ("FailedToUpdateEndpoint", "Failed to update endpoint \(namespace)/\(serviceName): \(detail)")
            await context.events.record(object, .warning, reason: reason, message: message, component: name)
            throw error
        }
        if let rv = result.resourceVersion { written.withLock { $0[key] = (rv, Date()) } }
    }
}
