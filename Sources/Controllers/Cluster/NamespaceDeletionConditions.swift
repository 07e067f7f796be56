import Foundation
import KubeAPI

/// The status conditions the namespace controller keeps on a terminating namespace, so `kubectl describe ns`
/// tells what holds the deletion up. Each type is always present: True with the problem, or False with the
/// "all is well" reason and message.
enum NamespaceDeletionConditions {
    static let types = ["NamespaceDeletionDiscoveryFailure", "NamespaceDeletionGroupVersionParsingFailure",
                        "NamespaceDeletionContentFailure", "NamespaceContentRemaining", "NamespaceFinalizersRemaining"]
    static let okReasons = [
        "NamespaceDeletionDiscoveryFailure": "ResourcesDiscovered",
        "NamespaceDeletionGroupVersionParsingFailure": "ParsedGroupVersions",
        "NamespaceDeletionContentFailure": "ContentDeleted",
        "NamespaceContentRemaining": "ContentRemoved",
        "NamespaceFinalizersRemaining": "ContentRemoved",
    ]
    static let okMessages = [
        "NamespaceDeletionDiscoveryFailure": "All resources successfully discovered",
        "NamespaceDeletionGroupVersionParsingFailure": "All legacy kube types successfully parsed",
        "NamespaceDeletionContentFailure": "All content successfully deleted, may be waiting on finalization",
        "NamespaceContentRemaining": "All content successfully removed",
        "NamespaceFinalizersRemaining": "All content successfully removed",
    ]

    /// What one deletion pass found.
    struct Outcome {
        /// "<resource>.<group>" (so core resources read "pods.") → instances left.
        var remaining: [String: Int] = [:]
        /// finalizer → instances it holds.
        var finalizers: [String: Int] = [:]
        var errors: [String] = []
    }

    /// The conditions for an outcome, in the controller's order.
    static func conditions(for outcome: Outcome, now: String) -> [JSON] {
        var problems: [String: (reason: String, message: String)] = [:]
        if !outcome.errors.isEmpty {
            problems["NamespaceDeletionContentFailure"] = ("ContentDeletionFailed",
                "Failed to delete all resource types, \(outcome.errors.count) remaining: \(outcome.errors.sorted().joined(separator: ", "))")
        }
        let remaining = outcome.remaining.filter { $0.value > 0 }.map { "\($0.key) has \($0.value) resource instances" }.sorted()
        if !remaining.isEmpty {
            problems["NamespaceContentRemaining"] = ("SomeResourcesRemain",
                "Some resources are remaining: \(remaining.joined(separator: ", "))")
        }
        let finalizers = outcome.finalizers.filter { $0.value > 0 }.map { "\($0.key) in \($0.value) resource instances" }.sorted()
        if !finalizers.isEmpty {
            problems["NamespaceFinalizersRemaining"] = ("SomeFinalizerRemain",
                "Some finalizers are remaining: \(finalizers.joined(separator: ", "))")
        }
        return types.map { type in
            if let p = problems[type] {
                return ["type": .string(type), "status": "True", "lastTransitionTime": .string(now),
                        "reason": .string(p.reason), "message": .string(p.message)]
            }
            return ["type": .string(type), "status": "False", "lastTransitionTime": .string(now),
                    "reason": .string(okReasons[type] ?? ""), "message": .string(okMessages[type] ?? "")]
        }
    }

    /// Merges new conditions into the existing list: a condition keeps its transition time unless its
    /// status flips. Returns nil when nothing changed.
    static func merged(_ existing: [JSON], _ new: [JSON], now: String) -> [JSON]? {
        var out = existing
        var changed = false
        for c in new {
            guard let i = out.firstIndex(where: { $0["type"] == c["type"] }) else {
                out.append(c)
                changed = true
                continue
            }
            let old = out[i]
            guard old["status"] != c["status"] || old["reason"] != c["reason"] || old["message"] != c["message"] else { continue }
            var updated = old
            if old["status"] != c["status"] { updated["lastTransitionTime"] = .string(now) }
            updated["status"] = c["status"]
            updated["reason"] = c["reason"]
            updated["message"] = c["message"]
            out[i] = updated
            changed = true
        }
        return changed ? out : nil
    }
}
