import KubeAPI

/// The annotations through which a Deployment and its ReplicaSets record revisions and sizes.
enum DeploymentAnnotations {
    static let revision = "deployment.kubernetes.io/revision"
    static let revisionHistory = "deployment.kubernetes.io/revision-history"
    static let desiredReplicas = "deployment.kubernetes.io/desired-replicas"
    static let maxReplicas = "deployment.kubernetes.io/max-replicas"
    static let rollbackTo = "deprecated.deployment.rollback.to"
    static let lastApplied = "kubectl.kubernetes.io/last-applied-configuration"
    /// Longest revision-history value kept (the controller's maxRevHistoryLengthInChars).
    static let maxRevisionHistoryLength = 2000

    /// Deployment annotations that are not copied to ReplicaSets (and back on rollback).
    static let notCopied: Set<String> = [lastApplied, revision, revisionHistory, desiredReplicas, maxReplicas, rollbackTo]

    static func set(_ object: inout JSON, _ key: String, _ value: String) {
        object["metadata"]["annotations"][key] = .string(value)
    }

    /// The revision number of a ReplicaSet: 0 without the annotation, nil when unparsable.
    static func revision(of rs: JSON) -> Int64? {
        guard let text = rs.annotations[revision] else { return 0 }
        return Int64(text)
    }

    static func maxRevision(_ rss: [JSON]) -> Int64 {
        rss.compactMap(revision(of:)).max() ?? 0
    }

    /// The second highest revision: what "undo" goes back to.
    static func lastRevision(_ rss: [JSON]) -> Int64 {
        var highest: Int64 = 0, second: Int64 = 0
        for v in rss.compactMap(revision(of:)) {
            if v >= highest { second = highest; highest = v } else if v > second { second = v }
        }
        return second
    }

    /// Older revisions first; unparsable or equal revisions by creation time.
    static func byRevision(_ a: JSON, _ b: JSON) -> Bool {
        guard let ra = revision(of: a), let rb = revision(of: b), ra != rb else { return workloadOlderFirst(a, b) }
        return ra < rb
    }

    /// Copies the Deployment's own annotations (not the controller's bookkeeping) to the RS.
    static func copyDeploymentAnnotations(_ d: JSON, to rs: inout JSON) -> Bool {
        var changed = false
        let existing = rs.annotations
        for (k, v) in d.annotations where !notCopied.contains(k) && existing[k] != v {
            set(&rs, k, v)
            changed = true
        }
        return changed
    }

    /// Brings the new ReplicaSet's annotations up to date: copied Deployment annotations, the
    /// revision (raised to `newRevision`, remembering the previous one in revision-history when a
    /// rollback revives an old ReplicaSet) and, for one about to be created, the replica counts.
    static func setNewReplicaSetAnnotations(_ d: JSON, _ rs: inout JSON, newRevision: String, exists: Bool,
                                            spec: DeploymentSpecView) -> Bool {
        var changed = copyDeploymentAnnotations(d, to: &rs)
        let oldText = rs.annotations[revision]
        let oldRevision: Int64
        if let oldText {
            guard let v = Int64(oldText) else { return false }
            oldRevision = v
        } else {
            oldRevision = 0
        }
        guard let newValue = Int64(newRevision) else { return false }
        if oldRevision < newValue {
            set(&rs, revision, newRevision)
            changed = true
        }
        if let oldText, oldRevision < newValue {
            let history = rs.annotations[revisionHistory] ?? ""
            if history.isEmpty {
                set(&rs, revisionHistory, oldText)
            } else {
                var entries = history.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                var total = history.count + oldText.count + 1
                var start = 0
                while total > maxRevisionHistoryLength && start < entries.count {
                    total -= entries[start].count + 1
                    start += 1
                }
                if total <= maxRevisionHistoryLength {
                    entries = Array(entries[start...]) + [oldText]
                    set(&rs, revisionHistory, entries.joined(separator: ","))
                }
            }
        }
        if !exists && setReplicasAnnotations(&rs, desired: spec.replicas, max: spec.replicas + spec.maxSurge) {
            changed = true
        }
        return changed
    }

    static func setReplicasAnnotations(_ rs: inout JSON, desired: Int, max: Int) -> Bool {
        var changed = false
        if rs.annotations[desiredReplicas] != String(desired) { set(&rs, desiredReplicas, String(desired)); changed = true }
        if rs.annotations[maxReplicas] != String(max) { set(&rs, maxReplicas, String(max)); changed = true }
        return changed
    }

    static func replicasAnnotationsNeedUpdate(_ rs: JSON, desired: Int, max: Int) -> Bool {
        rs.annotations[desiredReplicas] != String(desired) || rs.annotations[maxReplicas] != String(max)
    }

    static func desiredReplicas(of rs: JSON) -> Int? { rs.annotations[desiredReplicas].flatMap { Int($0) } }
    static func maxReplicas(of rs: JSON) -> Int? { rs.annotations[maxReplicas].flatMap { Int($0) } }

    /// Sets the Deployment's revision annotation; true when it changed.
    static func setDeploymentRevision(_ d: inout JSON, _ value: String) -> Bool {
        guard d.annotations[revision] != value else { return false }
        set(&d, revision, value)
        return true
    }

    /// On rollback: keep the Deployment's bookkeeping annotations, take the rest from the RS.
    static func setDeploymentAnnotations(_ d: inout JSON, from rs: JSON) {
        var out = d.annotations.filter { notCopied.contains($0.key) }
        for (k, v) in rs.annotations where !notCopied.contains(k) { out[k] = v }
        d["metadata"]["annotations"] = out.isEmpty ? .null : JSON(out)
    }
}
