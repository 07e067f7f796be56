import KubeAPI
import KubeClient

/// Adoption and release of dependents by selector, as Kubernetes' ControllerRefManager does for a
/// ReplicaSet's pods and a Deployment's ReplicaSets:
/// - owned by us and matching: kept;
/// - owned by us but no longer matching: released (our ownerReference removed), unless we are
///   being deleted;
/// - orphaned, matching, same namespace, not being deleted: adopted (a controller reference
///   added), after checking once against the API that we ourselves are not being deleted;
/// - owned by another controller: ignored.
struct ControllerRefClaims {
    let client: any KubeClient
    /// The dependents' resource (pods or replicasets).
    let resource: ResourceType
    /// The owner, with apiVersion and kind set.
    let owner: JSON
    let ownerResource: ResourceType
    let selector: LabelSelector
    let fieldManager: String

    /// The dependents that are ours after claiming. Every object is tried; the first error is
    /// thrown afterwards so the owner is synced again.
    func claim(_ objects: [JSON]) async throws -> [JSON] {
        var claimed: [JSON] = []
        var firstError: Error?
        var adoptionChecked: Result<Void, Error>?
        let ownerUID = owner.uid ?? ""
        let ownerDeleting = Ownership.isDeleting(owner)
        for obj in objects {
            let matches = selector.matches(obj.labels)
            if let ref = Ownership.controllerRef(obj) {
                guard ref["uid"].string == ownerUID else { continue }
                if matches { claimed.append(obj); continue }
                if ownerDeleting { continue }
                do { try await release(obj) } catch {
                    if !WorkloadFields.isNotFound(error) && !WorkloadFields.isInvalid(error) { firstError = firstError ?? error }
                }
                continue
            }
            guard !ownerDeleting, matches, !Ownership.isDeleting(obj) else { continue }
            if let ns = owner.namespace, !ns.isEmpty, ns != obj.namespace { continue }
            if adoptionChecked == nil {
                do { try await recheckOwner(); adoptionChecked = .success(()) } catch { adoptionChecked = .failure(error) }
            }
            if case .failure(let e) = adoptionChecked { firstError = firstError ?? e; continue }
            do {
                claimed.append(try await adopt(obj))
            } catch {
                if !WorkloadFields.isNotFound(error) { firstError = firstError ?? error }
            }
        }
        if let firstError { throw firstError }
        return claimed
    }

    /// An uncached read of the owner before the first adoption: adopting for an owner that is
    /// already gone or going would leave dependents to a dying controller.
    private func recheckOwner() async throws {
        let fresh = try await client.get(ownerResource, namespace: owner.namespace, name: owner.name ?? "")
        if fresh.uid != owner.uid {
            throw WorkloadError(message: "original \(owner.kind ?? "") \(owner.namespace ?? "")/\(owner.name ?? "") is gone: got uid \(fresh.uid ?? ""), wanted \(owner.uid ?? "")")
        }
        if Ownership.isDeleting(fresh) {
            throw WorkloadError(message: "\(owner.namespace ?? "")/\(owner.name ?? "") has just been deleted at \(fresh["metadata"]["deletionTimestamp"].string ?? "")")
        }
    }

    private func adopt(_ obj: JSON) async throws -> JSON {
        let patch: JSON = ["metadata": ["ownerReferences": [Ownership.reference(to: owner)], "uid": .string(obj.uid ?? "")]]
        return try await client.patch(resource, namespace: obj.namespace, name: obj.name ?? "", type: .strategic,
                                      patch: patch, subresource: nil, fieldManager: fieldManager)
    }

    private func release(_ obj: JSON) async throws {
        let patch: JSON = ["metadata": ["ownerReferences": [["$patch": "delete", "uid": .string(owner.uid ?? "")]],
                                        "uid": .string(obj.uid ?? "")]]
        _ = try await client.patch(resource, namespace: obj.namespace, name: obj.name ?? "", type: .strategic,
                                   patch: patch, subresource: nil, fieldManager: fieldManager)
    }
}
