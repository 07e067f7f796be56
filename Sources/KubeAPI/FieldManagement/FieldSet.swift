/// A set of field paths (structured-merge-diff's fieldpath.Set), the unit of ownership in managedFields.
/// Stored as a tree: `members` are elements that end a path at this level, `children` the sets of paths
/// that go deeper. A path can be both a member and a prefix of others (FieldsV1 writes that as `.`).
public struct FieldSet: Equatable, Sendable {
    public private(set) var members: Set<PathElement> = []
    /// Never holds an empty set: every operation drops children that become empty.
    public private(set) var children: [PathElement: FieldSet] = [:]

    public init() {}

    public init(_ paths: [FieldPath]) {
        for p in paths { insert(p) }
    }

    public var isEmpty: Bool { members.isEmpty && children.isEmpty }

    public mutating func insert(_ path: FieldPath) {
        insert(path[...])
    }

    private mutating func insert(_ path: ArraySlice<PathElement>) {
        guard let first = path.first else { return }
        if path.count == 1 {
            members.insert(first)
        } else {
            children[first, default: FieldSet()].insert(path.dropFirst())
        }
    }

    /// Adds the one-element path `e`.
    mutating func insertMember(_ e: PathElement) { members.insert(e) }

    /// Adds `sub`'s paths below `e` (the set builders' way to assemble a tree bottom-up).
    mutating func attach(_ sub: FieldSet, under e: PathElement) {
        guard !sub.isEmpty else { return }
        children[e] = children[e].map { $0.union(sub) } ?? sub
    }

    public func contains(_ path: FieldPath) -> Bool {
        guard let first = path.first else { return false }
        if path.count == 1 { return members.contains(first) }
        return children[first]?.contains(Array(path.dropFirst())) ?? false
    }

    /// The paths below `prefix`, relative to it (empty when there are none).
    public func subset(at prefix: FieldPath) -> FieldSet {
        var s = self
        for e in prefix {
            guard let c = s.children[e] else { return FieldSet() }
            s = c
        }
        return s
    }

    /// Whether the set holds `path` or anything below it.
    public func intersects(subtreeAt path: FieldPath) -> Bool {
        contains(path) || !subset(at: path).isEmpty
    }

    public func union(_ other: FieldSet) -> FieldSet {
        var out = self
        out.members.formUnion(other.members)
        for (e, c) in other.children {
            out.children[e] = out.children[e].map { $0.union(c) } ?? c
        }
        return out
    }

    /// The paths of this set that `other` does not hold (exactly: a member of `other` does not take the
    /// paths below it with it).
    public func subtracting(_ other: FieldSet) -> FieldSet {
        var out = self
        out.members.subtract(other.members)
        for (e, c) in other.children {
            guard let mine = out.children[e] else { continue }
            let rest = mine.subtracting(c)
            out.children[e] = rest.isEmpty ? nil : rest
        }
        return out
    }

    public func intersection(_ other: FieldSet) -> FieldSet {
        var out = FieldSet()
        out.members = members.intersection(other.members)
        for (e, c) in children {
            guard let theirs = other.children[e] else { continue }
            let both = c.intersection(theirs)
            if !both.isEmpty { out.children[e] = both }
        }
        return out
    }

    /// Without `path` and everything below it.
    public func removingSubtree(at path: FieldPath) -> FieldSet {
        guard let first = path.first else { return FieldSet() }
        var out = self
        if path.count == 1 {
            out.members.remove(first)
            out.children[first] = nil
        } else if let c = out.children[first] {
            let rest = c.removingSubtree(at: Array(path.dropFirst()))
            out.children[first] = rest.isEmpty ? nil : rest
        }
        return out
    }

    /// Only `path` and what lies below it.
    public func keepingSubtree(at path: FieldPath) -> FieldSet {
        guard let first = path.first else { return self }
        var out = FieldSet()
        if path.count == 1 {
            if members.contains(first) { out.members.insert(first) }
            if let c = children[first] { out.children[first] = c }
        } else if let c = children[first] {
            let kept = c.keepingSubtree(at: Array(path.dropFirst()))
            if !kept.isEmpty { out.children[first] = kept }
        }
        return out
    }

    /// Every member path, in FieldsV1 order (a path before the paths below it).
    public var paths: [FieldPath] {
        var out: [FieldPath] = []
        collect(prefix: [], into: &out)
        return out
    }

    private func collect(prefix: FieldPath, into out: inout [FieldPath]) {
        for e in Set(members).union(children.keys).sorted() {
            if members.contains(e) { out.append(prefix + [e]) }
            children[e]?.collect(prefix: prefix + [e], into: &out)
        }
    }

    // MARK: FieldsV1

    /// The FieldsV1 object Kubernetes stores in managedFields: `{"f:spec":{"f:replicas":{}}}`, a `"."` member
    /// marking a path that is itself in the set and also has paths below it.
    public var fieldsV1: JSON {
        var o: [String: JSON] = [:]
        for e in members where children[e] == nil { o[e.fieldsV1Key] = .emptyObject }
        for (e, c) in children {
            var sub = c.fieldsV1
            if members.contains(e) { sub["."] = .emptyObject }
            o[e.fieldsV1Key] = sub
        }
        return .object(o)
    }

    /// Reads a FieldsV1 object; members it cannot read are skipped (they could only come from a client
    /// that wrote managedFields itself).
    public init(fieldsV1: JSON) {
        for (key, value) in fieldsV1.members {
            guard let e = PathElement(fieldsV1Key: key) else { continue }
            let inner = value.members
            if inner.isEmpty || inner["."] != nil { members.insert(e) }
            let sub = FieldSet(fieldsV1: value)
            if !sub.isEmpty { children[e] = sub }
        }
    }
}
