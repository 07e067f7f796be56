import Foundation
import KubeAPI
import KubeClient

/// kube-controller-manager's namespace controller: a namespace with a deletionTimestamp is emptied (every
/// namespaced resource listed and each object deleted with Background propagation), its status kept at phase
/// Terminating with the NamespaceDeletion* / NamespaceContentRemaining / NamespaceFinalizersRemaining
/// conditions, and once nothing is left the `kubernetes` finalizer is removed from `spec.finalizers` through
/// `PUT namespaces/<name>/finalize` (`update(.namespaces, ns, subresource: "finalize")`); the API server then
/// deletes the namespace when no finalizer is left.
///
/// Pods take their grace period to go: the namespace is looked at again after half the longest grace period
/// (as Kubernetes does), and also as soon as one of its pods disappears.
public final class NamespaceController: Controller, Sendable {
    public static let component = "namespace-controller"
    public let name = NamespaceController.component
    public static let finalizerToken = "kubernetes"
    /// The wait assumed for objects held by finalizers of their own.
    static let finalizerEstimateSeconds: Int64 = 15

    let context: ControllerContext
    let resources: [ResourceType]
    let namespaces: Informer
    let pods: Informer
    let queue = WorkQueue()

    /// - Parameter resources: the namespaced resources to empty, by default every one this server serves.
    public init(context: ControllerContext, resources: [ResourceType] = ResourceRegistry.all.filter(\.namespaced)) {
        self.context = context
        self.resources = resources
        namespaces = context.informers.informer(.namespaces)
        pods = context.informers.informer(.pods)
    }

    public func register() {
        namespaces.addHandler { [self] _, new in
            if let new, Ownership.isDeleting(new), let name = new.name { queue.add(name) }
        }
        pods.addHandler { [self] old, new in
            guard new == nil, let ns = old?.namespace, let namespace = namespaces.get("", ns),
                  Ownership.isDeleting(namespace) else { return }
            queue.add(ns)
        }
    }

    public func run() async {
        await queue.run({ [self] name in try await sync(name) }, onError: { [self] name, error in
            context.logger.warning("deleting namespace \(name) failed: \(error)")
        })
    }

    struct DeletionError: Error, CustomStringConvertible {
        let description: String
    }

    func sync(_ name: String) async throws {
        var namespace: JSON
        do {
            namespace = try await context.client.get(.namespaces, namespace: nil, name: name)
        } catch let error as ClientError where error.isNotFound {
            return
        }
        guard Ownership.isDeleting(namespace) else { return }
        do {
            namespace = try await ensureTerminating(namespace)
        } catch let error as ClientError where error.isNotFound {
            return
        }
        guard Ownership.isDeleting(namespace) else { return }
        // Already finalized by us (or never ours): the API server finishes the deletion.
        guard !Self.specFinalizers(namespace).isEmpty else { return }

        let (estimate, updated) = try await deleteAllContent(namespace)
        if estimate > 0 {
            queue.add(name, after: Double(estimate / 2 + 1))
            return
        }
        try await finalize(updated)
    }

    static func specFinalizers(_ ns: JSON) -> [String] { ns["spec"]["finalizers"].elements.compactMap(\.string) }

    /// Runs a namespace write, re-reading the namespace after a conflict (giving up if it was replaced).
    private func retryingConflicts(_ namespace: JSON, _ write: (JSON) async throws -> JSON) async throws -> JSON {
        var current = namespace
        while true {
            do {
                return try await write(current)
            } catch let error as ClientError where error.isConflict {
                let latest = try await context.client.get(.namespaces, namespace: nil, name: namespace.name ?? "")
                guard latest.uid == namespace.uid else {
                    throw DeletionError(description: "namespace uid has changed across retries")
                }
                current = latest
            }
        }
    }

    private func ensureTerminating(_ namespace: JSON) async throws -> JSON {
        try await retryingConflicts(namespace) { ns in
            guard Ownership.isDeleting(ns), ns["status"]["phase"].string != "Terminating" else { return ns }
            var updated = ns
            updated["status"]["phase"] = "Terminating"
            return try await context.client.update(.namespaces, updated, subresource: "status", fieldManager: Self.component)
        }
    }

