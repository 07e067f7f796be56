import KubeAPI

/// PATCH bodies of json-patch, merge-patch and strategic-merge-patch, applied to the current object (server-side
/// apply, the fourth kind, is ServerSideApply's).
enum Patching {
    static func apply(type: String, body: [UInt8], to current: JSON, kind: String, resource: ResourceType) throws -> JSON {
        let media = BodyCodec.mediaType(type)
        do {
            switch media {
            case "application/json-patch+json":
                let ops = try parse(body)
                guard ops.array != nil else { throw APIError.badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch") }
                return try current.applyingJSONPatch(ops)
            case "application/merge-patch+json":
                return current.applyingMergePatch(try parsePatchObject(body))
            case "application/strategic-merge-patch+json":
                return try current.applyingStrategicMergePatch(try parsePatchObject(body), kind: kind)
            default:
                throw APIError.unsupportedMediaType(media)
            }
        } catch let e as APIError {
            throw e
        } catch {
            throw APIError(code: 422, reason: "Invalid", message: "the server rejected our request due to an error in our request: \(error)")
        }
    }

    static func parse(_ body: [UInt8]) throws -> JSON {
        do { return try JSON.parse(body) } catch {
            throw APIError.badRequest("error decoding patch: \(error)")
        }
    }

    static func parsePatchObject(_ body: [UInt8]) throws -> JSON {
        let p = try parse(body)
        guard p.object != nil else { throw APIError.badRequest("error decoding patch: the patch is not a JSON object") }
        return p
    }
}
