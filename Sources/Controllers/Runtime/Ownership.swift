import KubeAPI

/// ownerReferences helpers shared by the workload controllers and the garbage collector.
public enum Ownership {
    /// The controller owner reference of an object, if any.
    public static func controllerRef(_ obj: JSON) -> JSON? {
        obj["metadata"]["ownerReferences"].elements.first { $0["controller"].bool == true }
    }

    /// A controller reference to `owner`, as ReplicaSets put on their pods.
    public static func reference(to owner: JSON, blockOwnerDeletion: Bool = true) -> JSON {
        ["apiVersion": .string(owner.apiVersion ?? ""), "kind": .string(owner.kind ?? ""),
         "name": .string(owner.name ?? ""), "uid": .string(owner.uid ?? ""),
         "controller": true, "blockOwnerDeletion": .bool(blockOwnerDeletion)]
    }

    public static func isControlled(_ obj: JSON, by owner: JSON) -> Bool {
        controllerRef(obj)?["uid"].string == owner.uid
    }

    public static func isDeleting(_ obj: JSON) -> Bool {
        obj["metadata"]["deletionTimestamp"].string != nil
    }
}
