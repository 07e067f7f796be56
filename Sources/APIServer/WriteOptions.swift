import Foundation
import KubeAPI

/// How the client asked a write to be carried out (query parameters and DeleteOptions).
struct WriteOptions: Sendable {
    enum FieldValidation: String, Sendable { case strict = "Strict", warn = "Warn", ignore = "Ignore" }

    var dryRun = false
    var fieldValidation: FieldValidation = .warn
    var fieldManager: String?
    var force = false

    init() {}

    init(query: Query) throws {
        if let d = query["dryRun"], !d.isEmpty {
            guard d == "All" else { throw APIError.badRequest("Invalid dryRun value: \(d): supported values: \"All\"") }
            dryRun = true
        }
        if let v = query["fieldValidation"], !v.isEmpty {
            guard let fv = FieldValidation(rawValue: v) else {
                throw APIError.badRequest("fieldValidation: Unsupported value: \"\(v)\": supported values: \"Ignore\", \"Strict\", \"Warn\"")
            }
            fieldValidation = fv
        }
        fieldManager = query["fieldManager"]
        force = query.bool("force")
    }
}

/// DeleteOptions, from the body or the query (kubectl sends `{"propagationPolicy":"Background"}`).
struct DeleteOptions: Sendable {
    enum Propagation: String, Sendable { case background = "Background", foreground = "Foreground", orphan = "Orphan" }
    var propagation: Propagation?
    var gracePeriodSeconds: Int64?
    var preconditionUID: String?
    var preconditionResourceVersion: String?
    var dryRun = false

    init(query: Query, body: JSON) throws {
        if let p = body["propagationPolicy"].string ?? query["propagationPolicy"] {
            guard let v = Propagation(rawValue: p) else {
                throw APIError.badRequest("propagationPolicy: Unsupported value: \"\(p)\": supported values: \"Background\", \"Foreground\", \"Orphan\"")
            }
            propagation = v
        } else if let orphan = body["orphanDependents"].bool ?? query["orphanDependents"].map({ $0 == "true" }) {
            propagation = orphan ? .orphan : .background
        }
        gracePeriodSeconds = body["gracePeriodSeconds"].int ?? query["gracePeriodSeconds"].flatMap { Int64($0) }
        preconditionUID = body["preconditions"]["uid"].string
        preconditionResourceVersion = body["preconditions"]["resourceVersion"].string
        dryRun = (body["dryRun"].elements.contains("All")) || query["dryRun"] == "All"
    }
}

enum Clock {
    /// RFC 3339 with second precision, as metav1.Time serialises.
    static func timestamp(_ date: Date = Date()) -> String { formatRFC3339(date) }

    /// RFC 3339 with microseconds, as metav1.MicroTime serialises (Events, Leases).
    static func microTimestamp(_ date: Date = Date()) -> String {
        let base = timestamp(date).dropLast()
        let micros = Int((date.timeIntervalSince1970 - floor(date.timeIntervalSince1970)) * 1_000_000)
        let s = String(micros)
        return base + "." + String(repeating: "0", count: 6 - s.count) + s + "Z"
    }
}
