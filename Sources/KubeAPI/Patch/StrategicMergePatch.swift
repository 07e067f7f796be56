/// Kubernetes strategic merge patch (`application/strategic-merge-patch+json`), what
/// `kubectl apply` and `kubectl edit` send. It is a JSON merge patch with list awareness:
///
/// - maps merge recursively and `null` deletes a key;
/// - lists listed in `PatchStrategyTable` merge element by element (by merge key, or as sets of
///   scalars); all other lists are replaced;
/// - directives: `$patch: replace|delete|merge` on maps and in lists, `$setElementOrder/<list>`,
///   `$deleteFromPrimitiveList/<list>` and `$retainKeys`.
///
/// The semantics, element order included, follow apimachinery's strategicpatch package as the
/// apiserver runs it (parallel lists merged, unmatched nulls ignored).
public struct StrategicMergePatchError: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String
    /// The dotted path of the field being merged when it failed (`spec.template.spec.containers`).
    public var field: String
    /// The status the apiserver answers with for this kind of failure: 400 for malformed
    /// directives, 422 for content the patch format cannot express, 500 otherwise.
    public var httpStatus: Int

    public init(_ message: String, field: String, httpStatus: Int) {
        self.message = message
        self.field = field
        self.httpStatus = httpStatus
    }

    public var description: String { message }
}

extension JSON {
    /// Applies a strategic merge patch to a live object of `kind` (e.g. "Deployment").
    public func applyingStrategicMergePatch(_ patch: JSON, kind: String) throws(StrategicMergePatchError) -> JSON {
        guard case .object(let patchMembers) = patch else {
            throw StrategicMergePatchError("invalid JSON document", field: "", httpStatus: 400)
        }
        var result = self
        try StrategicMerge.mergeObject(
            &result, patchMembers, schema: PatchStrategyTable.schema(forKind: kind), path: "")
        return result
    }
}

enum StrategicMerge {
    static let directiveKey = "$patch"
    static let retainKeysKey = "$retainKeys"
    static let setElementOrderPrefix = "$setElementOrder/"
    static let deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/"

    typealias Failure = StrategicMergePatchError

    // MARK: - Maps

    /// Merges `patch` into `target` (treated as `{}` unless it is an object).
    static func mergeObject(
        _ target: inout JSON, _ patch: [String: JSON], schema: PatchSchema?, path: String
    ) throws(Failure) {
        if let directive = patch[directiveKey] {
            switch directive.string {
            case "replace":
                // The patch's map, minus the marker, becomes the value.
                var rest = patch
                rest.removeValue(forKey: directiveKey)
                var fresh = JSON.emptyObject
                try mergeObject(&fresh, rest, schema: schema, path: path)
                target = fresh
                return
            case "delete":
                target = .emptyObject
                return
            case "merge":
                break  // the default behaviour, spelled out
            default:
                throw Failure(
                    "unknown patch type: \(directive.plainText) in map: \(JSON.object(patch).jsonString)",
                    field: path, httpStatus: 500)
            }
        }

        var members = target.patchTakeMembers()
        defer { target = .object(members) }

        var hasDirectives = false
        for key in patch.keys where key.utf8.first == UInt8(ascii: "$") {
            hasDirectives = true
            break
        }
        var orderedFields: Set<String> = []
        if hasDirectives {
            try applyRetainKeys(&members, patch, path: path)
            try applyDeleteFromPrimitiveLists(&members, patch, path: path)
            orderedFields = try applySetElementOrders(&members, patch, schema: schema, path: path)
        }

        for (key, patchValue) in patch {
            if key.utf8.first == UInt8(ascii: "$") && isDirective(key) { continue }
            if orderedFields.contains(key) { continue }
            try mergeField(key, patchValue, into: &members, schema: schema, path: path)
        }
    }

    private static func isDirective(_ key: String) -> Bool {
        key == directiveKey || key == retainKeysKey || key.hasPrefix(setElementOrderPrefix)
            || key.hasPrefix(deleteFromPrimitiveListPrefix)
    }

    private static func mergeField(
        _ key: String, _ patchValue: JSON, into members: inout [String: JSON], schema: PatchSchema?, path: String
    ) throws(Failure) {
        if patchValue.isNull {
            members.removeValue(forKey: key)
            return
        }
        let field = schema?[key]
        let fieldPath = path.isEmpty ? key : path + "." + key
        // Taken out of the map so the nested merge mutates the only copy.
        guard var current = members.removeValue(forKey: key) else {
            members[key] = try adopt(patchValue, field: field, path: fieldPath)
            return
        }
        // (Matched without binding `current`, so no second reference defeats the in-place merge.)
        if case .object(let patchMembers) = patchValue, case .object = current {
            try mergeObject(&current, patchMembers, schema: field?.schema, path: fieldPath)
        } else if case .array(let patchElements) = patchValue, case .array = current {
            current = .array(try mergeList(current.patchTakeElements(), patchElements, field: field, path: fieldPath))
        } else {
            // Scalars, and a change of type, take the patch's value.
            current = try adopt(patchValue, field: field, path: fieldPath)
        }
        members[key] = current
    }