    /// Removes our token from spec.finalizers (the rest kept, sorted, as Kubernetes writes them).
    private func finalize(_ namespace: JSON) async throws {
        do {
            _ = try await retryingConflicts(namespace) { ns in
                var updated = ns
                let rest = Set(Self.specFinalizers(ns)).subtracting([Self.finalizerToken]).sorted()
                updated["spec"]["finalizers"] = .array(rest.map { .string($0) })
                return try await context.client.update(.namespaces, updated, subresource: "finalize", fieldManager: Self.component)
            }
        } catch let error as ClientError where error.isNotFound {
        }
    }

    // MARK: Emptying

    /// Deletes everything in the namespace; returns how many seconds the rest is expected to take (0: all
    /// gone) and the namespace as last written. Throws when some resource could not be emptied.
    private func deleteAllContent(_ namespace: JSON) async throws -> (Int64, JSON) {
        let name = namespace.name ?? ""
        let deletedAt = ClusterObjects.date(namespace["metadata"]["deletionTimestamp"]) ?? context.now()
        var outcome = NamespaceDeletionConditions.Outcome()
        var estimate: Int64 = 0
        for r in resources where r.namespaced {
            do {
                let left = try await deleteAll(r, in: name, deletedAt: deletedAt)
                estimate = max(estimate, left.estimate)
                if left.remaining > 0 {
                    outcome.remaining["\(r.plural).\(r.group)", default: 0] += left.remaining
                    for (f, n) in left.finalizers { outcome.finalizers[f, default: 0] += n }
                }
                if let error = left.error { outcome.errors.append(error) }
            } catch let error as ClientError where error.isNotFound || error.code == 405 {
                // Not served for listing or deleting: nothing this controller can remove.
            } catch {
                outcome.errors.append("\(error)")
            }
        }
        var current = namespace
        let now = ClusterObjects.timestamp(context.now())
        let conditions = NamespaceDeletionConditions.conditions(for: outcome, now: now)
        if let merged = NamespaceDeletionConditions.merged(namespace["status"]["conditions"].elements, conditions, now: now) {
            var updated = namespace
            updated["status"]["conditions"] = .array(merged)
            do {
                current = try await context.client.update(.namespaces, updated, subresource: "status", fieldManager: Self.component)
            } catch {
                context.logger.info("updating status conditions of namespace \(name) failed: \(error)")
            }
        }
        if !outcome.errors.isEmpty {
            throw DeletionError(description: outcome.errors.sorted().joined(separator: ", "))
        }
        return (estimate, current)
    }

    private struct Leftover {
        var estimate: Int64 = 0
        var remaining = 0
        var finalizers: [String: Int] = [:]
        /// Set when objects remain that nothing explains (no grace period running, no finalizer).
        var error: String?
    }

    private func deleteAll(_ r: ResourceType, in namespace: String, deletedAt: Date) async throws -> Leftover {
        var estimate: Int64 = 0
        let (items, _) = try await context.client.list(r, namespace: namespace, options: ListOptions())
        if r.storageName == ResourceType.pods.storageName {
            // Running pods get their termination grace period, counted from the namespace's deletion.
            for p in items where !SchedulerPodResources.isTerminal(p) {
                estimate = max(estimate, p["spec"]["terminationGracePeriodSeconds"].int ?? 0)
            }
            if context.now().timeIntervalSince(deletedAt) >= Double(estimate) { estimate = 0 }
        }
        for item in items {
            do {
                try await context.client.delete(r, namespace: namespace, name: item.name ?? "",
                                                options: ["propagationPolicy": "Background"])
            } catch let error as ClientError where error.isNotFound || error.code == 405 {
            }
        }
        let (left, _) = try await context.client.list(r, namespace: namespace, options: ListOptions())
        guard !left.isEmpty else { return Leftover() }
        var finalizers: [String: Int] = [:]
        for item in left { for f in ClusterObjects.finalizers(item) { finalizers[f, default: 0] += 1 } }
        if estimate != 0 { return Leftover(estimate: estimate, remaining: left.count, finalizers: finalizers) }
        if !finalizers.isEmpty {
            return Leftover(estimate: Self.finalizerEstimateSeconds, remaining: left.count, finalizers: finalizers)
        }
        return Leftover(remaining: left.count, error:
            "unexpected items still remain in namespace: \(namespace) for gvr: \(r.group)/\(r.version), Resource=\(r.plural)")
    }
}
