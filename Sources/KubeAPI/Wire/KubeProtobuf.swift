import Foundation

/// Kubernetes' protobuf request bodies (`Content-Type: application/vnd.kubernetes.protobuf`).
///
/// Every `kubectl create <subcommand>` (secret, configmap, namespace, serviceaccount, service,
/// deployment, job, cronjob, role, clusterrole, rolebinding, clusterrolebinding, quota,
/// priorityclass, poddisruptionbudget, ingress, token) posts its object this way and has no JSON
/// fallback, so the server decodes those kinds and handles them like the equivalent JSON request
/// from then on. The body is the 4-byte magic `k8s\0` followed by a runtime.Unknown:
/// {1 typeMeta {1 apiVersion, 2 kind}, 2 raw (the object's own protobuf), 3 contentEncoding,
/// 4 contentType}.
public enum KubeProtobuf {
    public static let contentType = "application/vnd.kubernetes.protobuf"

    /// The magic that starts every Kubernetes protobuf body: "k8s" and a NUL.
    public static let magic: [UInt8] = [0x6b, 0x38, 0x73, 0x00]

    /// Whether a Content-Type header value names Kubernetes protobuf (parameters ignored).
    public static func isProtobuf(contentType header: String) -> Bool {
        let mediaType = header.split(separator: ";", maxSplits: 1).first ?? ""
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == contentType
    }

    /// Decodes a protobuf request body into the JSON object (with apiVersion and kind set)
    /// that the same request would have carried as JSON.
    public static func decodeObject(_ body: [UInt8]) throws -> JSON {
        // Same checks and wording as the apiserver's protobuf serializer.
        if body.isEmpty { throw ProtobufDecodeError.malformed("empty data") }
        guard body.count >= magic.count, Array(body[0..<magic.count]) == magic else {
            throw ProtobufDecodeError.malformed(
                "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]")
        }
        if body.count == magic.count { throw ProtobufDecodeError.malformed("empty body") }

        let envelope = try Envelope(body[magic.count...])
        guard envelope.contentEncoding.isEmpty else {
            throw ProtobufDecodeError.malformed(
                "protobuf body with content encoding \"\(envelope.contentEncoding)\" is not supported")
        }
        switch (envelope.apiVersion, envelope.kind) {
        case ("v1", "Secret"): return try ProtobufCoreObjects.decodeSecret(envelope.raw)
        case ("v1", "ConfigMap"): return try ProtobufCoreObjects.decodeConfigMap(envelope.raw)
        default:
            guard let schema = ProtobufSchemas.topLevelKinds[envelope.apiVersion]?[envelope.kind] else {
                let what = envelope.kind.isEmpty ? "an object without a kind" : "\(envelope.apiVersion), Kind=\(envelope.kind)"
                throw ProtobufDecodeError(
                    .unsupportedKind,
                    "protobuf is only accepted for the kinds kubectl create sends, not \(what); send it as application/json")
            }
            var object = try ProtobufSchemaDecoder.decode(envelope.raw, schema)
            object["apiVersion"] = .string(envelope.apiVersion)
            object["kind"] = .string(envelope.kind)
            // As for Secret and ConfigMap: a body without metadata still gets an (empty) object.
            if object["metadata"] == nil { object["metadata"] = .emptyObject }
            return .object(object)
        }
    }

    /// The runtime.Unknown wrapper around the object's bytes.
    struct Envelope {
        var apiVersion = ""
        var kind = ""
        var raw: ArraySlice<UInt8> = []
        var contentEncoding = ""
        var contentType = ""

        init(_ bytes: ArraySlice<UInt8>) throws {
            var reader = ProtobufWireReader(bytes, context: "runtime.Unknown")
            while let tag = try reader.readTag() {
                switch tag.field {
                case 1:
                    var typeMeta = ProtobufWireReader(try reader.readMessage(tag, "typeMeta"), context: "TypeMeta")
                    while let t = try typeMeta.readTag() {
                        switch t.field {
                        case 1: apiVersion = try typeMeta.readString(t, "apiVersion")
                        case 2: kind = try typeMeta.readString(t, "kind")
                        default: try typeMeta.skip(t)
                        }
                    }
                case 2: raw = try reader.readBytes(tag, "raw")
                case 3: contentEncoding = try reader.readString(tag, "contentEncoding")
                case 4: contentType = try reader.readString(tag, "contentType")
                default: try reader.skip(tag)
                }
            }
        }
    }
}
