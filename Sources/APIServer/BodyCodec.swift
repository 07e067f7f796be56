import Foundation
import KubeAPI
import KubeYAML

/// Turns request bodies into objects, whatever form the client chose: JSON, YAML, or the protobuf envelope
/// that `kubectl create secret|configmap` sends.
enum BodyCodec {
    static let maxBodyBytes = 3 * 1024 * 1024

    struct Decoded {
        var object: JSON
        /// Paths of JSON keys that appeared twice (strict decoding reports them).
        var duplicateFields: [String]
        /// YAML keys that appeared twice, as the YAML decoder words them (`line 5: key "name" already set in map`).
        var yamlDuplicates: [String] = []
        /// The JSON body, kept to put strict-decoding problems in document order when there are several.
        var jsonSource: [UInt8]? = nil

        /// Strict decoding's findings for this body, given the unknown fields of its object.
        func strictReport(unknown: [String]) -> StrictDecodingReport {
            let problems = unknown.count + duplicateFields.count
            let order = problems > 1 ? jsonSource.map(JSON.keyPathsInDocumentOrder) ?? [] : []
            return .forBody(unknown: unknown, jsonDuplicates: duplicateFields, keyOrder: order, yamlDuplicates: yamlDuplicates)
        }
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
            let (object, repeats) = try decodeYAMLReportingDuplicates(body)
            return Decoded(object: object, duplicateFields: [], yamlDuplicates: repeats.map(\.message))
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
            return Decoded(object: object, duplicateFields: duplicates, jsonSource: body)
        } catch {
            throw APIError.badRequest("\(kindHint) in version \"v1\" cannot be handled as a \(kindHint): \(error)")
        }
    }

    static func decodeYAML(_ body: [UInt8], kindHint: String) throws -> JSON {
        try decodeYAMLReportingDuplicates(body).value
    }

    static func decodeYAMLReportingDuplicates(_ body: [UInt8]) throws -> (value: JSON, duplicates: [YAMLToJSON.DuplicateKey]) {
        do {
            return try YAMLToJSON.convertReportingDuplicates(String(decoding: body, as: UTF8.self))
        } catch {
            throw APIError.badRequest("\(error)")
        }
    }
}
