/// The part of an object one endpoint writes, and so the only fields a write through it can take ownership of
/// (Kubernetes' reset fields: the main resource of a kind with a status subresource ignores status; the status
/// subresource changes status only; the scale subresource, spec.replicas).
public enum TrackedFields: Sendable, Equatable {
    case all
    case allButStatus
    case only(FieldPath)

    public static let statusPath: FieldPath = [.field("status")]
    public static let replicasPath: FieldPath = [.field("spec"), .field("replicas")]

    /// The part of `object` this scope writes, without managedFields: what its comparisons need to look at.
    func view(of object: JSON) -> JSON {
        var o = object
        o["metadata"]["managedFields"] = .null
        switch self {
        case .all:
            return o
        case .allButStatus:
            o["status"] = .null
            return o
        case .only(let path):
            let names = path.compactMap { if case .field(let n) = $0 { return n } else { return nil } }
            var part = JSON.emptyObject
            part[path: names] = o[path: names]
            return part
        }
    }

    func filter(_ set: FieldSet) -> FieldSet {
        switch self {
        case .all: return set
        case .allButStatus: return set.removingSubtree(at: Self.statusPath)
        case .only(let path): return set.keepingSubtree(at: path)
        }
    }
}

/// Where a write happens: the kind (for list keys), the apiVersion it is written in, the subresource.
public struct FieldManagerScope: Sendable {
    public var kind: String
    public var apiVersion: String
    public var subresource: String?
    public var tracked: TrackedFields

    public init(kind: String, apiVersion: String, subresource: String?, tracked: TrackedFields) {
        self.kind = kind
        self.apiVersion = apiVersion
        self.subresource = subresource
        self.tracked = tracked
    }
}

/// An apply that other managers' fields stand in the way of: `Apply failed with 1 conflict: conflict with
/// "kubectl-scale" using apps/v1: .spec.replicas`.
public struct ApplyConflicts: Error, Sendable, Equatable {
    public struct Conflict: Sendable, Equatable {
        public let manager: String
        public let path: FieldPath
    }

    /// Grouped by manager (in name order), paths in field order.
    public let conflicts: [Conflict]

    public var message: String {
        if conflicts.count == 1 {
            return "Apply failed with 1 conflict: conflict with \(conflicts[0].manager): \(conflicts[0].path.pathText)"
        }
        var lines: [String] = []
        var current: String?
        for c in conflicts {
            if c.manager != current {
                lines.append("conflicts with \(c.manager):")
                current = c.manager
            }
            lines.append("- \(c.path.pathText)")
        }
        return "Apply failed with \(conflicts.count) conflicts: " + lines.joined(separator: "\n")
    }

    /// Status causes, one per conflicting field.
    public var causes: [JSON] {
        conflicts.map { ["type": "FieldManagerConflict", "message": .string("conflict with \($0.manager)"),
                         "field": .string($0.path.pathText)] }
    }
}

/// What goes wrong in an apply: the configuration cannot be read as fields, or it conflicts.
public enum ApplyFailure: Error, Sendable {
    case invalidConfiguration(FieldSetError)
    case conflicts(ApplyConflicts)
}

/// Server-side field management: who owns which fields after each write (structured-merge-diff's Updater, with
/// the apiserver's field-manager stages that matter to kubectl).
public enum FieldManager {
    /// Fields nobody owns: type and identity metadata the server sets (stripped exactly, not with what lies
    /// below, so `metadata` still holds the labels it carries).
    static let unowned: FieldSet = FieldSet([
        [.field("apiVersion")], [.field("kind")], [.field("metadata")],
        [.field("metadata"), .field("name")], [.field("metadata"), .field("namespace")],
        [.field("metadata"), .field("creationTimestamp")], [.field("metadata"), .field("selfLink")],
        [.field("metadata"), .field("uid")], [.field("metadata"), .field("generation")],
        [.field("metadata"), .field("managedFields")], [.field("metadata"), .field("resourceVersion")],
    ])

    /// More Update entries than this fold their oldest into one `ancient-changes` entry, as Kubernetes does.
    public static let maxUpdateManagers = 10
    public static let ancientChangesManager = "ancient-changes"
    /// The applier whose applies keep the client-side apply annotation current (kubectl's default manager).
    public static let kubectlApplier = "kubectl"
    public static let lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

    static func owned(_ set: FieldSet, _ scope: FieldManagerScope) -> FieldSet {
        scope.tracked.filter(set.subtracting(unowned))
    }

    static func withoutManagedFields(_ object: JSON) -> JSON {
        var o = object
        o["metadata"]["managedFields"] = .null
        return o
    }

