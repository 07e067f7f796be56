import KubeAPI
import KubeStore

/// An error that renders itself as Kubernetes' `Status`, with the reason and HTTP code the API server uses.
public struct APIError: Error, CustomStringConvertible, Sendable {
    public let code: Int
    public let reason: String
    public let message: String
    public var details: JSON = .null
    /// A fully built Status (used for 422 Invalid, whose causes come from validation).
    public var status: JSON? = nil

    public var description: String { "\(code) \(reason): \(message)" }

    public init(code: Int, reason: String, message: String, details: JSON = .null) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
    }

    /// The `Status` object sent to the client.
    public var statusObject: JSON {
        if let status { return status }
        var s: JSON = ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                       "message": .string(message), "code": .int(Int64(code))]
        // An error Kubernetes has no reason for (a plain Go error) has none in its Status: kubectl then prints
        // `Error from server: <message>`.
        if !reason.isEmpty { s["reason"] = .string(reason) }
        if !details.isNull { s["details"] = details }
        return s
    }

    static func details(_ resource: ResourceType, name: String) -> JSON {
        var d: JSON = ["name": .string(name), "kind": .string(resource.plural)]
        if !resource.group.isEmpty { d["group"] = .string(resource.group) }
        return d
    }

    public static func notFound(_ resource: ResourceType, _ name: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "\(resource.qualifiedName) \"\(name)\" not found",
                 details: details(resource, name: name))
    }

    public static func namespaceNotFound(_ name: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "namespaces \"\(name)\" not found",
                 details: ["name": .string(name), "kind": "namespaces"])
    }

    public static func alreadyExists(_ resource: ResourceType, _ name: String) -> APIError {
        APIError(code: 409, reason: "AlreadyExists",
                 message: "\(resource.qualifiedName) \"\(name)\" already exists", details: details(resource, name: name))
    }

    public static func conflict(_ resource: ResourceType, _ name: String) -> APIError {
        APIError(code: 409, reason: "Conflict",
                 message: "Operation cannot be fulfilled on \(resource.qualifiedName) \"\(name)\": the object has been modified; please apply your changes to the latest version and try again",
                 details: details(resource, name: name))
    }

    public static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message)
    }

    /// 422 Invalid with Kubernetes' Status: `<Kind> "<name>" is invalid: <errors>`, and one cause per error, from
    /// which kubectl prints its message.
    public static func invalid(kind: String, group: String, _ name: String, _ errors: [FieldError]) -> APIError {
        let status = Admission.invalidStatus(kind: kind, group: group, name: name, errors: errors)
        var e = APIError(code: 422, reason: "Invalid", message: status["message"].string ?? "\(kind) \"\(name)\" is invalid")
        e.status = status
        return e
    }

    public static func invalid(_ resource: ResourceType, _ name: String, _ errors: [FieldError]) -> APIError {
        invalid(kind: resource.kind, group: resource.group, name, errors)
    }

    public static func invalid(_ resource: ResourceType, _ name: String, _ errors: FieldError...) -> APIError {
        invalid(kind: resource.kind, group: resource.group, name, errors)
    }

    /// This error answered with a Status built elsewhere (its code and reason stay).
    func withStatus(_ status: JSON) -> APIError {
        var e = self
        e.status = status
        return e
    }

    public static let unauthorized = APIError(code: 401, reason: "Unauthorized", message: "Unauthorized")

    public static func forbidden(_ message: String) -> APIError {
        APIError(code: 403, reason: "Forbidden", message: message)
    }

    /// What Kubernetes' router answers for a method the path does not serve (the route exists, the method not).
    public static let methodNotAllowed = APIError(code: 405, reason: "MethodNotAllowed",
                                                  message: "the server does not allow this method on the requested resource",
                                                  details: [:])

    /// What Kubernetes' router answers when no type in `Accept` is one it produces.
    public static let notAcceptable = APIError(code: 406, reason: "NotAcceptable", message: "406: Not Acceptable", details: [:])

    public static func unsupportedMediaType(_ type: String) -> APIError {
        APIError(code: 415, reason: "UnsupportedMediaType",
                 message: "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got \(type))")
    }

    public static func gone(_ message: String) -> APIError {
        APIError(code: 410, reason: "Expired", message: message)
    }

    /// A continued list whose snapshot is no longer retained; `next` continues from the same place in the current state.
    static func expiredContinue(next: String) -> APIError {
        var e = APIError.gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
        var status = e.statusObject
        status["metadata"] = ["continue": .string(next)]
        e.status = status
        return e
    }

    public static let tooLarge = APIError(code: 413, reason: "RequestEntityTooLarge",
                                          message: "Request entity too large: limit is 3145728")

    public static let pageNotFound = APIError(code: 404, reason: "NotFound",
                                              message: "the server could not find the requested resource")

    public static func internalError(_ message: String) -> APIError {
        APIError(code: 500, reason: "InternalError", message: "Internal error occurred: \(message)")
    }

    /// Maps a store failure onto the Status Kubernetes would send for it.
    static func from(_ error: StoreError, _ resource: ResourceType) -> APIError {
        switch error {
        case .notFound(let k): return .notFound(resource, k.name)
        case .alreadyExists(let k): return .alreadyExists(resource, k.name)
        case .conflict(let k, _, _): return .conflict(resource, k.name)
        case .gone(let requested, let compactedThrough):
            // Kubernetes' watch cache names the oldest version one may still start from: the one before its oldest event.
            return .gone("too old resource version: \(requested) (\(compactedThrough))")
        case .storage(let m): return .internalError(m)
        }
    }
}
