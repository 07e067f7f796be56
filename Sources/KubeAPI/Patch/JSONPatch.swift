/// RFC 6902 JSON patch (`application/json-patch+json`, `kubectl patch --type=json`): a list of
/// add/remove/replace/move/copy/test operations addressed by RFC 6901 JSON pointers. Operations
/// apply in order and the whole patch fails on the first one that does not apply.
public struct JSONPatchError: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension JSON {
    public func applyingJSONPatch(_ operations: JSON) throws(JSONPatchError) -> JSON {
        guard case .array(let ops) = operations else {
            throw JSONPatchError("a JSON patch must be a list of operations, got \(operations.patchTypeName)")
        }
        var doc = self
        for (index, op) in ops.enumerated() {
            try JSONPatchOperation(op, index: index).apply(to: &doc)
        }
        return doc
    }
}

/// One decoded operation. Absent and `null` values are told apart: `{"op":"add","value":null}`
/// adds a null, while a missing `value` is an error.
private struct JSONPatchOperation {
    enum Kind: String { case add, remove, replace, move, copy, test }

    let kind: Kind
    let path: String
    let pathTokens: [String]
    let from: String
    let fromTokens: [String]
    let value: JSON?

    init(_ op: JSON, index: Int) throws(JSONPatchError) {
        guard case .object(let members) = op else {
            throw JSONPatchError("JSON patch operation \(index) must be an object, got \(op.patchTypeName)")
        }
        guard let name = members["op"]?.string else {
            throw JSONPatchError("JSON patch operation \(index) is missing the \"op\" field")
        }
        guard let kind = Kind(rawValue: name) else {
            throw JSONPatchError(
                "JSON patch operation \(index) has unknown op \"\(name)\": must be add, remove, replace, move, copy or test")
        }
        self.kind = kind
        guard let path = members["path"]?.string else {
            throw JSONPatchError("\(name) operation is missing the \"path\" field")
        }
        self.path = path
        pathTokens = try JSONPointer.tokens(path, operation: name)
        if kind == .move || kind == .copy {
            guard let from = members["from"]?.string else {
                throw JSONPatchError("\(name) operation is missing the \"from\" field")
            }
            self.from = from
            fromTokens = try JSONPointer.tokens(from, operation: name)
        } else {
            from = ""
            fromTokens = []
        }
        value = members["value"]
        if value == nil && (kind == .add || kind == .replace || kind == .test) {
            throw JSONPatchError("\(name) operation is missing the \"value\" field for path \"\(path)\"")
        }
    }

    func apply(to doc: inout JSON) throws(JSONPatchError) {
        switch kind {
        case .add:
            try JSONPointer.add(value!, at: pathTokens[...], in: &doc, operation: "add", path: path)
        case .remove:
            _ = try JSONPointer.remove(at: pathTokens[...], in: &doc, operation: "remove", path: path)
        case .replace:
            _ = try JSONPointer.remove(at: pathTokens[...], in: &doc, operation: "replace", path: path)
            try JSONPointer.add(value!, at: pathTokens[...], in: &doc, operation: "replace", path: path)
        case .move:
            if pathTokens.count > fromTokens.count && Array(pathTokens.prefix(fromTokens.count)) == fromTokens {
                throw JSONPatchError("move operation does not apply: cannot move \"\(from)\" into its own child \"\(path)\"")
            }
            let moved = try JSONPointer.remove(at: fromTokens[...], in: &doc, operation: "move", path: from)
            try JSONPointer.add(moved, at: pathTokens[...], in: &doc, operation: "move", path: path)
        case .copy:
            guard let copied = JSONPointer.get(fromTokens[...], in: doc) else {
                throw JSONPatchError("copy operation does not apply: doc is missing from path: \"\(from)\"")
            }
            try JSONPointer.add(copied, at: pathTokens[...], in: &doc, operation: "copy", path: path)
        case .test:
            guard let actual = JSONPointer.get(pathTokens[...], in: doc) else {
                throw JSONPatchError("test operation does not apply: doc is missing path: \"\(path)\"")
            }
            if !actual.patchEquals(value!) {
                throw JSONPatchError("test operation failed: the value at \"\(path)\" is not the expected value")
            }
        }
    }
}
