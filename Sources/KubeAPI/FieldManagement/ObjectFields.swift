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
        try specified(members: config.members, schema: PatchStrategyTable.schema(forKind: kind), at: [])
    }

    // The builders assemble sets bottom-up, relative to the node they look at; `path` only names the node in
    // errors.
    private static func specified(members: [String: JSON], schema: PatchSchema?, at path: FieldPath)
        throws(FieldSetError) -> FieldSet
    {
        var set = FieldSet()
        for (name, value) in members {
            let e = PathElement.field(name)
            let (isMember, below) = try specified(value, field: schema?[name], at: path + [e])
            if isMember { set.insertMember(e) }
            set.attach(below, under: e)
        }
        return set
    }

    /// Whether the value is a member itself, and what below it is.
    private static func specified(_ value: JSON, field: PatchField?, at path: FieldPath)
        throws(FieldSetError) -> (Bool, FieldSet)
    {
        switch value {
        case .object(let o):
            if field?.atomic == true || o.isEmpty { return (true, FieldSet()) }
            return (false, try specified(members: o, schema: field?.schema, at: path))
        case .array(let items):
            let shape = ListShape(field)
            if case .atomic = shape { return (true, FieldSet()) }
            var set = FieldSet()
            for (i, item) in items.enumerated() {
                guard let e = shape.element(of: item, at: i) else {
                    let missing: String
                    if case .associative(let keys) = shape { missing = keys.first { item[$0].isNull } ?? "" } else { missing = "" }
                    throw FieldSetError(path: path, message: "element \(i): associative list with keys has an element that omits key field \"\(missing)\" (and doesn't have default value)")
                }
                set.insertMember(e)
                if case .object(let o) = item {
                    set.attach(try specified(members: o, schema: field?.schema, at: path + [e]), under: e)
                }
            }
            return (false, set)
        default:
            return (true, FieldSet())
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

        mutating func attach(_ below: Comparison, under e: PathElement) {
            added.attach(below.added, under: e)
            modified.attach(below.modified, under: e)
            removed.attach(below.removed, under: e)
        }

        mutating func record(_ change: Change?, _ e: PathElement) {
            switch change {
            case .added?: added.insertMember(e)
            case .modified?: modified.insertMember(e)
            case .removed?: removed.insertMember(e)
            case nil: break
            }
        }
    }

    enum Change { case added, modified, removed }

    public static func compare(_ old: JSON, _ new: JSON, kind: String) -> Comparison {
        compareMembers(old.members, new.members, schema: PatchStrategyTable.schema(forKind: kind))
    }

    private static func compareMembers(_ old: [String: JSON], _ new: [String: JSON], schema: PatchSchema?) -> Comparison {
        var c = Comparison()
        for (name, l) in old {
            let e = PathElement.field(name)
            let r = new[name]
            let (change, below) = compare(l, r, field: schema?[name])
            // A field only one side has is added or removed as a whole, whatever its value.
            c.record(r == nil ? .removed : change, e)
            c.attach(below, under: e)
        }
        for (name, r) in new where old[name] == nil {
            let e = PathElement.field(name)
            let (_, below) = compare(nil, r, field: schema?[name])
            c.record(.added, e)
            c.attach(below, under: e)
        }
        return c
    }

    /// The change of the node itself (for leaves) and the changes below it. `nil` is a field the version does
    /// not have.
    private static func compare(_ old: JSON?, _ new: JSON?, field: PatchField?) -> (Change?, Comparison) {
        switch (old, new) {
        case (.object(let l)?, .object(let r)?) where field?.atomic != true && !(l.isEmpty && r.isEmpty):
            return (nil, compareMembers(l, r, schema: field?.schema))
        case (.object(let l)?, nil) where field?.atomic != true && !l.isEmpty:
            return (nil, compareMembers(l, [:], schema: field?.schema))
        case (nil, .object(let r)?) where field?.atomic != true && !r.isEmpty:
            return (nil, compareMembers([:], r, schema: field?.schema))
        case (.array(let l)?, .array(let r)?) where !(l.isEmpty && r.isEmpty):
            return compareLists(l, r, field: field)
        case (.array(let l)?, nil) where !l.isEmpty:
            return compareLists(l, [], field: field)
        case (nil, .array(let r)?) where !r.isEmpty:
            return compareLists([], r, field: field)
        default:
            return (leafChange(old, new), Comparison())
        }
    }

    private static func leafChange(_ old: JSON?, _ new: JSON?) -> Change? {
        switch (old, new) {
        case (nil, nil): return nil
        case (nil, _): return .added
        case (_, nil): return .removed
        case (let l?, let r?): return l.patchEquals(r) ? nil : .modified
        }
    }

    private static func compareLists(_ old: [JSON], _ new: [JSON], field: PatchField?) -> (Change?, Comparison) {
        let shape = ListShape(field)
        if case .atomic = shape { return (leafChange(.array(old), .array(new)), Comparison()) }
        let itemField = PatchField(list: .replace, schema: field?.schema)
        let l = indexed(old, shape), r = indexed(new, shape)
        var c = Comparison()
        for (e, item) in l.items {
            let newItem = r.items[e]
            let (change, below) = compare(item, newItem, field: itemField)
            c.record(newItem == nil ? .removed : change, e)
            c.attach(below, under: e)
        }
        for (e, item) in r.items where l.items[e] == nil {
            let (_, below) = compare(nil, item, field: itemField)
            c.record(.added, e)
            c.attach(below, under: e)
        }
        return (nil, c)
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
