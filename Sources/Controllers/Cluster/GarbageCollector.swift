import Foundation
import KubeAPI
import KubeClient
import Synchronization

/// kube-controller-manager's garbage collector, over a configurable set of resources:
/// - a dependent whose owners are all gone (absent from the informer and confirmed by a GET that answers 404
///   or a different uid) is deleted in the background; owners that are gone but not all of them are only
///   dropped from its ownerReferences;
/// - an owner being deleted in the foreground (`foregroundDeletion` finalizer) has its dependents deleted
///   first, and loses the finalizer once no dependent with `blockOwnerDeletion` remains;
/// - an owner being deleted with `orphan` propagation (`orphan` finalizer) has its ownerReferences removed
///   from its dependents, then loses the finalizer.
/// Removing the last finalizer lets the API server finish the owner's deletion.
public final class GarbageCollector: Controller, Sendable {
    public static let component = "garbagecollector"
    public let name = GarbageCollector.component

    public static let foregroundFinalizer = DeletionFinalizers.foreground
    public static let orphanFinalizer = DeletionFinalizers.orphan

    /// Resources whose objects are owners or dependents in practice: workload objects and their pods,
    /// Service endpoints, configuration objects users own by hand, and node Leases (owned by their Node).
    public static let defaultResources: [ResourceType] = [
        .pods, .replicaSets, .deployments, .services, .endpoints, .endpointSlices,
        .configMaps, .secrets, .serviceAccounts, .nodes, .leases,
    ]

    let context: ControllerContext
    let resources: [String: ResourceType]
    let informers: [String: Informer]
    let queue = WorkQueue()
    private let graph = Mutex(GCOwnerGraph())

    public init(context: ControllerContext, resources: [ResourceType] = GarbageCollector.defaultResources) {
        self.context = context
        var rs: [String: ResourceType] = [:]
        var inf: [String: Informer] = [:]
        for r in resources {
            rs[r.storageName] = r
            inf[r.storageName] = context.informers.informer(r)
        }
        self.resources = rs
        self.informers = inf
    }

    public func register() {
        for (storage, informer) in informers {
            informer.addHandler { [self] old, new in changed(storage, old, new) }
        }
    }

    public func run() async {
        await queue.run({ [self] key in try await process(key) }, onError: { [self] key, error in
            context.logger.warning("garbage collecting \(key) failed: \(error)")
        })
    }

    // MARK: Graph maintenance

    private func ref(_ storage: String, _ obj: JSON) -> GCOwnerGraph.Ref {
        GCOwnerGraph.Ref(resource: storage, namespace: obj.namespace ?? "", name: obj.name ?? "")
    }

    static func isDeletingWith(_ obj: JSON, _ finalizer: String) -> Bool {
        Ownership.isDeleting(obj) && ClusterObjects.finalizers(obj).contains(finalizer)
    }

    private func changed(_ storage: String, _ old: JSON?, _ new: JSON?) {
        guard let obj = new ?? old else { return }
        let r = ref(storage, obj)
        guard let new else {
            // Its dependents may now be orphans, and owners waiting on it may be free to go.
            let (owners, dependents) = graph.withLock { g in (g.remove(r, uid: obj.uid), obj.uid.map { g.dependents(of: $0) } ?? []) }
            for d in dependents { queue.add(d.key) }
            enqueueOwners(owners)
            return
        }
        let before = graph.withLock { $0.upsert(r, new) }
        let after = GCOwnerGraph.ownerUIDs(new)
        let ownersChanged = old == nil || before != after
        let startedDeleting = Ownership.isDeleting(new) && (old.map { !Ownership.isDeleting($0) } ?? true)
        let finalizersChanged = old.map { ClusterObjects.finalizers($0) != ClusterObjects.finalizers(new) } ?? true
        if (!after.isEmpty && ownersChanged) || startedDeleting
            || (Ownership.isDeleting(new) && finalizersChanged) {
            queue.add(r.key)
        }
        if ownersChanged || startedDeleting { enqueueOwners(before.union(after)) }
    }

