import Foundation
import KubeAPI

/// The legacy server-side rollback: a `deprecated.deployment.rollback.to` annotation (what the
/// old extensions/v1beta1 `rollback` subresource stored) asks the controller to copy an earlier
/// ReplicaSet's template back into the Deployment. `kubectl rollout undo` (1.32) does not use
/// it: it patches the template itself, which is an ordinary template change here.
extension DeploymentReconcile {
    var rollbackTo: Int64? {
        guard let text = d.annotations[DeploymentAnnotations.rollbackTo], !text.isEmpty else { return nil }
        return Int64(text)
    }

    func rollback(_ rsList: [JSON]) async throws {
        let (newRS, oldRSs) = try await replicaSetsSyncingRevision(rsList, create: true)
        let allRSs = oldRSs + (newRS.map { [$0] } ?? [])
        var revision = rollbackTo ?? 0
        if revision == 0 {
            revision = DeploymentAnnotations.lastRevision(allRSs)
            if revision == 0 {
                await event(.warning, "DeploymentRollbackRevisionNotFound", "Unable to find last revision.")
                return try await clearRollbackTo()
            }
        }
        for rs in allRSs where DeploymentAnnotations.revision(of: rs) == revision {
            if try await rollbackToTemplate(of: rs) {
                await event(.normal, "DeploymentRollback", "Rolled back deployment \"\(name)\" to revision \(revision)")
            }
            return
        }
        await event(.warning, "DeploymentRollbackRevisionNotFound", "Unable to find the revision to rollback to.")
        try await clearRollbackTo()
    }

    /// Copies the ReplicaSet's template (without the hash label) and annotations into the
    /// Deployment; true if the template changed.
    func rollbackToTemplate(of rs: JSON) async throws -> Bool {
        var performed = false
        if !PodTemplates.equalIgnoringHash(d["spec"]["template"], rs["spec"]["template"]) {
            d["spec"]["template"] = PodTemplates.withoutHash(rs["spec"]["template"])
            if d["spec"]["template"]["metadata"]["labels"].members.isEmpty {
                d["spec"]["template"]["metadata"]["labels"] = .null
            }
            DeploymentAnnotations.setDeploymentAnnotations(&d, from: rs)
            performed = true
        } else {
            await event(.warning, "DeploymentRollbackTemplateUnchanged",
                        "The rollback revision contains the same template as current deployment \"\(name)\"")
        }
        try await clearRollbackTo()
        return performed
    }

    func clearRollbackTo() async throws {
        d["metadata"]["annotations"][DeploymentAnnotations.rollbackTo] = .null
        try await writeDeployment()
    }
}
