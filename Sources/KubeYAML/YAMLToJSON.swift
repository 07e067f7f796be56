import KubeAPI
import Yams

/// YAML → JSON the way Kubernetes' sigs.k8s.io/yaml does it: mapping keys become strings, plain scalars keep their
/// resolved YAML type (null, bool, int, float), everything else is a string.
public enum YAMLToJSON {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The first document of `text` (null for an empty one).
    public static func convert(_ text: String) throws -> JSON {
        do {
            guard let node = try Yams.compose(yaml: text) else { return .null }
            return try json(from: node)
        } catch let f as Failure {
            throw f
        } catch {
            throw Failure(description: "error converting YAML to JSON: \(error)")
        }
    }

    static func json(from node: Node) throws -> JSON {
        switch node {
        case .scalar(let s):
            if s.style == .plain {
                switch s.string {
                case "", "~", "null", "Null", "NULL": return .null
                case "true", "True", "TRUE": return .bool(true)
                case "false", "False", "FALSE": return .bool(false)
                default: break
                }
                if let i = Int64(s.string) { return .int(i) }
                if s.string.first.map({ "-+.0123456789".contains($0) }) == true, let d = Double(s.string) { return .double(d) }
            }
            return .string(s.string)
        case .mapping(let m):
            var o: [String: JSON] = [:]
            for (k, v) in m {
                guard case .scalar(let ks) = k else { throw Failure(description: "error converting YAML to JSON: non-scalar mapping key") }
                o[ks.string] = try json(from: v)
            }
            return .object(o)
        case .sequence(let seq):
            return .array(try seq.map { try json(from: $0) })
        case .alias:
            throw Failure(description: "error converting YAML to JSON: aliases are not supported")
        }
    }
}
