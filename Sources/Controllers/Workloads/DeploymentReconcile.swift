import Foundation
import KubeAPI
import KubeClient

/// One sync of one Deployment (Kubernetes' syncDeployment and the functions it calls). It holds
/// the Deployment as this sync sees and changes it; the ReplicaSets come from the informer cache.
final class DeploymentReconcile {
    let controller: DeploymentController
    let key: String
    /// The Deployment being synced, with the changes this sync made (annotations, status).
    var d: JSON
    /// The annotations as last written, to tell whether `d`'s need writing.
    var storedAnnotations: [String: String]

    init(controller: DeploymentController, key: String, deployment: JSON) {
        self.controller = controller
        self.key = key
        self.d = deployment
        self.storedAnnotations = deployment.annotations
    }

    var client: any KubeClient { controller.context.client }
    var spec: DeploymentSpecView { DeploymentSpecView(d) }
    var now: Date { controller.context.now() }
    var component: String { DeploymentController.component }
    var name: String { d.name ?? "" }
    var namespace: String { d.namespace ?? "" }

    func event(_ type: EventRecorder.Kind, _ reason: String, _ message: String) async {
        await controller.context.events.record(d, type, reason: reason, message: message, component: component)
    }

    // MARK: The sync

    func syncDeployment() async throws {
        if Self.selectsEverything(d["spec"]["selector"]) {
            await event(.warning, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.")
            if (d["status"]["observedGeneration"].int ?? 0) < WorkloadFields.generation(d) {
                d["status"]["observedGeneration"] = .int(WorkloadFields.generation(d))
                try await writeStatus()
            }
            return
        }
        let rsList = try await claimReplicaSets()
        let podMap = podsByReplicaSet(rsList)
        if Ownership.isDeleting(d) {
            return try await syncStatusOnly(rsList)
        }
        try await checkPausedConditions()
        if spec.paused {
            return try await syncScaling(rsList)
        }
        if rollbackTo != nil {
            return try await rollback(rsList)
        }
        if try await isScalingEvent(rsList) {
            return try await syncScaling(rsList)
        }
        switch spec.strategyType {
        case "Recreate": try await rolloutRecreate(rsList, podMap: podMap)
        case "RollingUpdate": try await rolloutRolling(rsList)
        default: throw WorkloadError("unexpected deployment strategy type: \(spec.strategyType)")
        }
    }

    /// `selector: {}`: Kubernetes refuses to act on a Deployment that would select every pod.
    static func selectsEverything(_ selector: JSON) -> Bool {
        guard let members = selector.object else { return false }
        return selector["matchLabels"].members.isEmpty && selector["matchExpressions"].elements.isEmpty
            && members.keys.allSatisfy { $0 == "matchLabels" || $0 == "matchExpressions" }
    }

    /// The ReplicaSets this Deployment owns after adopting matching orphans and releasing
    /// owned ones that no longer match.
    func claimReplicaSets() async throws -> [JSON] {
        let selector = try LabelSelector(selectorObject: d["spec"]["selector"])
        let all = controller.replicaSets.list(namespace: namespace).map { WorkloadFields.typed($0, .replicaSets) }
            .sorted(by: olderFirst)
        let claims = ControllerRefClaims(client: client, resource: .replicaSets, owner: d, ownerResource: .deployments,
                                         selector: selector, fieldManager: component)
        return try await claims.claim(all).map { WorkloadFields.typed($0, .replicaSets) }
    }

    /// The Deployment's pods grouped by the UID of the ReplicaSet controlling them.
    func podsByReplicaSet(_ rsList: [JSON]) -> [String: [JSON]] {
        var map: [String: [JSON]] = [:]
        for rs in rsList { map[rs.uid ?? ""] = [] }
        guard let selector = try? LabelSelector(selectorObject: d["spec"]["selector"]) else { return map }
        for pod in controller.pods.list(namespace: namespace) where selector.matches(pod.labels) {
            guard let owner = Ownership.controllerRef(pod)?["uid"].string, map[owner] != nil else { continue }
            map[owner, default: []].append(pod)
        }
        return map
    }

    // MARK: New and old ReplicaSets

    /// The oldest ReplicaSet whose template equals the Deployment's (ignoring the hash label).
    func findNewReplicaSet(_ rsList: [JSON]) -> JSON? {
        let sorted = rsList.sorted(by: olderFirst)
        return sorted.first { PodTemplates.equalIgnoringHash($0["spec"]["template"], d["spec"]["template"]) }
            ?? sorted.first(where: carriesCurrentHash)
    }

    /// The Deployment's pod-template-hash for its current template.
    var currentHash: String {
        PodTemplateHash.compute(d["spec"]["template"], collisionCount: d["status"]["collisionCount"].int)
    }

    /// A ReplicaSet this Deployment made from its current template, recognised by name and hash
    /// label. Kubernetes relies on template equality alone; this second test keeps a server that
    /// defaults ReplicaSet templates differently from Deployment templates from making the
    /// controller create ReplicaSets over and over.
    func carriesCurrentHash(_ rs: JSON) -> Bool {
        let hash = currentHash
        return Ownership.controllerRef(rs)?["uid"].string == d.uid && rs.name == "\(name)-\(hash)"
            && rs["spec"]["template"]["metadata"]["labels"][PodTemplateHash.labelKey].string == hash
    }

    /// The new ReplicaSet (created when `create` and missing) and all the others; the revision
    /// annotations of the new ReplicaSet and of the Deployment are brought up to date on the way.
    func replicaSetsSyncingRevision(_ rsList: [JSON], create: Bool) async throws -> (newRS: JSON?, oldRSs: [JSON]) {
        let existing = findNewReplicaSet(rsList)
        let old = rsList.filter { $0.uid != existing?.uid }
        let newRS = try await newReplicaSet(rsList, oldRSs: old, existing: existing, create: create)
        return (newRS, old)
    }

    func newReplicaSet(_ rsList: [JSON], oldRSs: [JSON], existing: JSON?, create: Bool) async throws -> JSON? {
        let newRevision = String(DeploymentAnnotations.maxRevision(oldRSs) + 1)
        let spec = self.spec

        if var rs = existing {
            let annotationsChanged = DeploymentAnnotations.setNewReplicaSetAnnotations(d, &rs, newRevision: newRevision,
                                                                                      exists: true, spec: spec)
            if annotationsChanged || WorkloadFields.minReadySeconds(rs) != spec.minReadySeconds {
                rs["spec"]["minReadySeconds"] = WorkloadFields.omitEmpty(spec.minReadySeconds)
                return WorkloadFields.typed(try await client.update(.replicaSets, rs, subresource: nil, fieldManager: component),
                                            .replicaSets)
            }
            var needsUpdate = DeploymentAnnotations.setDeploymentRevision(&d, rs.annotations[DeploymentAnnotations.revision] ?? "")
            if spec.hasProgressDeadline && DeploymentConditions.get(d["status"], DeploymentConditions.progressing) == nil {
                DeploymentConditions.set(&d["status"], DeploymentConditions.make(
                    DeploymentConditions.progressing, "True", reason: DeploymentConditions.foundNewReplicaSet,
                    message: "Found new replica set \"\(rs.name ?? "")\"", now: now))
                needsUpdate = true
            }
            if needsUpdate { try await writeStatus() }
            return rs
        }
        guard create else { return nil }

        let template = d["spec"]["template"]
        let hash = currentHash
        var rsTemplate = template
        rsTemplate["metadata"]["labels"][PodTemplateHash.labelKey] = .string(hash)
        var selector = d["spec"]["selector"]
        selector["matchLabels"][PodTemplateHash.labelKey] = .string(hash)
        let rsName = "\(name)-\(hash)"
        var rs: JSON = ["apiVersion": "apps/v1", "kind": "ReplicaSet"]
        rs["metadata"] = ["name": .string(rsName), "namespace": .string(namespace),
                          "ownerReferences": [Ownership.reference(to: d)], "labels": rsTemplate["metadata"]["labels"]]
        rs["spec"] = ["replicas": 0, "selector": selector, "template": rsTemplate]
        rs["spec"]["minReadySeconds"] = WorkloadFields.omitEmpty(spec.minReadySeconds)
        let replicas = DeploymentRollout.newReplicaSetReplicas(spec, allRSs: oldRSs + [rs], newRS: rs)
        rs["spec"]["replicas"] = .int(Int64(replicas))
        _ = DeploymentAnnotations.setNewReplicaSetAnnotations(d, &rs, newRevision: newRevision, exists: false, spec: spec)

        var created: JSON
        var alreadyExisted = false
        do {
            created = try await client.create(.replicaSets, rs, fieldManager: component)
        } catch where WorkloadFields.isAlreadyExists(error) {
            // A slow cache, or a hash collision with a ReplicaSet that is not ours.
            guard let found = controller.replicaSets.get(namespace, rsName) else { throw error }
            if Ownership.controllerRef(found)?["uid"].string == d.uid,
               PodTemplates.equalIgnoringHash(template, found["spec"]["template"]) || carriesCurrentHash(found) {
                created = found
                alreadyExisted = true
            } else {
                d["status"]["collisionCount"] = .int((d["status"]["collisionCount"].int ?? 0) + 1)
                try? await writeStatus()
                throw error
            }
        } catch {
            if (error as? ClientError)?.message.contains("because it is being terminated") == true { throw error }
            let message = "Failed to create new replica set \"\(rsName)\": \(WorkloadFields.errorText(error))"
            if spec.hasProgressDeadline {
                DeploymentConditions.set(&d["status"], DeploymentConditions.make(
                    DeploymentConditions.progressing, "False", reason: DeploymentConditions.replicaSetCreateError,
                    message: message, now: now))
                try? await writeStatus()
            }
            await event(.warning, DeploymentConditions.replicaSetCreateError, message)
            throw error
        }
        created = WorkloadFields.typed(created, .replicaSets)
        if !alreadyExisted && replicas > 0 {
            await event(.normal, "ScalingReplicaSet", "Scaled up replica set \(created.name ?? "") from 0 to \(replicas)")
        }
        var needsUpdate = DeploymentAnnotations.setDeploymentRevision(&d, newRevision)
        if !alreadyExisted && spec.hasProgressDeadline {
            DeploymentConditions.set(&d["status"], DeploymentConditions.make(
                DeploymentConditions.progressing, "True", reason: DeploymentConditions.newReplicaSetCreated,
                message: "Created new replica set \"\(created.name ?? "")\"", now: now))
            needsUpdate = true
        }
        if needsUpdate { try await writeStatus() }
        return created
    }

    // MARK: Writing the Deployment

    /// Writes `d`'s status (PUT status, resourceVersion as precondition). Annotation changes
    /// (the revision) are first merged into the object itself: Kubernetes carries them in the
    /// same status PUT, which a server is not obliged to honour for annotations.
    func writeStatus() async throws {
        try await writeAnnotationsIfChanged()
        let stored = try await client.update(.deployments, d, subresource: "status", fieldManager: component)
        d["metadata"]["resourceVersion"] = stored["metadata"]["resourceVersion"]
    }

    func writeAnnotationsIfChanged() async throws {
        let current = d.annotations
        guard current != storedAnnotations else { return }
        var changes: [String: JSON] = [:]
        for (k, v) in current where storedAnnotations[k] != v { changes[k] = .string(v) }
        for k in storedAnnotations.keys where current[k] == nil { changes[k] = .null }
        // A JSON merge patch: `null` removes an annotation.
        let patch: JSON = ["metadata": ["annotations": .object(changes)]]
        let stored = try await client.patch(.deployments, namespace: d.namespace, name: name, type: .merge, patch: patch,
                                            subresource: nil, fieldManager: component)
        d["metadata"]["resourceVersion"] = stored["metadata"]["resourceVersion"]
        storedAnnotations = current
    }

    /// PUT of the whole Deployment (spec and metadata), as the rollback does.
    func writeDeployment() async throws {
        let stored = try await client.update(.deployments, d, subresource: nil, fieldManager: component)
        d["metadata"]["resourceVersion"] = stored["metadata"]["resourceVersion"]
        storedAnnotations = stored.annotations
    }

    // MARK: Pausing and scaling

    /// Marks the Progressing condition while paused (and when resumed), so time spent paused
    /// does not count against the progress deadline.
    func checkPausedConditions() async throws {
        guard spec.hasProgressDeadline else { return }
        let cond = DeploymentConditions.get(d["status"], DeploymentConditions.progressing)
        if cond?["reason"].string == DeploymentConditions.progressDeadlineExceeded { return }
        let pausedRecorded = cond?["reason"].string == DeploymentConditions.deploymentPaused
        if spec.paused && !pausedRecorded {
            DeploymentConditions.set(&d["status"], DeploymentConditions.make(
                DeploymentConditions.progressing, "Unknown", reason: DeploymentConditions.deploymentPaused,
                message: "Deployment is paused", now: now))
        } else if !spec.paused && pausedRecorded {
            DeploymentConditions.set(&d["status"], DeploymentConditions.make(
                DeploymentConditions.progressing, "Unknown", reason: DeploymentConditions.deploymentResumed,
                message: "Deployment is resumed", now: now))
        } else {
            return
        }
        try await writeStatus()
    }

    /// True when an active ReplicaSet was sized for a different replica count than the
    /// Deployment now asks for: a scale, not a template change.
    func isScalingEvent(_ rsList: [JSON]) async throws -> Bool {
        let (newRS, oldRSs) = try await replicaSetsSyncingRevision(rsList, create: false)
        let all = oldRSs + (newRS.map { [$0] } ?? [])
        for rs in ReplicaSetSums.active(all) {
            guard let desired = DeploymentAnnotations.desiredReplicas(of: rs) else { continue }
            if desired != spec.replicas { return true }
        }
        return false
    }

    /// Scaling (and paused Deployments): resize ReplicaSets without starting a rollout.
    func syncScaling(_ rsList: [JSON]) async throws {
        let (newRS, oldRSs) = try await replicaSetsSyncingRevision(rsList, create: false)
        try await scale(newRS: newRS, oldRSs: oldRSs)
        if spec.paused && rollbackTo == nil {
            try await cleanupDeployment(oldRSs)
        }
        try await syncDeploymentStatus(oldRSs + (newRS.map { [$0] } ?? []), newRS: newRS)
    }

    func syncStatusOnly(_ rsList: [JSON]) async throws {
        let (newRS, oldRSs) = try await replicaSetsSyncingRevision(rsList, create: false)
        try await syncDeploymentStatus(oldRSs + (newRS.map { [$0] } ?? []), newRS: newRS)
    }

    /// Resizes `rs` to `newScale` (and refreshes its replica annotations); records a
    /// ScalingReplicaSet event when the size changed. Returns whether it scaled, and the RS.
    func scaleReplicaSet(_ rs: JSON, to newScale: Int, operation: String) async throws -> (Bool, JSON) {
        let oldScale = WorkloadFields.specReplicas(rs)
        let spec = self.spec
        let sizeChanges = oldScale != newScale
        let annotationsChange = DeploymentAnnotations.replicasAnnotationsNeedUpdate(
            rs, desired: spec.replicas, max: spec.replicas + spec.maxSurge)
        guard sizeChanges || annotationsChange else { return (false, rs) }
        var next = rs
        next["spec"]["replicas"] = .int(Int64(newScale))
        _ = DeploymentAnnotations.setReplicasAnnotations(&next, desired: spec.replicas, max: spec.replicas + spec.maxSurge)
        let stored = WorkloadFields.typed(try await client.update(.replicaSets, next, subresource: nil, fieldManager: component),
                                          .replicaSets)
        guard sizeChanges else { return (false, stored) }
        await event(.normal, "ScalingReplicaSet", "Scaled \(operation) replica set \(rs.name ?? "") from \(oldScale) to \(newScale)")
        return (true, stored)
    }

    func scaleAndRecord(_ rs: JSON, to newScale: Int) async throws -> (Bool, JSON) {
        let current = WorkloadFields.specReplicas(rs)
        if current == newScale { return (false, rs) }
        return try await scaleReplicaSet(rs, to: newScale, operation: current < newScale ? "up" : "down")
    }

    /// Scaling while a rollout may be under way: one active ReplicaSet takes the full count; a
    /// saturated new ReplicaSet takes over from the old ones; otherwise the change is spread
    /// over the active ReplicaSets in proportion to their sizes.
    func scale(newRS: JSON?, oldRSs: [JSON]) async throws {
        let spec = self.spec
        if let target = DeploymentRollout.activeOrLatest(newRS: newRS, oldRSs: oldRSs) {
            if WorkloadFields.specReplicas(target) == spec.replicas { return }
            _ = try await scaleAndRecord(target, to: spec.replicas)
            return
        }
        if let newRS, DeploymentRollout.isSaturated(spec, newRS) {
            for old in ReplicaSetSums.active(oldRSs) { _ = try await scaleAndRecord(old, to: 0) }
            return
        }
        guard spec.isRollingUpdate else { return }
        var active = ReplicaSetSums.active(oldRSs + (newRS.map { [$0] } ?? []))
        let current = ReplicaSetSums.specReplicas(active)
        let allowed = spec.replicas > 0 ? spec.replicas + spec.maxSurge : 0
        let toAdd = allowed - current
        var operation = ""
        if toAdd > 0 {
            active.sort(by: ReplicaSetSums.bySizeNewer)
            operation = "up"
        } else if toAdd < 0 {
            active.sort(by: ReplicaSetSums.bySizeOlder)
            operation = "down"
        }
        var added = 0
        var sizes: [Int] = []
        for rs in active {
            if toAdd != 0 {
                let share = DeploymentRollout.proportion(rs, spec: spec, deployment: d, toAdd: toAdd, added: added)
                sizes.append(WorkloadFields.specReplicas(rs) + share)
                added += share
            } else {
                sizes.append(WorkloadFields.specReplicas(rs))
            }
        }
        for (i, rs) in active.enumerated() {
            if i == 0 && toAdd != 0 {
                // Rounding leftovers go to the largest ReplicaSet.
                sizes[0] = max(0, sizes[0] + toAdd - added)
            }
            _ = try await scaleReplicaSet(rs, to: sizes[i], operation: operation)
        }
    }

    /// Deletes the oldest ReplicaSets beyond revisionHistoryLimit, if they are fully scaled down.
    func cleanupDeployment(_ oldRSs: [JSON]) async throws {
        guard let limit = spec.revisionHistoryLimit else { return }
        let alive = oldRSs.filter { !Ownership.isDeleting($0) }
        let excess = alive.count - limit
        guard excess > 0 else { return }
        for rs in alive.sorted(by: DeploymentAnnotations.byRevision).prefix(excess) {
            if WorkloadFields.statusCount(rs, "replicas") != 0 || WorkloadFields.specReplicas(rs) != 0
                || WorkloadFields.generation(rs) > (rs["status"]["observedGeneration"].int ?? 0) || Ownership.isDeleting(rs) {
                continue
            }
            do {
                try await client.delete(.replicaSets, namespace: rs.namespace, name: rs.name ?? "",
                                        options: ["propagationPolicy": "Background"])
            } catch where WorkloadFields.isNotFound(error) {}
        }
    }
}