    /// The empty object a created one is compared with: the zero value of the Go type (see `withValueStructs`).
    static func zeroValue(like object: JSON) -> JSON {
        withValueStructs(["metadata": .emptyObject], like: object)
    }

    /// `old` with the value (non-pointer) structs Go always has: `spec`, `status`, a pod template and a
    /// deployment strategy exist empty, and a pod's containers list exists as null. Kubernetes compares typed
    /// objects, so a write that fills them owns what they hold without owning them (no `.` in FieldsV1).
    static func withValueStructs(_ old: JSON, like new: JSON) -> JSON {
        var out = old
        let structs: [[String]] = [["spec"], ["status"], ["spec", "template"], ["spec", "template", "metadata"],
                                   ["spec", "template", "spec"], ["spec", "strategy"]]
        for path in structs where new[path: path].object != nil && out[path: path].isNull {
            out[path: path] = .emptyObject
        }
        for podSpec in [["spec"], ["spec", "template", "spec"]] where new[path: podSpec + ["containers"]].array != nil
            && out[path: podSpec + ["containers"]].isNull
        {
            out[path: podSpec + ["containers"]] = .array([])
        }
        return out
    }

    // MARK: Update

    /// Records a non-apply write (create, update, patch) by `manager`: it takes the fields it changed, which
    /// leave every other manager, and fields it removed leave everyone. `old` is nil for a create. Managed
    /// fields the client sent replace the stored ones (a client may reset them, `[{}]` clears them); an empty
    /// or missing list keeps the stored ones.
    public static func recordUpdate(old: JSON?, new: inout JSON, manager: String, scope: FieldManagerScope,
                                    now: String)
    {
        let sent = new["metadata"]["managedFields"].elements
        let keepStored = sent.isEmpty || scope.subresource != nil
        let after = scope.tracked.view(of: new)
        let before = old.map { withValueStructs(scope.tracked.view(of: $0), like: after) } ?? zeroValue(like: after)
        let c = ObjectFields.compare(before, after, kind: scope.kind)
        let changed = owned(c.changed, scope)
        let removed = owned(c.removed, scope)
        if keepStored && changed.isEmpty && removed.isEmpty {
            // Nobody's fields move: the stored entries stay as they are (and need no decoding).
            new["metadata"]["managedFields"] = old?["metadata"]["managedFields"] ?? .null
            return
        }
        var entries = keepStored
            ? old.map(ManagedFieldsEntry.entries(of:)) ?? []
            : sent.compactMap(ManagedFieldsEntry.init(json:))
        let me = ManagedFieldsEntry.Identity(manager: manager, operation: .update, subresource: scope.subresource,
                                             apiVersion: scope.apiVersion)
        for i in entries.indices where entries[i].identity != me {
            entries[i].fields = entries[i].fields.subtracting(changed).subtracting(removed)
        }
        if let i = entries.firstIndex(where: { $0.identity == me }) {
            entries[i].fields = entries[i].fields.subtracting(removed).union(changed)
            // The entry's time says when the manager last changed something.
            if !changed.isEmpty { entries[i].time = now }
        } else if !changed.isEmpty {
            entries.append(ManagedFieldsEntry(manager: manager, operation: .update, apiVersion: scope.apiVersion,
                                              time: now, subresource: scope.subresource, fields: changed))
        }
        ManagedFieldsEntry.store(capped(entries.filter { !$0.fields.isEmpty }), in: &new)
    }

    /// At most `maxUpdateManagers` Update entries: the oldest are folded into one `ancient-changes` entry.
    static func capped(_ entries: [ManagedFieldsEntry]) -> [ManagedFieldsEntry] {
        let updaters = entries.filter { $0.operation == .update }
        guard updaters.count > maxUpdateManagers else { return entries }
        let oldestFirst = updaters.sorted { ($0.time ?? "", $0.manager) < ($1.time ?? "", $1.manager) }
        let folded = oldestFirst.prefix(updaters.count - maxUpdateManagers + 1)
        var bucket = folded.first!
        for e in folded.dropFirst() {
            bucket.fields = bucket.fields.union(e.fields)
            bucket.time = e.time
        }
        bucket.manager = ancientChangesManager
        bucket.subresource = nil
        let foldedIDs = Set(folded.map(\.identity))
        return entries.filter { !foldedIDs.contains($0.identity) } + [bucket]
    }

    // MARK: Apply

