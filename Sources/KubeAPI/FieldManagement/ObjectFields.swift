/// How server-side apply sees the shape of an object: which lists are associative (and by which key fields),
/// which are sets, which objects are atomic. It reads the strategic-merge table, which mirrors the
/// `+listType`/`+listMapKey` markers of the Kubernetes types as far as swiftlet needs them; lists the table does
/// not name are atomic, as untagged lists are in Kubernetes.
enum ListShape {
    case atomic
    case set
    case associative(keys: [String])

    init(_ field: PatchField?) {
        switch field?.list {
        case .mergeByKey(let key)?: self = .associative(keys: field?.applyKeys ?? [key])
        case .mergeSet?: self = .set
        default: self = .atomic
        }
    }

    /// Key fields with a schema default: an item may leave them out (Kubernetes' `protocol: TCP`).
    static let keyDefaults: [String: JSON] = ["protocol": "TCP"]

    /// The path element naming `item` (at `index`) in this list; nil when an associative item lacks a key field.
    func element(of item: JSON, at index: Int) -> PathElement? {
        switch self {
        case .atomic: return .index(index)
        case .set: return .item(item)
        case .associative(let keys):
            var fields: [(String, JSON)] = []
            for k in keys {
                let v = item[k]
                if !v.isNull {
                    fields.append((k, v))
                } else if let d = Self.keyDefaults[k] {
                    fields.append((k, d))
                } else {
                    return nil
                }
            }
            return .keyed(fields)
        }
    }

    /// The item's element, falling back to its position for an item without keys (validation rejects such
    /// objects; ownership is still recorded for them rather than failing the write).
    func elementOrIndex(of item: JSON, at index: Int) -> PathElement {
        element(of: item, at: index) ?? .index(index)
    }
}

/// An applied configuration that cannot be turned into a field set (what structured-merge-diff reports when it
/// types the patch).
public struct FieldSetError: Error, Sendable, CustomStringConvertible {
    public let path: FieldPath
    public let message: String
    public var description: String { "\(path.pathText): \(message)" }
}

/// The two field-set computations server-side apply is built on.
public enum ObjectFields {
    /// The fields an applied configuration specifies (structured-merge-diff's ToFieldSet): every leaf, every
    /// list item (items are members themselves, so FieldsV1 shows `.` for them), empty objects, nulls,
    /// atomic lists and objects whole. Objects with content are not members, only their fields.
    public static func specified(by config: JSON, kind: String) throws(FieldSetError) -> FieldSet {
        var set = FieldSet()
        try collect(members: config.members, schema: PatchStrategyTable.schema(forKind: kind), at: [], into: &set)
        return set
    }

    private static func collect(members: [String: JSON], schema: PatchSchema?, at path: FieldPath,
                                into set: inout FieldSet) throws(FieldSetError)
    {
        for (name, value) in members {
            try collect(value, field: schema?[name], at: path + [.field(name)], into: &set)
        }
    }

    private static func collect(_ value: JSON, field: PatchField?, at path: FieldPath, into set: inout FieldSet)
        throws(FieldSetError)
    {
        switch value {
        case .object(let o):
            if field?.atomic == true || o.isEmpty {
                set.insert(path)
            } else {
                try collect(members: o, schema: field?.schema, at: path, into: &set)
            }
        case .array(let items):
            let shape = ListShape(field)
            if case .atomic = shape {
                set.insert(path)
                return
            }
            for (i, item) in items.enumerated() {
                guard let e = shape.element(of: item, at: i) else {
                    let missing: String
                    if case .associative(let keys) = shape { missing = keys.first { item[$0].isNull } ?? "" } else { missing = "" }
                    throw FieldSetError(path: path, message: "element \(i): associative list with keys has an element that omits key field \"\(missing)\" (and doesn't have default value)")
                }
                set.insert(path + [e])
                if case .object(let o) = item {
                    try collect(members: o, schema: field?.schema, at: path + [e], into: &set)
                }
            }
        default:
            set.insert(path)
        }
    }

    /// What changed between two versions of an object (structured-merge-diff's Compare): leaves whose value
    /// differs are modified; fields and items only the new version has are added, with everything below
    /// them; those only the old one has are removed, likewise.
    public struct Comparison: Equatable, Sendable {
        public var added = FieldSet()
        public var modified = FieldSet()
        public var removed = FieldSet()