    /// Owners in foreground deletion wait for their dependents: tell them something changed.
    private func enqueueOwners(_ uids: Set<String>) {
        for uid in uids {
            guard let owner = graph.withLock({ $0.byUID[uid] }),
                  let obj = informers[owner.resource]?.get(owner.namespace, owner.name),
                  Self.isDeletingWith(obj, Self.foregroundFinalizer) else { continue }
            queue.add(owner.key)
        }
    }

    // MARK: Processing

    func process(_ key: String) async throws {
        guard let r = GCOwnerGraph.Ref(key: key), let resource = resources[r.resource],
              let obj = informers[r.resource]?.get(r.namespace, r.name) else { return }
        if Ownership.isDeleting(obj) {
            if ClusterObjects.finalizers(obj).contains(Self.orphanFinalizer) {
                try await orphanDependents(obj)
                try await removeFinalizer(Self.orphanFinalizer, from: obj, resource)
            } else if ClusterObjects.finalizers(obj).contains(Self.foregroundFinalizer) {
                try await deleteDependentsFirst(obj, resource)
            }
            // An object already being deleted otherwise is left to its deletion.
            return
        }
        guard !obj["metadata"]["ownerReferences"].elements.isEmpty else { return }
        try await attemptToDelete(obj, resource)
    }

    enum OwnerState { case solid, dangling, waitingForDependents }

    /// Where an owner reference leads: an existing owner, one being deleted in the foreground, or nothing.
    func ownerState(_ ownerRef: JSON, of dependent: JSON) async throws -> OwnerState {
        guard let apiVersion = ownerRef["apiVersion"].string, let kind = ownerRef["kind"].string,
              let uid = ownerRef["uid"].string, let name = ownerRef["name"].string,
              let ownerType = ResourceRegistry.lookup(apiVersion: apiVersion, kind: kind) else {
            // A kind this server does not serve cannot be checked: leave the dependent alone.
            return .solid
        }
        // A cluster-scoped dependent cannot be owned by a namespaced object; such a reference is
        // unresolvable, and Kubernetes never collects the dependent for it.
        if ownerType.namespaced && dependent.namespace == nil { return .solid }
        let namespace = ownerType.namespaced ? dependent.namespace : nil
        var owner: JSON? = informers[ownerType.storageName]?.get(namespace ?? "", name)
        if owner?.uid != uid {
            // The informer may lag behind: only the API can say the owner is really gone.
            do {
                owner = try await context.client.get(ownerType, namespace: namespace, name: name)
            } catch let error as ClientError where error.isNotFound {
                return .dangling
            }
        }
        guard let owner, owner.uid == uid else { return .dangling }
        return Self.isDeletingWith(owner, Self.foregroundFinalizer) ? .waitingForDependents : .solid
    }

    private func attemptToDelete(_ obj: JSON, _ resource: ResourceType) async throws {
        var solid = 0
        var gone: Set<String> = []
        var waiting = 0
        for ownerRef in obj["metadata"]["ownerReferences"].elements {
            switch try await ownerState(ownerRef, of: obj) {
            case .solid: solid += 1
            case .dangling: gone.insert(ownerRef["uid"].string ?? "")
            case .waitingForDependents:
                waiting += 1
                gone.insert(ownerRef["uid"].string ?? "")
            }
        }
        if solid > 0 {
            // Another owner still holds it: only drop the references to owners that are gone or leaving.
            guard !gone.isEmpty else { return }
            try await removeOwnerReferences(gone, from: obj, resource)
            return
        }
        let hasDependents = obj.uid.map { uid in !graph.withLock { $0.dependents(of: uid) }.isEmpty } ?? false
        let policy: String
        if waiting > 0 && hasDependents {
            // Its owner waits for it, so its own dependents must go before it does.
            policy = "Foreground"
        } else if ClusterObjects.finalizers(obj).contains(Self.orphanFinalizer) {
            policy = "Orphan"
        } else if ClusterObjects.finalizers(obj).contains(Self.foregroundFinalizer) {
            policy = "Foreground"
        } else {
            policy = "Background"
        }
        context.logger.debug("deleting \(resource.plural) \(Informer.key(obj)) with propagation \(policy): its owners are gone")
        try await deleteObject(obj, resource, policy: policy)
    }