    /// Applies `config` for `manager`: merges it into `live`, removes the fields this manager applied before
    /// and no longer does (unless another manager owns them too), and fails on fields other managers own whose
    /// value the apply would change, unless `force` moves them to this manager. Equal values are shared. For a
    /// create, `live` is the bare object (apiVersion, kind, name, namespace). Returns the object with its
    /// managedFields.
    public static func apply(live: JSON, config: JSON, manager: String, force: Bool, scope: FieldManagerScope,
                             now: String) throws(ApplyFailure) -> JSON
    {
        let applied: FieldSet
        do {
            applied = owned(try ObjectFields.specified(by: config, kind: scope.kind), scope)
        } catch {
            throw .invalidConfiguration(error)
        }
        let before = withoutManagedFields(live)
        var entries = ManagedFieldsEntry.entries(of: live)
        let me = ManagedFieldsEntry.Identity(manager: manager, operation: .apply, subresource: scope.subresource,
                                             apiVersion: nil)
        let previous = entries.firstIndex { $0.identity == me }.map { entries[$0] }
        entries.removeAll { $0.identity == me }
        entries.append(ManagedFieldsEntry(manager: manager, operation: .apply, apiVersion: scope.apiVersion,
                                          time: previous?.time, subresource: scope.subresource, fields: applied))

        var merged = ApplyMerge.merge(before, withoutManagedFields(config), kind: scope.kind)
        if let previous {
            let everyone = entries.reduce(FieldSet()) { $0.union($1.fields) }
            let dropped = removable(previous.fields.subtracting(applied), ownedBy: everyone)
            merged = ApplyMerge.removing(dropped, from: merged, keeping: everyone, kind: scope.kind)
        }

        let c = ObjectFields.compare(scope.tracked.view(of: before), scope.tracked.view(of: merged), kind: scope.kind)
        let changed = owned(c.changed, scope)
        let removed = owned(c.removed, scope)
        var conflicts: [ApplyConflicts.Conflict] = []
        for e in entries where e.identity != me {
            for path in e.fields.intersection(changed).paths {
                conflicts.append(.init(manager: e.conflictName, path: path))
            }
        }
        if !conflicts.isEmpty && !force && !(manager == kubectlApplier && allowedByLastApplied(conflicts, live: live, scope: scope)) {
            conflicts.sort { ($0.manager, $0.path.pathText) < ($1.manager, $1.path.pathText) }
            throw .conflicts(ApplyConflicts(conflicts: conflicts))
        }
        for i in entries.indices where entries[i].identity != me {
            entries[i].fields = entries[i].fields.subtracting(changed).subtracting(removed)
        }
        if let i = entries.firstIndex(where: { $0.identity == me }), entries[i].time == nil || !c.isSame {
            entries[i].time = now
        }
        if manager == kubectlApplier { keepLastAppliedCurrent(&merged, live: live, config: config) }
        ManagedFieldsEntry.store(capped(entries.filter { !$0.fields.isEmpty }), in: &merged)
        return merged
    }

    /// The fields an applier dropped that can go: those no manager (this one included, through what it applies
    /// now) owns. A named field also stays while anything below it is owned; a list item goes unless the item
    /// itself is owned, as structured-merge-diff decides.
    static func removable(_ dropped: FieldSet, ownedBy everyone: FieldSet) -> FieldSet {
        var out = FieldSet()
        for path in dropped.paths where !everyone.contains(path) {
            if case .field? = path.last, !everyone.subset(at: path).isEmpty { continue }
            out.insert(path)
        }
        return out
    }

    /// kubectl's upgrade from client-side to server-side apply: conflicts only with values the last client-side
    /// apply set (and nobody changed since) do not stop an apply by `kubectl`.
    static func allowedByLastApplied(_ conflicts: [ApplyConflicts.Conflict], live: JSON, scope: FieldManagerScope) -> Bool {
        guard let text = live["metadata"]["annotations"][lastAppliedAnnotation].string, !text.isEmpty,
              let lastApplied = try? JSON.parse(text), lastApplied.object != nil,
              let specified = try? ObjectFields.specified(by: lastApplied, kind: scope.kind)
        else { return false }
        let untouched = specified.subtracting(ObjectFields.compare(lastApplied, withoutManagedFields(live), kind: scope.kind).modified)
        return conflicts.allSatisfy { untouched.contains($0.path) }
    }

    /// An object kubectl applied client-side keeps its last-applied annotation in step with server-side applies
    /// by `kubectl`, so a later client-side apply computes its patch from what was applied last.
    static func keepLastAppliedCurrent(_ object: inout JSON, live: JSON, config: JSON) {
        guard live["metadata"]["annotations"][lastAppliedAnnotation].string != nil else { return }
        var applied = config
        applied["metadata"]["annotations"][lastAppliedAnnotation] = .null
        if applied["metadata"]["annotations"].object?.isEmpty == true { applied["metadata"]["annotations"] = .null }
        object["metadata"]["annotations"][lastAppliedAnnotation] = .string(applied.jsonString + "\n")
    }
}
