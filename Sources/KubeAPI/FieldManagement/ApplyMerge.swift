/// The object edits of server-side apply: merging an applied configuration into the live object, and taking
/// out the fields an applier stopped specifying.
public enum ApplyMerge {
    /// The live object with the configuration merged in (structured-merge-diff's Merge): objects merge field by
    /// field, associative and set lists item by item, everything else (scalars, atomic lists and objects)
    /// takes the configuration's value. A `null` in the configuration removes the field.
    public static func merge(_ live: JSON, _ config: JSON, kind: String) -> JSON {
        mergeObject(live, config, schema: PatchStrategyTable.schema(forKind: kind))
    }

    private static func mergeObject(_ live: JSON, _ config: JSON, schema: PatchSchema?) -> JSON {
        guard case .object(var out) = live else { return config }
        for (name, value) in config.members {
            if value.isNull {
                out[name] = nil
            } else {
                out[name] = merge(out[name], value, field: schema?[name])
            }
        }
        return .object(out)
    }

    private static func merge(_ live: JSON?, _ config: JSON, field: PatchField?) -> JSON {
        guard let live else { return config }
        switch (live, config) {
        case (.object, .object) where field?.atomic != true:
            return mergeObject(live, config, schema: field?.schema)
        case (.array(let l), .array(let r)):
            let shape = ListShape(field)
            if case .atomic = shape { return config }
            return .array(mergeLists(l, r, shape: shape) { old, new in
                guard let old else { return new }
                return merge(old, new, field: PatchField(list: .replace, schema: field?.schema))
            })
        default:
            return config
        }
    }

    /// Lists merged item by item, in structured-merge-diff's order: items the configuration names come in its
    /// order; items only the live list has stay where they were relative to those.
    static func mergeLists(_ live: [JSON], _ config: [JSON], shape: ListShape,
                           mergeItem: (JSON?, JSON) -> JSON) -> [JSON]
    {
        let l = live.enumerated().map { shape.elementOrIndex(of: $1, at: $0) }
        let r = config.enumerated().map { shape.elementOrIndex(of: $1, at: $0) }
        var liveItems: [PathElement: JSON] = [:]
        for (e, item) in zip(l, live) where liveItems[e] == nil { liveItems[e] = item }
        var configItems: [PathElement: JSON] = [:]
        for (e, item) in zip(r, config) where configItems[e] == nil { configItems[e] = item }

        var shared = r.filter { liveItems[$0] != nil }[...]
        var done = Set<PathElement>()
        var out: [JSON] = []
        var li = 0, ri = 0
        while li < l.count || ri < r.count {
            if li < l.count && ri < r.count {
                let e = l[li]
                if e == r[ri] {
                    if done.insert(e).inserted { out.append(mergeItem(liveItems[e], configItems[e]!)) }
                    li += 1
                    ri += 1
                    if shared.first == e { shared = shared.dropFirst() }
                    continue
                }
                // A live item the configuration also names, but later: it is placed when the configuration gets there.
                if configItems[e] != nil, let next = shared.first, next != e {
                    li += 1
                    continue
                }
            }
            if li < l.count {
                let e = l[li]
                if configItems[e] == nil {
                    out.append(live[li])
                    li += 1
                    continue
                } else if done.contains(e) {
                    li += 1
                    continue
                }
            }
            if ri < r.count {
                let e = r[ri]
                if done.insert(e).inserted { out.append(mergeItem(liveItems[e], configItems[e]!)) }
                ri += 1
                if shared.first == e { shared = shared.dropFirst() }
            }
        }
        return out
    }

    /// The object without the fields of `paths`. Objects and lists left empty by a removal go too, unless
    /// `kept` holds them (someone applied them empty).
    public static func removing(_ paths: FieldSet, from object: JSON, keeping kept: FieldSet, kind: String) -> JSON {
        guard case .object(var members) = object else { return object }
        remove(paths, from: &members, kept: kept, schema: PatchStrategyTable.schema(forKind: kind), depth: 0)
        return .object(members)
    }

    private static func remove(_ paths: FieldSet, from members: inout [String: JSON], kept: FieldSet,
                               schema: PatchSchema?, depth: Int)
    {
        for e in paths.members {
            if case .field(let name) = e { members[name] = nil }
        }
        for (e, sub) in paths.children {
            guard case .field(let name) = e, let value = members[name] else { continue }
            let updated = remove(sub, from: value, kept: kept.subset(at: [e]), field: schema?[name], depth: depth + 1)
            // Top-level fields (metadata, spec) stay even when emptied.
            if depth > 0, updated.isEmptyContainer, !value.isEmptyContainer, !kept.contains([e]) {
                members[name] = nil
            } else {
                members[name] = updated
            }
        }
    }

    private static func remove(_ paths: FieldSet, from value: JSON, kept: FieldSet, field: PatchField?,
                               depth: Int) -> JSON
    {
        switch value {
        case .object(var members):
            remove(paths, from: &members, kept: kept, schema: field?.schema, depth: depth)
            return .object(members)
        case .array(let items):
            let shape = ListShape(field)
            let itemField = PatchField(list: .replace, schema: field?.schema)
            var out: [JSON] = []
            for (i, item) in items.enumerated() {
                let e = shape.elementOrIndex(of: item, at: i)
                if paths.members.contains(e) { continue }
                if let sub = paths.children[e] {
                    out.append(remove(sub, from: item, kept: kept.subset(at: [e]), field: itemField, depth: depth + 1))
                } else {
                    out.append(item)
                }
            }
            return .array(out)
        default:
            return value
        }
    }
}

extension JSON {
    var isEmptyContainer: Bool {
        switch self {
        case .object(let o): return o.isEmpty
        case .array(let a): return a.isEmpty
        default: return false
        }
    }
}
