import KubeAPI

/// metadata.managedFields for the registry's writes: the scope a write is tracked in and the manager it is
/// recorded under (the pure rules live in KubeAPI's FieldManager).
enum ManagedFields {
    /// What a write through `subresource` can own: the status subresource owns status, scale owns
    /// spec.replicas, finalize spec.finalizers; the main resource everything but a status it cannot write.
    static func scope(_ t: ResourceType, subresource: String?) -> FieldManagerScope {
        let tracked: TrackedFields
        switch subresource {
        case nil: tracked = Registry.hasStatusSubresource(t) ? .allButStatus : .all
        case "status": tracked = .only(TrackedFields.statusPath)
        case "scale": tracked = .only(TrackedFields.replicasPath)
        case "finalize": tracked = .only([.field("spec"), .field("finalizers")])
        default: tracked = .all
        }
        return FieldManagerScope(kind: t.admissionKind, apiVersion: t.apiVersion, subresource: subresource, tracked: tracked)
    }

    /// Records a create (`old` nil), update or non-apply patch as an Update by the request's manager.
    static func recordWrite(_ t: ResourceType, old: JSON?, new: inout JSON, subresource: String?, options: WriteOptions) {
        FieldManager.recordUpdate(old: old, new: &new, manager: options.fieldManager ?? "",
                                  scope: scope(t, subresource: subresource), now: Clock.timestamp())
    }
}

extension ManagedFields {
    /// Kubernetes' limit on a manager name.
    static let maxManagerBytes = 128

    /// The manager kube-apiserver records when a request names none: the User-Agent up to its first "/",
    /// printable characters only, at most 128 bytes (`kubectl/v1.32.4 (linux/amd64) …` → `kubectl`).
    static func manager(fromUserAgent userAgent: String?) -> String {
        var out = ""
        for ch in (userAgent ?? "").split(separator: "/", omittingEmptySubsequences: false).first ?? "" {
            guard ch.unicodeScalars.allSatisfy(\.isPrintable) else { continue }
            if out.utf8.count + String(ch).utf8.count > maxManagerBytes { break }
            out.append(ch)
        }
        return out
    }

    /// The checks of Create/Update/PatchOptions on field management: a manager name of printable characters
    /// and at most 128 bytes, required for apply; `force` only with apply. 422 Invalid on `<optionsKind>`.
    static func validate(fieldManager: String?, forceGiven: Bool, optionsKind: String, apply: Bool) throws {
        var errors: [FieldError] = []
        if optionsKind == "PatchOptions" {
            if !apply && forceGiven {
                errors.append(.forbidden("force", "may not be specified for non-apply patch"))
            } else if apply && (fieldManager ?? "").isEmpty {
                errors.append(.required("fieldManager", "is required for apply patch"))
            }
        }
        if let m = fieldManager {
            if m.utf8.count > maxManagerBytes { errors.append(.tooLong("fieldManager", maxBytes: maxManagerBytes)) }
            for (i, scalar) in m.unicodeScalars.enumerated() where !scalar.isPrintable {
                let code = String(scalar.value, radix: 16, uppercase: true)
                errors.append(.invalid("fieldManager", .string(m),
                                       "invalid character U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code) (at position \(i))"))
            }
        }
        guard !errors.isEmpty else { return }
        throw APIError.invalid(kind: optionsKind, group: "meta.k8s.io", "", errors)
    }
}

extension Unicode.Scalar {
    /// Go's unicode.IsPrint, near enough: letters, marks, numbers, punctuation, symbols and the ASCII space.
    var isPrintable: Bool {
        if self == " " { return true }
        switch properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }
}