        /// What a writer takes ownership of.
        public var changed: FieldSet { modified.union(added) }
        public var isSame: Bool { added.isEmpty && modified.isEmpty && removed.isEmpty }
    }

    public static func compare(_ old: JSON, _ new: JSON, kind: String) -> Comparison {
        var c = Comparison()
        compareMembers(old.members, new.members, schema: PatchStrategyTable.schema(forKind: kind), at: [], into: &c)
        return c
    }

    private static func compareMembers(_ old: [String: JSON], _ new: [String: JSON], schema: PatchSchema?,
                                       at path: FieldPath, into c: inout Comparison)
    {
        for name in Set(old.keys).union(new.keys) {
            let p = path + [.field(name)]
            let l = old[name], r = new[name]
            if l == nil { c.added.insert(p) } else if r == nil { c.removed.insert(p) }
            compare(l, r, field: schema?[name], at: p, into: &c)
        }
    }

    /// `nil` is a field the version does not have.
    private static func compare(_ old: JSON?, _ new: JSON?, field: PatchField?, at path: FieldPath,
                                into c: inout Comparison)
    {
        switch (old, new) {
        case (.object(let l)?, .object(let r)?) where field?.atomic != true && !(l.isEmpty && r.isEmpty):
            compareMembers(l, r, schema: field?.schema, at: path, into: &c)
        case (.object(let l)?, nil) where field?.atomic != true && !l.isEmpty:
            compareMembers(l, [:], schema: field?.schema, at: path, into: &c)
        case (nil, .object(let r)?) where field?.atomic != true && !r.isEmpty:
            compareMembers([:], r, schema: field?.schema, at: path, into: &c)
        case (.array(let l)?, .array(let r)?) where !(l.isEmpty && r.isEmpty):
            compareLists(l, r, field: field, at: path, into: &c)
        case (.array(let l)?, nil) where !l.isEmpty:
            compareLists(l, [], field: field, at: path, into: &c)
        case (nil, .array(let r)?) where !r.isEmpty:
            compareLists([], r, field: field, at: path, into: &c)
        default:
            compareLeaf(old, new, at: path, into: &c)
        }
    }

    private static func compareLeaf(_ old: JSON?, _ new: JSON?, at path: FieldPath, into c: inout Comparison) {
        switch (old, new) {
        case (nil, nil): break
        case (nil, _): c.added.insert(path)
        case (_, nil): c.removed.insert(path)
        case (let l?, let r?): if !l.patchEquals(r) { c.modified.insert(path) }
        }
    }

    private static func compareLists(_ old: [JSON], _ new: [JSON], field: PatchField?, at path: FieldPath,
                                     into c: inout Comparison)
    {
        let shape = ListShape(field)
        if case .atomic = shape {
            compareLeaf(.array(old), .array(new), at: path, into: &c)
            return
        }
        let l = indexed(old, shape), r = indexed(new, shape)
        for (e, item) in l.items where r.items[e] == nil {
            c.removed.insert(path + [e])
            compare(item, nil, field: PatchField(list: .replace, schema: field?.schema), at: path + [e], into: &c)
        }
        for e in r.order {
            let p = path + [e]
            let newItem = r.items[e]
            guard let oldItem = l.items[e] else {
                c.added.insert(p)
                compare(nil, newItem, field: PatchField(list: .replace, schema: field?.schema), at: p, into: &c)
                continue
            }
            compare(oldItem, newItem, field: PatchField(list: .replace, schema: field?.schema), at: p, into: &c)
        }
    }

    /// Items by their path element (the first of duplicates wins), and the elements in list order.
    static func indexed(_ items: [JSON], _ shape: ListShape) -> (items: [PathElement: JSON], order: [PathElement]) {
        var byElement: [PathElement: JSON] = [:]
        var order: [PathElement] = []
        for (i, item) in items.enumerated() {
            let e = shape.elementOrIndex(of: item, at: i)
            if byElement[e] == nil {
                byElement[e] = item
                order.append(e)
            }
        }
        return (byElement, order)
    }
}
