/// A JSON value as Kubernetes objects travel: the API server works on objects "unstructured",
/// the way the apiserver's generic registry and kubectl's unstructured client do, so one code
/// path serves every kind.
public enum JSON: Hashable, Sendable {
    case null
    case bool(Bool)
    /// Integers are kept apart from floating point: ports, replicas and modes must round-trip
    /// exactly and print without a fraction.
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])
}

extension JSON {
    public static let emptyObject = JSON.object([:])

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var array: [JSON]? { if case .array(let a) = self { return a } else { return nil } }
    public var object: [String: JSON]? { if case .object(let o) = self { return o } else { return nil } }

    /// The value as an integer, accepting a float with no fraction (YAML and some clients send 80.0).
    public var int: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return Int64(d)
        default: return nil
        }
    }

    public var double: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// Member access that reads `.null` for anything missing, and on assignment creates the
    /// intermediate objects; assigning `.null` removes the key (as a merge patch would).
    public subscript(key: String) -> JSON {
        get {
            if case .object(let o) = self { return o[key] ?? .null }
            return .null
        }
        set {
            var o: [String: JSON]
            if case .object(let existing) = self { o = existing } else { o = [:] }
            if newValue.isNull { o.removeValue(forKey: key) } else { o[key] = newValue }
            self = .object(o)
        }
    }

    public subscript(index: Int) -> JSON {
        get {
            if case .array(let a) = self, a.indices.contains(index) { return a[index] }
            return .null
        }
        set {
            guard case .array(var a) = self, a.indices.contains(index) else { return }
            a[index] = newValue
            self = .array(a)
        }
    }

    /// Follows a path of keys; `json[path: ["metadata", "name"]]`.
    public subscript(path path: [String]) -> JSON {
        get { path.reduce(self) { $0[$1] } }
        set {
            guard let first = path.first else { self = newValue; return }
            var child = self[first]
            child[path: Array(path.dropFirst())] = newValue
            self[first] = child
        }
    }

    /// The members of an object, or none.
    public var members: [String: JSON] { object ?? [:] }
    /// The elements of an array, or none.
    public var elements: [JSON] { array ?? [] }

    /// A string map such as labels or annotations; non-string values are skipped.
    public var stringMap: [String: String] {
        var out: [String: String] = [:]
        for (k, v) in members { if let s = v.string { out[k] = s } }
        return out
    }

    public init(_ map: [String: String]) {
        self = .object(map.mapValues { .string($0) })
    }
}

/// No ExpressibleByNilLiteral on purpose: with it, `nil` in a `JSON?` context silently becomes `.null`.
extension JSON: ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) {
        var o: [String: JSON] = [:]
        for (k, v) in elements { o[k] = v }
        self = .object(o)
    }
}

/// Convenience accessors for the object metadata every Kubernetes object carries.
extension JSON {
    public var apiVersion: String? { self["apiVersion"].string }
    public var kind: String? { self["kind"].string }
    public var metadata: JSON { self["metadata"] }
    public var name: String? { self["metadata"]["name"].string }
    public var namespace: String? { self["metadata"]["namespace"].string }
    public var labels: [String: String] { self["metadata"]["labels"].stringMap }
    public var annotations: [String: String] { self["metadata"]["annotations"].stringMap }
    public var resourceVersion: String? { self["metadata"]["resourceVersion"].string }
    public var uid: String? { self["metadata"]["uid"].string }
}
