// What `fieldValidation=Strict|Warn` reports for one request, in the order and words of the
// API server's strict decoder: unknown fields (paths the kind's Go types do not have) and keys
// given twice, in JSON (`duplicate field "spec.paused"`) or YAML
// (`line 12: key "paused" already set in map`).

public struct StrictDecodingReport: Sendable, Equatable {
    /// The parts of the 400/422 message after `strict decoding error: `, joined with `, `.
    public var errors: [String]
    /// One `Warning` header text each, under `fieldValidation=Warn`.
    public var warnings: [String]

    public var isEmpty: Bool { errors.isEmpty }

    /// The error under `fieldValidation=Strict`: `strict decoding error: unknown field "metadata.type", ...`.
    public var strictDecodingError: String { "strict decoding error: " + errors.joined(separator: ", ") }

    public init(errors: [String], warnings: [String]) {
        self.errors = errors
        self.warnings = warnings
    }

    /// A POST or PUT body. JSON bodies: Go's decoder reports each problem where it meets it, so unknown
    /// fields (at their first appearance) and repeats (at the repeat) interleave in document order, which
    /// `keyOrder` (every key path in document order, see `JSON.keyPathsInDocumentOrder`) restores; a key
    /// that is both unknown and repeated is reported as unknown only. YAML bodies: the YAML decoder's
    /// repeats come first as one error (one warning each), then the unknown fields in sorted order,
    /// because the YAML is converted to JSON with sorted keys before it is decoded.
    public static func forBody(unknown: [String], jsonDuplicates: [String], keyOrder: [String],
                               yamlDuplicates: [String]) -> StrictDecodingReport
    {
        let unknownTexts = unknown.map(unknownField)
        if !yamlDuplicates.isEmpty {
            let yamlError = "yaml: unmarshal errors:\n  " + yamlDuplicates.joined(separator: "\n  ")
            return StrictDecodingReport(errors: [yamlError] + unknownTexts, warnings: yamlDuplicates + unknownTexts)
        }
        let repeats = jsonDuplicates.filter { d in !unknown.contains { isSameOrInside(d, $0) } }
        var problems: [(position: Int, text: String)] = []
        for path in unknown { problems.append((occurrence(of: path, number: 1, in: keyOrder), unknownField(path))) }
        for path in repeats { problems.append((occurrence(of: path, number: 2, in: keyOrder), duplicateField(path))) }
        let ordered = stableSorted(problems).map(\.text)
        return StrictDecodingReport(errors: ordered, warnings: ordered)
    }

    /// A merge or strategic-merge patch: the patch's own repeated keys (in document order), then the
    /// unknown fields of the patched object, in sorted order (the patched object is a Go map).
    public static func forPatch(patchDuplicates: [String], keyOrder: [String], unknown: [String]) -> StrictDecodingReport {
        let repeats = stableSorted(patchDuplicates.map { (occurrence(of: $0, number: 2, in: keyOrder), duplicateField($0)) })
        let texts = repeats.map(\.text) + unknown.map(unknownField)
        return StrictDecodingReport(errors: texts, warnings: texts)
    }

    static func unknownField(_ path: String) -> String { "unknown field \"\(path)\"" }
    static func duplicateField(_ path: String) -> String { "duplicate field \"\(path)\"" }

    /// Whether `path` is `outer` or lies inside it (`spec.x.y` in `spec.x`, `spec.x[0]` in `spec.x`).
    static func isSameOrInside(_ path: String, _ outer: String) -> Bool {
        path == outer || path.hasPrefix(outer + ".") || path.hasPrefix(outer + "[")
    }

    /// Where the n-th appearance of `path` is in the document; problems not found there go last.
    static func occurrence(of path: String, number: Int, in order: [String]) -> Int {
        var seen = 0
        for (i, p) in order.enumerated() where p == path {
            seen += 1
            if seen == number { return i }
        }
        return Int.max
    }

    static func stableSorted(_ items: [(position: Int, text: String)]) -> [(position: Int, text: String)] {
        items.enumerated().sorted { ($0.element.position, $0.offset) < ($1.element.position, $1.offset) }.map(\.element)
    }
}

extension Admission {
    /// Go's `%q` (and `%#v`) of a string, for messages that quote what the client sent.
    public static func goQuoted(_ s: String) -> String { GoSyntax.quote(s) }

    /// Go's `%+v` of a decoded JSON value (`map[spec:map[replicas:3]]`), as patch errors show the patch.
    public static func goPlainValue(_ value: JSON) -> String {
        switch value {
        case .null: return "<nil>"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return GoSyntax.formatFloat(d)
        case .string(let s): return s
        case .array(let items): return "[" + items.map(goPlainValue).joined(separator: " ") + "]"
        case .object(let members):
            return "map[" + members.keys.sorted().map { "\($0):\(goPlainValue(members[$0]!))" }.joined(separator: " ") + "]"
        }
    }
}