    /// A patch value with nothing live to merge into. It is merged into an empty value anyway,
    /// so its nulls and directives never reach the stored object.
    static func adopt(_ value: JSON, field: PatchField?, path: String) throws(Failure) -> JSON {
        switch value {
        case .object(let patchMembers):
            var fresh = JSON.emptyObject
            try mergeObject(&fresh, patchMembers, schema: field?.schema, path: path)
            return fresh
        case .array(let patchElements):
            return .array(try mergeList([], patchElements, field: field, path: path))
        default:
            return value
        }
    }

    // MARK: - Directives on maps

    /// `$retainKeys: [..]` drops every live key not named, after checking the patch itself only
    /// sets named keys.
    private static func applyRetainKeys(
        _ members: inout [String: JSON], _ patch: [String: JSON], path: String
    ) throws(Failure) {
        guard let directive = patch[retainKeysKey] else { return }
        guard case .array(let names) = directive else {
            throw Failure("invalid patch format of retainKeys", field: path, httpStatus: 400)
        }
        var keep: Set<String> = []
        for name in names {
            guard let s = name.string else {
                throw Failure("invalid patch format of retainKeys", field: path, httpStatus: 400)
            }
            keep.insert(s)
        }
        for (key, value) in patch where !value.isNull && !isDirective(key) && !keep.contains(key) {
            throw Failure("patch content doesn't match retainKeys list", field: path, httpStatus: 422)
        }
        members = members.filter { keep.contains($0.key) }
    }

    /// `$deleteFromPrimitiveList/<list>: [..]` removes those values from a scalar list.
    private static func applyDeleteFromPrimitiveLists(
        _ members: inout [String: JSON], _ patch: [String: JSON], path: String
    ) throws(Failure) {
        for (key, value) in patch where key.hasPrefix(deleteFromPrimitiveListPrefix) {
            let name = String(key.dropFirst(deleteFromPrimitiveListPrefix.count))
            guard case .array(let doomed) = value, !name.isEmpty else {
                throw Failure("invalid patch format of primitive list", field: path, httpStatus: 400)
            }
            guard case .array(var elements) = members[name] else { continue }
            elements.removeAll { element in doomed.contains { $0.patchEquals(element) } }
            members[name] = .array(elements)
        }
    }

    /// `$setElementOrder/<list>: [..]` gives the final order of the named elements. The list's
    /// own patch is merged here too (and reported, so the main loop skips it).
    private static func applySetElementOrders(
        _ members: inout [String: JSON], _ patch: [String: JSON], schema: PatchSchema?, path: String
    ) throws(Failure) -> Set<String> {
        var handled: Set<String> = []
        for (key, value) in patch where key.hasPrefix(setElementOrderPrefix) {
            let name = String(key.dropFirst(setElementOrderPrefix.count))
            guard case .array(let order) = value, !name.isEmpty else {
                throw Failure("invalid patch format of setElementOrder list", field: path, httpStatus: 400)
            }
            let listPatch: [JSON]?
            switch patch[name] {
            case nil: listPatch = nil
            case .array(let elements)?: listPatch = elements
            default: continue  // null or a non-list: the main loop deletes or replaces it
            }
            handled.insert(name)

            let fieldPath = path.isEmpty ? name : path + "." + name
            // A table gap must not turn a merge into a replace: kubectl only sends this
            // directive for merging lists, and its entries reveal the merge key.
            let field = effectiveField(schema?[name], order: order, patch: listPatch ?? [])
            var live: [JSON]? = nil
            if case .array(let elements)? = members[name] { live = elements }

            let merged: [JSON]
            switch (live, listPatch) {
            case (nil, nil): continue
            case (let live?, nil): merged = live
            case (let live, let listPatch?):
                members.removeValue(forKey: name)
                merged = try mergeList(live ?? [], listPatch, field: field, path: fieldPath)
            }
            guard let identity = identity(for: field.list) else {
                members[name] = .array(merged)
                continue
            }
            members[name] = .array(
                ListOrder.normalize(merged, desiredOrder: order, liveOrder: live ?? [], identity: identity))
        }
        return handled
    }

    // MARK: - Lists