    private func deleteObject(_ obj: JSON, _ resource: ResourceType, policy: String) async throws {
        var options: JSON = ["propagationPolicy": .string(policy)]
        if let uid = obj.uid { options["preconditions"] = ["uid": .string(uid)] }
        do {
            try await context.client.delete(resource, namespace: obj.namespace, name: obj.name ?? "", options: options)
        } catch let error as ClientError where error.isNotFound || error.code == 409 {
            // Gone already, or replaced by a new object of the same name that is not ours to delete.
        }
    }

    /// Foreground deletion: every dependent goes; the owner's finalizer is removed once no dependent that
    /// blocks owner deletion is left.
    private func deleteDependentsFirst(_ owner: JSON, _ resource: ResourceType) async throws {
        guard let uid = owner.uid else { return }
        var blocking = 0
        for d in graph.withLock({ $0.dependents(of: uid) }) {
            guard let dep = informers[d.resource]?.get(d.namespace, d.name) else { continue }
            let refs = dep["metadata"]["ownerReferences"].elements.filter { $0["uid"].string == uid }
            guard !refs.isEmpty else { continue }
            if refs.contains(where: { $0["blockOwnerDeletion"].bool == true }) { blocking += 1 }
            if !Ownership.isDeleting(dep) || Self.isDeletingWith(dep, Self.foregroundFinalizer) { queue.add(d.key) }
        }
        if blocking == 0 {
            try await removeFinalizer(Self.foregroundFinalizer, from: owner, resource)
        }
    }

    /// Orphan deletion: the dependents stay, without their reference to the owner.
    private func orphanDependents(_ owner: JSON) async throws {
        guard let uid = owner.uid else { return }
        for d in graph.withLock({ $0.dependents(of: uid) }) {
            guard let depType = resources[d.resource], let dep = informers[d.resource]?.get(d.namespace, d.name) else { continue }
            try await removeOwnerReferences([uid], from: dep, depType)
        }
    }

    private func removeOwnerReferences(_ uids: Set<String>, from obj: JSON, _ resource: ResourceType) async throws {
        let remaining = obj["metadata"]["ownerReferences"].elements.filter { !uids.contains($0["uid"].string ?? "") }
        let patch: JSON = ["metadata": ["ownerReferences": remaining.isEmpty ? .null : .array(remaining)]]
        do {
            _ = try await context.client.patch(resource, namespace: obj.namespace, name: obj.name ?? "", type: .merge,
                                               patch: patch, subresource: nil, fieldManager: Self.component)
        } catch let error as ClientError where error.isNotFound {
        }
    }

    /// Removes one finalizer with a read-modify-write on the latest object, retrying on conflicts.
    private func removeFinalizer(_ finalizer: String, from obj: JSON, _ resource: ResourceType) async throws {
        var current = obj
        for attempt in 0..<5 {
            if attempt > 0 {
                do {
                    current = try await context.client.get(resource, namespace: obj.namespace, name: obj.name ?? "")
                } catch let error as ClientError where error.isNotFound {
                    return
                }
            }
            guard current.uid == obj.uid else { return }
            let finalizers = ClusterObjects.finalizers(current)
            guard finalizers.contains(finalizer) else { return }
            var updated = current
            let kept = finalizers.filter { $0 != finalizer }
            updated["metadata"]["finalizers"] = kept.isEmpty ? .null : .array(kept.map { .string($0) })
            do {
                _ = try await context.client.update(resource, updated, subresource: nil, fieldManager: Self.component)
                return
            } catch let error as ClientError where error.isConflict {
                continue
            } catch let error as ClientError where error.isNotFound {
                return
            }
        }
        throw ClientError(code: 409, reason: "Conflict",
                          message: "removing finalizer \(finalizer) from \(resource.plural) \(Informer.key(obj)): too many conflicts")
    }
}
