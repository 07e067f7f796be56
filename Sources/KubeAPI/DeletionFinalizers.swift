/// The finalizers through which a DELETE asks the garbage collector to handle an object's dependents.
public enum DeletionFinalizers {
    /// Dependents are deleted before the owner goes (propagationPolicy Foreground).
    public static let foreground = "foregroundDeletion"
    /// Dependents lose their reference to the owner and stay (propagationPolicy Orphan).
    public static let orphan = "orphan"

    /// The finalizers an object keeps after a DELETE with `propagationPolicy` ("Background", "Foreground",
    /// "Orphan" or nil), as kube-apiserver computes them: an explicit policy replaces the two garbage-collector
    /// finalizers, so a second DELETE can switch an object already waiting in the foreground to Background
    /// (and it then goes at once) or to Orphan; without a policy the object keeps what it has.
    public static func afterDelete(_ finalizers: [String], propagationPolicy: String?) -> [String] {
        guard let policy = propagationPolicy else { return finalizers }
        var kept = finalizers.filter { $0 != foreground && $0 != orphan }
        switch policy {
        case "Foreground": kept.append(foreground)
        case "Orphan": kept.append(orphan)
        default: break
        }
        return kept
    }
}
