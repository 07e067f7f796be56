/// RFC 6901 pointers: `/a/b/0`, with `~1` for `/` and `~0` for `~` inside a token, and `-` for
/// the position after an array's last element.
enum JSONPointer {
    static func tokens(_ pointer: String, operation: String) throws(JSONPatchError) -> [String] {
        if pointer.isEmpty { return [] }
        guard pointer.hasPrefix("/") else {
            throw JSONPatchError("\(operation) operation has an invalid path \"\(pointer)\": a JSON pointer must start with \"/\"")
        }
        var tokens: [String] = []
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            guard raw.contains("~") else {
                tokens.append(String(raw))
                continue
            }
            var token = ""
            var escaping = false
            for c in raw {
                if escaping {
                    switch c {
                    case "0": token.append("~")
                    case "1": token.append("/")
                    default:
                        throw JSONPatchError(
                            "\(operation) operation has an invalid path \"\(pointer)\": \"~\" must be followed by 0 or 1")
                    }
                    escaping = false
                } else if c == "~" {
                    escaping = true
                } else {
                    token.append(c)
                }
            }
            if escaping {
                throw JSONPatchError("\(operation) operation has an invalid path \"\(pointer)\": \"~\" must be followed by 0 or 1")
            }
            tokens.append(token)
        }
        return tokens
    }

    /// An array index token: `0` or a digit string without leading zeros.
    static func index(_ token: String) -> Int? {
        guard !token.isEmpty, token.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        if token.count > 1 && token.hasPrefix("0") { return nil }
        return Int(token)
    }

    static func get(_ tokens: ArraySlice<String>, in doc: JSON) -> JSON? {
        guard let token = tokens.first else { return doc }
        switch doc {
        case .object(let members):
            guard let child = members[token] else { return nil }
            return get(tokens.dropFirst(), in: child)
        case .array(let elements):
            guard let i = index(token), i < elements.count else { return nil }
            return get(tokens.dropFirst(), in: elements[i])
        default:
            return nil
        }
    }

    static func add(
        _ value: JSON, at tokens: ArraySlice<String>, in doc: inout JSON, operation: String, path: String
    ) throws(JSONPatchError) {
        guard let token = tokens.first else {
            doc = value
            return
        }
        let last = tokens.count == 1
        switch doc {
        case .object:
            var members = doc.patchTakeMembers()
            defer { doc = .object(members) }
            if last {
                members[token] = value
            } else {
                guard var child = members.removeValue(forKey: token) else {
                    throw missing(operation, path)
                }
                defer { members[token] = child }
                try add(value, at: tokens.dropFirst(), in: &child, operation: operation, path: path)
            }
        case .array:
            var elements = doc.patchTakeElements()
            defer { doc = .array(elements) }
            if last {
                if token == "-" {
                    elements.append(value)
                    return
                }
                guard let i = index(token) else { throw badIndex(operation, path, token) }
                guard i <= elements.count else { throw outOfBounds(operation, path, i, elements.count) }
                elements.insert(value, at: i)
            } else {
                guard let i = index(token), i < elements.count else { throw missing(operation, path) }
                try add(value, at: tokens.dropFirst(), in: &elements[i], operation: operation, path: path)
            }
        default:
            throw missing(operation, path)
        }
    }

    /// Removes and returns the value at the pointer, which must exist.
    static func remove(
        at tokens: ArraySlice<String>, in doc: inout JSON, operation: String, path: String
    ) throws(JSONPatchError) -> JSON {
        guard let token = tokens.first else {
            // Removing the root leaves nothing; replace (remove + add) then puts the new root.
            let old = doc
            doc = .null
            return old
        }
        let last = tokens.count == 1
        switch doc {
        case .object:
            var members = doc.patchTakeMembers()
            defer { doc = .object(members) }
            guard var child = members.removeValue(forKey: token) else { throw missing(operation, path) }
            if last { return child }
            defer { members[token] = child }
            return try remove(at: tokens.dropFirst(), in: &child, operation: operation, path: path)
        case .array:
            var elements = doc.patchTakeElements()
            defer { doc = .array(elements) }
            guard let i = index(token) else {
                if token == "-" { throw missing(operation, path) }
                throw badIndex(operation, path, token)
            }
            guard i < elements.count else {
                if last { throw outOfBounds(operation, path, i, elements.count) }
                throw missing(operation, path)
            }
            if last { return elements.remove(at: i) }
            return try remove(at: tokens.dropFirst(), in: &elements[i], operation: operation, path: path)
        default:
            throw missing(operation, path)
        }
    }

    private static func missing(_ operation: String, _ path: String) -> JSONPatchError {
        JSONPatchError("\(operation) operation does not apply: doc is missing path: \"\(path)\"")
    }

    private static func badIndex(_ operation: String, _ path: String, _ token: String) -> JSONPatchError {
        JSONPatchError("\(operation) operation does not apply: \"\(token)\" is not a valid array index in path \"\(path)\"")
    }

    private static func outOfBounds(_ operation: String, _ path: String, _ i: Int, _ count: Int) -> JSONPatchError {
        JSONPatchError(
            "\(operation) operation does not apply: index \(i) is out of bounds for an array of length \(count) in path \"\(path)\"")
    }
}
