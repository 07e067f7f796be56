import Foundation
import KubeAPI
import KubeClient
import Synchronization

/// Gives Services of type LoadBalancer an address, the way k3s's ServiceLB does on machines without a cloud:
/// the nodes themselves answer, so `status.loadBalancer.ingress` lists the addresses of the nodes that take
/// the traffic (their ExternalIPs, else their InternalIPs) and follows them as nodes come, go or change.
/// Around it, the cloud-provider service controller's protocol: the `service.kubernetes.io/load-balancer-cleanup`
/// finalizer while a load balancer exists, status cleared when the type changes away, and its events
/// (Type, EnsuringLoadBalancer, EnsuredLoadBalancer, DeletingLoadBalancer, DeletedLoadBalancer) plus ServiceLB's
/// UpdatedLoadBalancer, all from "service-controller" as in k3s.
public final class ServiceLoadBalancerController: Controller {
    public let name = "service-lb-controller"
    /// The event source k3s's load-balancer events carry.
    public static let eventComponent = "service-controller"

    let context: ControllerContext
    let queue = WorkQueue()

    /// Work a Service sync owes beyond refreshing its addresses: a full "ensure" (after the Service itself
    /// changed) and the events describing that change, recorded by the worker so they stay in order.
    struct Pending: Sendable {
        var ensure = false
        var events: [Event] = []
    }
    struct Event: Sendable {
        let type: EventRecorder.Kind
        let reason: String
        let message: String
    }
    let pending = Mutex<[String: Pending]>([:])

    var services: Informer { context.informers.informer(.services) }
    var nodes: Informer { context.informers.informer(.nodes) }
    var slices: Informer { context.informers.informer(.endpointSlices) }

    public init(context: ControllerContext) {
        self.context = context
    }

    public func register() {
        services.addHandler { [weak self] old, new in
            guard let self else { return }
            switch (old, new) {
            case (nil, let added?):
                // Also catches up after a restart: a Service left half-cleaned gets finished.
                if Net.LoadBalancerFacts.wantsLoadBalancer(added) || Net.LoadBalancerFacts.needsCleanup(added) {
                    self.enqueue(Informer.key(added), ensure: true, events: [])
                }
            case (let before?, let after?):
                let (relevant, changes) = Net.LoadBalancerFacts.changes(old: before, new: after)
                if relevant || Net.LoadBalancerFacts.needsCleanup(after) {
                    self.enqueue(Informer.key(after), ensure: true,
                                 events: changes.map { Event(type: .normal, reason: $0.reason, message: $0.message) })
                }
            default:
                break  // a deleted Service was cleaned up while its finalizer held it
            }
        }
        nodes.addHandler { [weak self] old, new in
            guard let self else { return }
            if let old, let new, !Net.LoadBalancerFacts.nodeChangeMatters(old: old, new: new) { return }
            for service in self.services.list() where Net.LoadBalancerFacts.wantsLoadBalancer(service) {
                self.queue.add(Informer.key(service))
            }
        }
        slices.addHandler { [weak self] old, new in
            // With externalTrafficPolicy Local, only nodes with ready endpoints answer.
            guard let self, let slice = new ?? old, let serviceName = slice.labels[Net.Keys.serviceName],
                  let service = self.services.get(slice.namespace ?? "", serviceName),
                  Net.LoadBalancerFacts.wantsLoadBalancer(service),
                  service["spec"]["externalTrafficPolicy"].string == "Local" else { return }
            self.queue.add(Informer.key(service))
        }
    }

    func enqueue(_ key: String, ensure: Bool, events: [Event]) {
        pending.withLock { p in
            var entry = p[key] ?? Pending()
            entry.ensure = entry.ensure || ensure
            entry.events += events
            p[key] = entry
        }
        queue.add(key)
    }

    public func run() async {
        await queue.run({ key in try await self.sync(key) }, onError: { key, error in
            self.context.logger.debug("\(self.name): syncing \(key): \(error)")
        })
    }

    func record(_ service: JSON, _ type: EventRecorder.Kind, _ reason: String, _ message: String) async {
        await context.events.record(service, type, reason: reason, message: message, component: Self.eventComponent)
    }

    func sync(_ key: String) async throws {
        let work = pending.withLock { $0.removeValue(forKey: key) } ?? Pending()
        let (namespace, serviceName) = Net.splitKey(key)
        guard let cached = services.get(namespace, serviceName) else { return }
        let service = Net.ServiceFacts.withTypeMeta(cached)
        for event in work.events { await record(service, event.type, event.reason, event.message) }
        do {
            if !Net.LoadBalancerFacts.wantsLoadBalancer(service) || Net.LoadBalancerFacts.needsCleanup(service) {
                try await cleanUp(service, ensure: work.ensure)
            } else {
                try await ensure(service, full: work.ensure)
            }
        } catch {
            // The events are out; the rest of the work is owed again.
            if work.ensure { pending.withLock { $0[key, default: Pending()].ensure = true } }
            throw error
        }
    }

