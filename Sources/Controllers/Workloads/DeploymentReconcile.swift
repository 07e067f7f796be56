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
            .sorted(by: workloadOlderFirst)
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
        let sorted = rsList.sorted(by: workloadOlderFirst)
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
}