    static func mergeList(
        _ live: [JSON], _ patch: [JSON], field: PatchField?, path: String
    ) throws(Failure) -> [JSON] {
        let field = effectiveField(field, order: [], patch: patch)
        switch field.list {
        case .replace:
            var result: [JSON] = []
            result.reserveCapacity(patch.count)
            for element in patch {
                result.append(try adopt(element, field: PatchField(list: .replace, schema: field.schema), path: path))
            }
            return result
        case .mergeSet:
            return mergeSet(live, patch)
        case .mergeByKey(let key):
            return try mergeByKey(live, patch, key: key, schema: field.schema, path: path)
        }
    }

    /// The table's strategy, or one inferred from the patch when the table has no entry:
    /// `$setElementOrder` entries of one key, or `{"$patch":"delete", key: …}` elements, only
    /// appear in patches of lists that kubectl merges.
    private static func effectiveField(_ field: PatchField?, order: [JSON], patch: [JSON]) -> PatchField {
        if let field, field.list != .replace { return field }
        let schema = field?.schema
        if let first = order.first {
            if case .object(let m) = first, m.count == 1, let key = m.keys.first {
                return PatchField(list: .mergeByKey(key), schema: schema)
            }
            if first.isScalar { return PatchField(list: .mergeSet, schema: schema) }
        }
        for element in patch {
            if case .object(let m) = element, m[directiveKey]?.string == "delete", m.count == 2,
                let key = m.keys.first(where: { $0 != directiveKey })
            {
                return PatchField(list: .mergeByKey(key), schema: schema)
            }
        }
        return field ?? PatchField(list: .replace, schema: nil)
    }

    /// Lists of scalars with the merge strategy are sets: the union, without duplicates.
    private static func mergeSet(_ live: [JSON], _ patch: [JSON]) -> [JSON] {
        var merged: [JSON] = []
        merged.reserveCapacity(live.count + patch.count)
        for element in live + patch where !merged.contains(where: { $0.patchEquals(element) }) {
            merged.append(element)
        }
        return ListOrder.normalize(merged, desiredOrder: patch, liveOrder: live, identity: { $0 })
    }

    /// Lists of objects merged by `key`: `$patch: delete` elements remove live ones,
    /// `$patch: replace` makes the patch's elements the whole list, matching elements merge
    /// recursively and new ones are added.
    private static func mergeByKey(
        _ live: [JSON], _ patch: [JSON], key: String, schema: PatchSchema?, path: String
    ) throws(Failure) -> [JSON] {
        var base = live
        var plain: [[String: JSON]] = []
        plain.reserveCapacity(patch.count)
        var replaceAll = false
        for element in patch {
            guard case .object(let m) = element else {
                throw Failure(
                    "expected a list of objects merged by \"\(key)\", found \(element.patchTypeName) element \(element.jsonString)",
                    field: path, httpStatus: 500)
            }
            if let directive = m[directiveKey] {
                switch directive.string {
                case "delete":
                    guard let doomed = m[key] else { throw noMergeKey(m, key, path) }
                    base.removeAll { $0.object?[key]?.patchEquals(doomed) ?? false }
                case "replace":
                    replaceAll = true
                case "merge":
                    continue  // merging is what lists with a key do anyway
                default:
                    throw Failure(
                        "unknown patch type: \(directive.plainText) in map: \(element.jsonString)",
                        field: path, httpStatus: 500)
                }
                continue
            }
            guard m[key] != nil else { throw noMergeKey(m, key, path) }
            plain.append(m)
        }

        let elementField = PatchField(list: .replace, schema: schema)
        if replaceAll {
            var result: [JSON] = []
            for m in plain { result.append(try adopt(.object(m), field: elementField, path: path)) }
            return result
        }

        var merged = base
        for m in plain {
            let wanted = m[key]!
            if let i = merged.firstIndex(where: { $0.object?[key]?.patchEquals(wanted) ?? false }) {
                try mergeObject(&merged[i], m, schema: schema, path: path)
            } else {
                merged.append(try adopt(.object(m), field: elementField, path: path))
            }
        }
        return ListOrder.normalize(
            merged, desiredOrder: plain.map { .object($0) }, liveOrder: base, identity: { $0.object?[key] })
    }

    private static func identity(for strategy: PatchField.ListStrategy) -> ((JSON) -> JSON?)? {
        switch strategy {
        case .replace: return nil
        case .mergeSet: return { $0 }
        case .mergeByKey(let key): return { $0.object?[key] }
        }
    }

    private static func noMergeKey(_ element: [String: JSON], _ key: String, _ path: String) -> Failure {
        Failure(
            "map: \(JSON.object(element).jsonString) does not contain declared merge key: \(key)",
            field: path, httpStatus: 500)
    }
}

extension JSON {
    fileprivate var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    /// A value as Go's `%v` would show a scalar in an error message.
    fileprivate var plainText: String {
        if case .string(let s) = self { return s }
        return jsonString
    }
}
