import Foundation
import KubeAPI
import Yams

/// Turns request bodies into objects, whatever form the client chose: JSON, YAML, or the protobuf envelope
/// that `kubectl create secret|configmap` sends.
enum BodyCodec {
    static let maxBodyBytes = 3 * 1024 * 1024

    struct Decoded {
        var object: JSON
        /// Fields that appeared twice (strict decoding reports them).
        var duplicateFields: [String]
    }

    static func mediaType(_ contentType: String?) -> String {
        guard let ct = contentType else { return "application/json" }
        return ct.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    static func decode(_ body: [UInt8], contentType: String?, kindHint: String) throws -> Decoded {
        let media = mediaType(contentType)
        switch media {
        case "application/json", "*/*", "":
            return try decodeJSON(body, kindHint: kindHint)
        case "application/yaml", "application/x-yaml", "text/yaml", "application/apply-patch+yaml":
            return Decoded(object: try decodeYAML(body, kindHint: kindHint), duplicateFields: [])
        case "application/vnd.kubernetes.protobuf":
            do {
                return Decoded(object: try KubeProtobuf.decodeObject(body), duplicateFields: [])
            } catch {
                throw APIError.unsupportedMediaType("\(media): \(error)")
            }
        default:
            throw APIError.unsupportedMediaType(media)
        }
    }

    static func decodeJSON(_ body: [UInt8], kindHint: String) throws -> Decoded {
        var duplicates: [String] = []
        do {
            let object = try JSON.parse(body, duplicateKeys: &duplicates)
            return Decoded(object: object, duplicateFields: duplicates)
        } catch {
            throw APIError.badRequest("\(kindHint) in version \"v1\" cannot be handled as a \(kindHint): \(error)")
        }
    }

    static func decodeYAML(_ body: [UInt8], kindHint: String) throws -> JSON {
        let text = String(decoding: body, as: UTF8.self)
        do {
            guard let node = try Yams.compose(yaml: text) else { return .null }
            return try json(from: node)
        } catch let e as APIError {
            throw e
        } catch {
            throw APIError.badRequest("error converting YAML to JSON: \(error)")
        }
    }

    /// YAML → JSON the way Kubernetes' sigs.k8s.io/yaml does it: mapping keys become strings, scalars keep their
    /// resolved YAML type.
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
                guard case .scalar(let ks) = k else { throw APIError.badRequest("error converting YAML to JSON: non-scalar mapping key") }
                o[ks.string] = try json(from: v)
            }
            return .object(o)
        case .sequence(let seq):
            return .array(try seq.map { try json(from: $0) })
        case .alias:
            throw APIError.badRequest("error converting YAML to JSON: aliases are not supported")
        }
    }
}