    /// The Service wants a load balancer: hold the finalizer and publish the node addresses.
    func ensure(_ original: JSON, full: Bool) async throws {
        var service = original
        if full {
            await record(service, .normal, "EnsuringLoadBalancer", "Ensuring load balancer")
            if !Net.LoadBalancerFacts.hasCleanupFinalizer(service) {
                service = try await setFinalizers(service, Net.LoadBalancerFacts.finalizers(service) + [Net.Keys.loadBalancerCleanup])
            }
        }
        let wanted = Net.LoadBalancerFacts.ingress(for: addresses(for: service))
        let previous = Net.LoadBalancerFacts.ingress(service)
        let noNodes = Net.LoadBalancerFacts.eligibleNodes(nodes.list()).isEmpty
        if full && noNodes {
            await record(service, .warning, "UnAvailableLoadBalancer", "There are no available nodes for LoadBalancer")
        }
        if wanted != previous {
            try await patchIngress(service, wanted)
            if wanted.isEmpty {
                if !(full && noNodes) {
                    await record(service, .warning, "UnAvailableLoadBalancer", "There are no available nodes for LoadBalancer")
                }
            } else {
                let before = Net.LoadBalancerFacts.goList(Net.LoadBalancerFacts.ingressStrings(previous))
                let after = Net.LoadBalancerFacts.goList(Net.LoadBalancerFacts.ingressStrings(wanted))
                await record(service, .normal, "UpdatedLoadBalancer", "Updated LoadBalancer with new IPs: \(before) -> \(after)")
            }
        }
        if full { await record(service, .normal, "EnsuredLoadBalancer", "Ensured load balancer") }
    }

    /// The Service no longer wants a load balancer (or is being deleted): release the finalizer, clear the
    /// status.
    func cleanUp(_ original: JSON, ensure: Bool) async throws {
        var service = original
        let hadFinalizer = Net.LoadBalancerFacts.hasCleanupFinalizer(service)
        let hadIngress = !Net.LoadBalancerFacts.ingress(service).isEmpty
        guard ensure || hadFinalizer || hadIngress else { return }
        if hadFinalizer || hadIngress {
            await record(service, .normal, "DeletingLoadBalancer", "Deleting load balancer")
        }
        if hadFinalizer {
            // With the deletion timestamp set, this lets the Service go.
            let rest = Net.LoadBalancerFacts.finalizers(service).filter { $0 != Net.Keys.loadBalancerCleanup }
            do {
                service = try await setFinalizers(service, rest)
            } catch let e as ClientError where e.isNotFound {
                return
            }
        }
        await record(service, .normal, "DeletedLoadBalancer", "Deleted load balancer")
        if hadIngress {
            do { try await patchIngress(service, []) } catch let e as ClientError where e.isNotFound {}
        }
    }

    /// The addresses that answer for this Service now.
    func addresses(for service: JSON) -> [String] {
        var readyNodes: Set<String>?
        if service["spec"]["externalTrafficPolicy"].string == "Local" {
            var names = Set<String>()
            for slice in slices.list(namespace: service.namespace) where slice.labels[Net.Keys.serviceName] == service.name {
                for endpoint in slice["endpoints"].elements
                where endpoint["targetRef"]["kind"].string == "Pod" && endpoint["conditions"]["ready"].bool == true {
                    if let node = endpoint["nodeName"].string { names.insert(node) }
                }
            }
            readyNodes = names
        }
        return Net.LoadBalancerFacts.addresses(service: service, nodes: nodes.list(), nodesWithReadyEndpoints: readyNodes)
    }

    /// Writes `status.loadBalancer.ingress` through the status subresource (removing it when empty).
    func patchIngress(_ service: JSON, _ ingress: [JSON]) async throws {
        let patch: JSON = ["status": ["loadBalancer": ["ingress": ingress.isEmpty ? .null : .array(ingress)]]]
        _ = try await context.client.patch(.services, namespace: service.namespace, name: service.name ?? "",
                                           type: .merge, patch: patch, subresource: "status", fieldManager: name)
    }

    /// Replaces the finalizer list, on condition that the Service is still the version we read.
    func setFinalizers(_ service: JSON, _ finalizers: [String]) async throws -> JSON {
        // Built as literals: assigning `.null` through a subscript would drop the key instead of sending it.
        var metadata: [String: JSON] = ["finalizers": finalizers.isEmpty ? .null : .array(finalizers.map { .string($0) })]
        if let rv = service.resourceVersion { metadata["resourceVersion"] = .string(rv) }
        let patch = JSON.object(["metadata": .object(metadata)])
        let updated = try await context.client.patch(.services, namespace: service.namespace, name: service.name ?? "",
                                                     type: .merge, patch: patch, subresource: nil, fieldManager: name)
        // Releasing the last finalizer of a deleting Service removes it: the answer may then be empty.
        guard updated.name != nil else { return service }
        return Net.ServiceFacts.withTypeMeta(updated)
    }
}
