import CYaml
import KubeAPI

/// YAML → JSON the way Kubernetes' sigs.k8s.io/yaml does it: mapping keys become strings, plain scalars keep their
/// resolved YAML type (null, bool, int, float), everything else is a string. A key repeated in one mapping keeps
/// its last value, as the non-strict decoder does; the repeats are reported for strict field validation.
///
/// Built on libyaml's event parser (the one Yams wraps) because Yams' composer refuses repeated keys outright,
/// and Kubernetes accepts them unless the client asked for `fieldValidation=Strict`.
public enum YAMLToJSON {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// A mapping key that appeared again in the same mapping, where the repeat is (1-based line).
    public struct DuplicateKey: Equatable, Sendable {
        public let line: Int
        public let key: String

        /// The strict decoder's wording for one repeat: `line 12: key "paused" already set in map`.
        public var message: String { "line \(line): key \(Admission.goQuoted(key)) already set in map" }
    }

    /// The first document of `text` (null for an empty one).
    public static func convert(_ text: String) throws -> JSON {
        try convertReportingDuplicates(text).value
    }

    /// The document and every repeated mapping key in it, in document order.
    public static func convertReportingDuplicates(_ text: String) throws -> (value: JSON, duplicates: [DuplicateKey]) {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return (.null, []) }
        return try bytes.withUnsafeMutableBufferPointer { buffer in
            var composer = try EventComposer(buffer)
            defer { composer.close() }
            return try composer.document()
        }
    }
}

/// Walks libyaml's events and builds JSON values.
private struct EventComposer: ~Copyable {
    private var parser = yaml_parser_t()
    private(set) var duplicates: [YAMLToJSON.DuplicateKey] = []

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) throws {
        guard yaml_parser_initialize(&parser) == 1 else {
            throw YAMLToJSON.Failure(description: "error converting YAML to JSON: yaml: out of memory")
        }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
    }

    mutating func close() { yaml_parser_delete(&parser) }

    /// Stream start, one document (or none), stream end.
    mutating func document() throws -> (value: JSON, duplicates: [YAMLToJSON.DuplicateKey]) {
        var event = try next()
        if event.type == YAML_STREAM_START_EVENT { event = try next() }
        guard event.type == YAML_DOCUMENT_START_EVENT else { return (.null, []) }
        let value = try node(try next())
        _ = try next()  // document end
        let after = try next()
        if after.type == YAML_DOCUMENT_START_EVENT {
            throw YAMLToJSON.Failure(description: "error converting YAML to JSON: yaml: expected a single document in the stream but found another document")
        }
        return (value, duplicates)
    }

    /// One event, copied out of libyaml's struct so it can be freed at once.
    private struct Event {
        var type: yaml_event_type_t
        var scalar: String = ""
        var plain = false
        var line = 0
    }

    private mutating func next() throws -> Event {
        var raw = yaml_event_t()
        guard yaml_parser_parse(&parser, &raw) == 1 else { throw failure() }
        defer { yaml_event_delete(&raw) }
        var e = Event(type: raw.type, line: Int(raw.start_mark.line) + 1)
        if raw.type == YAML_SCALAR_EVENT {
            let s = raw.data.scalar
            e.scalar = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
            e.plain = s.style == YAML_PLAIN_SCALAR_STYLE
        }
        return e
    }

    private mutating func node(_ event: Event) throws -> JSON {
        switch event.type {
        case YAML_SCALAR_EVENT:
            return event.plain ? Self.resolvePlain(event.scalar) : .string(event.scalar)
        case YAML_SEQUENCE_START_EVENT:
            var items: [JSON] = []
            while true {
                let e = try next()
                if e.type == YAML_SEQUENCE_END_EVENT { return .array(items) }
                items.append(try node(e))
            }
        case YAML_MAPPING_START_EVENT:
            var members: [String: JSON] = [:]
            while true {
                let k = try next()
                if k.type == YAML_MAPPING_END_EVENT { return .object(members) }
                guard k.type == YAML_SCALAR_EVENT else {
                    throw YAMLToJSON.Failure(description: "error converting YAML to JSON: non-scalar mapping key")
                }
                let value = try node(try next())
                if members.updateValue(value, forKey: k.scalar) != nil {
                    duplicates.append(.init(line: k.line, key: k.scalar))
                }
            }
        case YAML_ALIAS_EVENT:
            throw YAMLToJSON.Failure(description: "error converting YAML to JSON: aliases are not supported")
        default:
            throw YAMLToJSON.Failure(description: "error converting YAML to JSON: unexpected YAML event \(event.type.rawValue)")
        }
    }

    /// YAML's plain-scalar resolution, as far as Kubernetes objects need it.
    static func resolvePlain(_ s: String) -> JSON {
        switch s {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if let i = Int64(s) { return .int(i) }
        if s.first.map({ "-+.0123456789".contains($0) }) == true, let d = Double(s) { return .double(d) }
        return .string(s)
    }

    /// libyaml's problem, worded as Go's yaml package words it (`yaml: line 3: mapping values are not allowed in
    /// this context`); Go numbers scanner problems from 1 and parser problems from 0, and so does this.
    private func failure() -> YAMLToJSON.Failure {
        var line = Int(parser.problem_mark.line)
        if line != 0 {
            if parser.error == YAML_SCANNER_ERROR { line += 1 }
        } else {
            line = Int(parser.context_mark.line)
        }
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem parsing YAML content"
        let at = line != 0 ? "line \(line): " : ""
        return YAMLToJSON.Failure(description: "error converting YAML to JSON: yaml: \(at)\(problem)")
    }
}
