import KubeAPI
import KubeClient

/// The garbage collector's view of ownership: which watched object has which uid, and which objects name
/// each uid as an owner. Owners may be gone already; their dependents stay indexed under the old uid so they
/// can be found when the owner's deletion is seen.
struct GCOwnerGraph {
    struct Ref: Hashable {
        let resource: String   // storage name, e.g. "replicasets.apps"
        let namespace: String
        let name: String
        var key: String { "\(resource)|\(namespace)|\(name)" }

        init(resource: String, namespace: String, name: String) {
            self.resource = resource
            self.namespace = namespace
            self.name = name
        }

        init?(key: String) {
            let parts = key.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 else { return nil }
            self.init(resource: parts[0], namespace: parts[1], name: parts[2])
        }
    }

    private(set) var byUID: [String: Ref] = [:]
    private var uidOf: [Ref: String] = [:]
    private var ownersOf: [Ref: Set<String>] = [:]
    private var dependentsOf: [String: Set<Ref>] = [:]

    static func ownerUIDs(_ obj: JSON) -> Set<String> {
        Set(obj["metadata"]["ownerReferences"].elements.compactMap { $0["uid"].string })
    }

    /// Records the object's current uid and owners; returns the owner uids it named before.
    @discardableResult
    mutating func upsert(_ ref: Ref, _ obj: JSON) -> Set<String> {
        if let oldUID = uidOf[ref], oldUID != obj.uid { byUID.removeValue(forKey: oldUID) }
        if let uid = obj.uid {
            byUID[uid] = ref
            uidOf[ref] = uid
        }
        let before = ownersOf[ref] ?? []
        let after = Self.ownerUIDs(obj)
        for gone in before.subtracting(after) { dependentsOf[gone]?.remove(ref); pruneDependents(gone) }
        for added in after.subtracting(before) { dependentsOf[added, default: []].insert(ref) }
        ownersOf[ref] = after.isEmpty ? nil : after
        return before
    }

    /// Forgets a deleted object; returns the uids it named as owners.
    mutating func remove(_ ref: Ref, uid: String?) -> Set<String> {
        if let uid, byUID[uid] == ref { byUID.removeValue(forKey: uid) }
        if uidOf[ref] == uid { uidOf.removeValue(forKey: ref) }
        let owners = ownersOf.removeValue(forKey: ref) ?? []
        for o in owners { dependentsOf[o]?.remove(ref); pruneDependents(o) }
        return owners
    }

    private mutating func pruneDependents(_ uid: String) {
        if dependentsOf[uid]?.isEmpty == true { dependentsOf.removeValue(forKey: uid) }
    }

    func dependents(of uid: String) -> Set<Ref> { dependentsOf[uid] ?? [] }
}
