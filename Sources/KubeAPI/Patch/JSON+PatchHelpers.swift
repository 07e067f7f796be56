/// Small JSON helpers shared by the patch implementations (prefixed to stay clear of other
/// areas' extensions on the same type).
extension JSON {
    /// The members of an object, leaving `.null` behind so the caller holds the only reference
    /// (no copy-on-write copy when it then mutates them); `[:]` for anything else.
    mutating func patchTakeMembers() -> [String: JSON] {
        guard case .object(let members) = self else { return [:] }
        self = .null
        return members
    }

    /// The array counterpart of `patchTakeMembers()`.
    mutating func patchTakeElements() -> [JSON] {
        guard case .array(let elements) = self else { return [] }
        self = .null
        return elements
    }

    /// The JSON type of a value, for error messages.
    var patchTypeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// Deep equality where `1` and `1.0` are the same number, as they are in JSON text.
    func patchEquals(_ other: JSON) -> Bool {
        switch (self, other) {
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)):
            return Double(a) == b
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.patchEquals($1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let otherValue = b[key], value.patchEquals(otherValue) else { return false }
            }
            return true
        default:
            return self == other
        }
    }
}
