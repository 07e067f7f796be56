/// One step of a field path as server-side apply names fields (structured-merge-diff's PathElement):
/// a member of an object, an item of an associative list by its key fields, an item of a set list by
/// its value, or (for lists whose items carry no key) a position.
public enum PathElement: Hashable, Sendable, Comparable {
    case field(String)
    case key([KeyField])
    case value(JSON)
    case index(Int)

    /// One key field of an associative-list item, e.g. `name: "nginx"`.
    public struct KeyField: Hashable, Sendable {
        public let name: String
        public let value: JSON

        public init(_ name: String, _ value: JSON) {
            self.name = name
            self.value = value.fieldPathNormalized
        }
    }

    /// A key element with its fields in name order, so equal keys are equal elements.
    public static func keyed(_ fields: [(String, JSON)]) -> PathElement {
        .key(fields.map { KeyField($0.0, $0.1) }.sorted { JSONSerializer.utf8Less($0.name, $1.name) })
    }

    /// A set-list item, numbers normalised so `1` and `1.0` name the same item.
    public static func item(_ value: JSON) -> PathElement { .value(value.fieldPathNormalized) }

    /// The member name in a FieldsV1 object: `f:replicas`, `k:{"name":"nginx"}`, `v:"x"`, `i:0`.
    public var fieldsV1Key: String {
        switch self {
        case .field(let name): return "f:" + name
        case .key(let fields):
            var o: [String: JSON] = [:]
            for f in fields { o[f.name] = f.value }
            return "k:" + JSON.object(o).jsonString
        case .value(let v): return "v:" + v.jsonString
        case .index(let i): return "i:\(i)"
        }
    }

    /// Reads a FieldsV1 member name back; nil for anything else (including the `.` marker).
    public init?(fieldsV1Key key: String) {
        guard key.count >= 2, key.dropFirst().first == ":" else { return nil }
        let rest = String(key.dropFirst(2))
        switch key.first {
        case "f": self = .field(rest)
        case "k":
            guard let o = (try? JSON.parse(rest))?.object else { return nil }
            self = .keyed(o.map { ($0.key, $0.value) })
        case "v":
            guard let v = try? JSON.parse(rest) else { return nil }
            self = .item(v)
        case "i":
            guard let i = Int(rest) else { return nil }
            self = .index(i)
        default: return nil
        }
    }

    /// As a conflict message prints it: `.spec`, `[name="nginx"]`, `[=value]`, `[0]`.
    public var pathText: String {
        switch self {
        case .field(let name): return "." + name
        case .key(let fields): return "[" + fields.map { "\($0.name)=\($0.value.jsonString)" }.joined(separator: ",") + "]"
        case .value(let v): return "[=\(v.jsonString)]"
        case .index(let i): return "[\(i)]"
        }
    }

    /// Fields before keys before values before positions, each group in its own order (what the
    /// FieldsV1 encoding and conflict lists follow).
    public static func < (a: PathElement, b: PathElement) -> Bool {
        switch (a, b) {
        case (.field(let x), .field(let y)): return JSONSerializer.utf8Less(x, y)
        case (.index(let x), .index(let y)): return x < y
        default:
            if a.rank != b.rank { return a.rank < b.rank }
            return JSONSerializer.utf8Less(a.fieldsV1Key, b.fieldsV1Key)
        }
    }

    private var rank: Int {
        switch self {
        case .field: return 0
        case .key: return 1
        case .value: return 2
        case .index: return 3
        }
    }
}

/// A path from the object's root, e.g. `.spec.template.spec.containers[name="nginx"].image`.
public typealias FieldPath = [PathElement]

extension Array where Element == PathElement {
    /// The path as Kubernetes prints it in apply conflicts.
    public var pathText: String { map(\.pathText).joined() }
}

extension JSON {
    /// Whole floats as integers, recursively: path elements compare by value, as JSON numbers do.
    var fieldPathNormalized: JSON {
        switch self {
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return .int(Int64(d))
        case .array(let a): return .array(a.map(\.fieldPathNormalized))
        case .object(let o): return .object(o.mapValues(\.fieldPathNormalized))
        default: return self
        }
    }
}
