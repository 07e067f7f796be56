import Foundation
import KubeAPI
import KubeYAML

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
        do {
            return try YAMLToJSON.convert(String(decoding: body, as: UTF8.self))
        } catch {
            throw APIError.badRequest("\(error)")
        }
    }
}
