import Foundation
import KubeAPI
import KubeClient

extension ReplicaSetController {
    /// One reconciliation of the ReplicaSet `key` ("namespace/name").
    func sync(_ key: String) async throws {
        let (namespace, name) = WorkloadFields.split(key)
        guard let cached = replicaSets.get(namespace, name) else {
            expectations.forget(key)
            return
        }
        let rs = WorkloadFields.typed(cached, .replicaSets)
        let needsSync = expectations.satisfied(key)
        let selector: LabelSelector
        do {
            selector = try LabelSelector(selectorObject: rs["spec"]["selector"])
        } catch {
            context.logger.error("\(Self.component): error converting pod selector to selector for rs \(key): \(error)")
            return
        }
        // Every active pod of the namespace: owned pods that stopped matching must be released.
        let active = pods.list(namespace: namespace).filter(WorkloadPodState.isActive).sorted(by: workloadOlderFirst)
        let claims = ControllerRefClaims(client: context.client, resource: .pods, owner: rs, ownerResource: .replicaSets,
                                         selector: selector, fieldManager: Self.component)
        let owned = try await claims.claim(active)

        var manageError: Error?
        if needsSync && !Ownership.isDeleting(rs) {
            do { try await manageReplicas(owned, rs, key: key) } catch { manageError = error }
        }
        let now = context.now()
        let status = ReplicaSetStatus.calculate(rs, pods: owned, manageError: manageError, now: now)
        let updated = try await writeStatus(rs, status)

        let desired = WorkloadFields.specReplicas(updated), minReady = WorkloadFields.minReadySeconds(updated)
        if manageError == nil && minReady > 0 && WorkloadFields.statusCount(updated, "readyReplicas") == desired
            && WorkloadFields.statusCount(updated, "availableReplicas") != desired {
            queue.add(key, after: Double(minReady))
        }
        if let manageError { throw manageError }
    }

    /// Creates or deletes pods so that `active` reaches spec.replicas.
    func manageReplicas(_ active: [JSON], _ rs: JSON, key: String) async throws {
        let diff = active.count - WorkloadFields.specReplicas(rs)
        if diff < 0 {
            let count = min(-diff, burstReplicas)
            expectations.expectCreations(key, count)
            let (created, error) = await Self.slowStartBatch(count, initialBatchSize: 1) {
                try await self.createPod(for: rs)
            }
            // Pods never attempted (or failed) will not show up in the informer: stop waiting for them.
            for _ in 0..<(count - created) { expectations.creationObserved(key) }
            if let error { throw error }
        } else if diff > 0 {
            let count = min(diff, burstReplicas)
            let victims = Self.podsToDelete(active, related: relatedPods(rs), count: count, now: context.now())
            expectations.expectDeletions(key, podKeys: victims.map(WorkloadPodState.key))
            let errors = await withTaskGroup(of: Error?.self) { group -> [Error] in
                for pod in victims {
                    group.addTask {
                        do {
                            try await self.deletePod(pod, of: rs)
                            return nil
                        } catch {
                            self.expectations.deletionObserved(key, podKey: WorkloadPodState.key(pod))
                            return WorkloadFields.isNotFound(error) ? nil : error
                        }
                    }
                }
                var out: [Error] = []
                for await e in group { if let e { out.append(e) } }
                return out
            }
            if let first = errors.first { throw first }
        }
    }

    /// Runs `count` calls in batches of 1, 2, 4, … (each batch concurrently), stopping after the
    /// first batch with a failure, so a systematic error (quota, admission) costs few requests.
    /// Returns how many calls succeeded and the first error.
    static func slowStartBatch(_ count: Int, initialBatchSize: Int,
                               _ body: @escaping @Sendable () async throws -> Void) async -> (Int, Error?) {
        var remaining = count, successes = 0
        var batch = min(remaining, initialBatchSize)
        while batch > 0 {
            let size = batch
            let errors = await withTaskGroup(of: Error?.self) { group -> [Error] in
                for _ in 0..<size {
                    group.addTask {
                        do { try await body(); return nil } catch { return error }
                    }
                }
                var out: [Error] = []
                for await e in group { if let e { out.append(e) } }
                return out
            }
            successes += size - errors.count
            if let first = errors.first { return (successes, first) }
            remaining -= size
            batch = min(2 * size, remaining)
        }
        return (successes, nil)
    }

    /// The `count` pods to delete: all of them, or the first by deletion ranking.
    static func podsToDelete(_ pods: [JSON], related: [JSON], count: Int, now: Date) -> [JSON] {
        guard count < pods.count else { return Array(pods.prefix(count)) }
        let ranks = PodDeletionRanking.ranksByNode(pods, related: related)
        return Array(PodDeletionRanking.sorted(pods, ranks: ranks, now: now).prefix(count))
    }

    /// Pods of every ReplicaSet that shares this one's controller (e.g. all of a Deployment's
    /// ReplicaSets): deleting pods doubled up on a node first spreads what remains.
    func relatedPods(_ rs: JSON) -> [JSON] {
        guard let owner = Ownership.controllerRef(rs)?["uid"].string else { return [] }
        let namespace = rs.namespace ?? ""
        let siblings = replicaSets.list(namespace: namespace).filter { Ownership.controllerRef($0)?["uid"].string == owner }
        let all = pods.list(namespace: namespace)
        var seen = Set<String>()
        var out: [JSON] = []
        for sibling in siblings {
            guard let selector = try? LabelSelector(selectorObject: sibling["spec"]["selector"]) else { continue }
            for pod in all where selector.matches(pod.labels) && seen.insert(pod.uid ?? WorkloadPodState.key(pod)).inserted {
                out.append(pod)
            }
        }
        return out
    }

    /// A pod from the ReplicaSet's template: its labels, annotations and finalizers, a controller
    /// reference, and a generated name `<rs>-xxxxx`.
    static func podFromTemplate(_ rs: JSON) -> JSON {
        let template = rs["spec"]["template"]
        var meta: JSON = [:]
        if let ns = rs.namespace { meta["namespace"] = .string(ns) }
        for field in ["labels", "annotations"] where !template["metadata"][field].members.isEmpty {
            meta[field] = template["metadata"][field]
        }
        if !template["metadata"]["finalizers"].elements.isEmpty { meta["finalizers"] = template["metadata"]["finalizers"] }
        meta["generateName"] = .string(PodNames.prefix(forOwner: rs.name ?? ""))
        meta["ownerReferences"] = [Ownership.reference(to: rs)]
        var pod: JSON = ["apiVersion": "v1", "kind": "Pod"]
        pod["metadata"] = meta
        pod["spec"] = template["spec"].isNull ? .emptyObject : template["spec"]
        return pod
    }

    func createPod(for rs: JSON) async throws {
        var pod = Self.podFromTemplate(rs)
        if pod.labels.isEmpty { throw WorkloadError("unable to create pods, no labels") }
        let prefix = pod["metadata"]["generateName"].string ?? ""
        var attempt = 0
        while true {
            attempt += 1
            // The name is chosen here (as the server's generateName would) so a retry after a
            // name clash does not need a round trip to learn the name.
            pod["metadata"]["name"] = .string(PodNames.generate(prefix: prefix))
            do {
                let created = try await context.client.create(.pods, pod, fieldManager: Self.component)
                await context.events.record(rs, .normal, reason: "SuccessfulCreate",
                                            message: "Created pod: \(created.name ?? "")", component: Self.component)
                return
            } catch {
                if WorkloadFields.isAlreadyExists(error) && attempt < 8 { continue }
                // A terminating namespace refuses every create; that is not the ReplicaSet's failure.
                if WorkloadFields.errorText(error).contains("because it is being terminated") { return }
                await context.events.record(rs, .warning, reason: "FailedCreate",
                                            message: "Error creating: \(WorkloadFields.errorText(error))", component: Self.component)
                throw error
            }
        }
    }

    func deletePod(_ pod: JSON, of rs: JSON) async throws {
        let name = pod.name ?? ""
        do {
            try await context.client.delete(.pods, namespace: pod.namespace, name: name,
                                            options: ["propagationPolicy": "Background"])
        } catch {
            if WorkloadFields.isNotFound(error) { throw error }
            await context.events.record(rs, .warning, reason: "FailedDelete",
                                        message: "Error deleting: \(WorkloadFields.errorText(error))", component: Self.component)
            throw WorkloadError("unable to delete pods: \(WorkloadFields.errorText(error))")
        }
        await context.events.record(rs, .normal, reason: "SuccessfulDelete", message: "Deleted pod: \(name)", component: Self.component)
    }

    /// PUTs the status (with observedGeneration) unless nothing changed; one retry on a conflict
    /// against a fresh read. Returns the ReplicaSet as stored.
    func writeStatus(_ rs: JSON, _ status: JSON) async throws -> JSON {
        if ReplicaSetStatus.isCurrent(rs, status) { return rs }
        var newStatus = status
        newStatus["observedGeneration"] = WorkloadFields.omitEmpty(Int(WorkloadFields.generation(rs)))
        var next = rs
        next["status"] = newStatus
        do {
            return try await context.client.update(.replicaSets, next, subresource: "status", fieldManager: Self.component)
        } catch where WorkloadFields.isConflict(error) {
            var fresh = try await context.client.get(.replicaSets, namespace: rs.namespace, name: rs.name ?? "")
            fresh["status"] = newStatus
            return try await context.client.update(.replicaSets, fresh, subresource: "status", fieldManager: Self.component)
        }
    }
}
