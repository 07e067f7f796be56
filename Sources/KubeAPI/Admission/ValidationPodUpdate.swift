// Pod create and update validation (core's ValidatePodCreate / ValidatePodUpdate): a Pod's
// spec is fixed once created, except images, a shorter activeDeadlineSeconds, added
// tolerations, removed scheduling gates, and terminationGracePeriodSeconds 1 after a negative one.

extension Admission {
    static let podUpdatableFields = [
        "`spec.containers[*].image`",
        "`spec.initContainers[*].image`",
        "`spec.activeDeadlineSeconds`",
        "`spec.tolerations` (only additions to existing tolerations)",
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
    ]

    static func validatePodMetadataAndSpec(_ pod: JSON) -> [FieldError] {
        var errs = validateObjectMeta(pod["metadata"], namespaced: true, nameRule: .dns1123Subdomain)
        errs += validatePodSpec(pod["spec"], path: "spec", isTemplate: false)
        return errs
    }

    static func validatePodCreate(_ pod: JSON) -> [FieldError] {
        var errs = validatePodMetadataAndSpec(pod)
        if !pod["spec"]["ephemeralContainers"].elements.isEmpty {
            errs.append(.forbidden("spec.ephemeralContainers", "cannot be set on create"))
        }
        if !(pod["spec"]["nodeName"].string ?? "").isEmpty && !pod["spec"]["schedulingGates"].elements.isEmpty {
            errs.append(.forbidden("spec.nodeName", "cannot be set until all schedulingGates have been cleared"))
        }
        for key in ["containers", "initContainers"] {
            for (i, c) in pod["spec"][key].elements.enumerated() {
                if let image = c["image"].string, image != trimmedSpaces(image) {
                    errs.append(.invalid("spec.\(key)[\(i)].image", .string(image), "must not have leading or trailing whitespace"))
                }
            }
        }
        return errs
    }

    private static func trimmedSpaces(_ s: String) -> String {
        var sub = Substring(s)
        while let f = sub.first, f.isWhitespace { sub = sub.dropFirst() }
        while let l = sub.last, l.isWhitespace { sub = sub.dropLast() }
        return String(sub)
    }

    static func validatePodUpdate(_ pod: JSON, old: JSON) -> [FieldError] {
        var errs = validateObjectMetaUpdate(pod["metadata"], old: old["metadata"])
        errs += validatePodMetadataAndSpec(pod)
        let spec = pod["spec"], oldSpec = old["spec"]

        for key in ["containers", "initContainers"] {
            let new = spec[key].elements, previous = oldSpec[key].elements
            if new.count != previous.count {
                errs.append(.forbidden("spec." + key, "pod updates may not add or remove containers"))
                return errs
            }
            for (i, c) in new.enumerated() {
                let image = c["image"].string ?? ""
                if image.isEmpty { errs.append(.required("spec.\(key)[\(i)].image")) }
                if image != trimmedSpaces(image) {
                    errs.append(.invalid("spec.\(key)[\(i)].image", .string(image), "must not have leading or trailing whitespace"))
                }
            }
        }

        if let deadline = spec["activeDeadlineSeconds"].int {
            if deadline < 0 || deadline > Int64(Int32.max) {
                errs.append(.invalid("spec.activeDeadlineSeconds", .int(deadline), Formats.inclusiveRangeError(0, Int64(Int32.max))))
                return errs
            }
            if let oldDeadline = oldSpec["activeDeadlineSeconds"].int, oldDeadline < deadline {
                errs.append(.invalid("spec.activeDeadlineSeconds", .int(deadline), "must be less than or equal to previous value"))
                return errs
            }
        } else if !oldSpec["activeDeadlineSeconds"].isNull {
            errs.append(.invalid("spec.activeDeadlineSeconds", nil, "must not update from a positive integer to nil value"))
        }

        errs += validateOnlyAddedTolerations(spec["tolerations"], old: oldSpec["tolerations"])

        for gate in spec["schedulingGates"].elements where !oldSpec["schedulingGates"].elements.contains(gate) {
            errs.append(.forbidden("spec.schedulingGates", "only deletion is allowed, but found new scheduling gate '\(gate["name"].string ?? "")'."))
        }

        // Everything else must be unchanged: copy the mutable fields over the old spec and compare.
        var munged = spec
        for key in ["containers", "initContainers"] {
            let oldItems = oldSpec[key].elements
            if case .array(var items) = munged[key] {
                for i in items.indices where i < oldItems.count { items[i]["image"] = oldItems[i]["image"] }
                munged[key] = .array(items)
            }
        }
        munged["activeDeadlineSeconds"] = oldSpec["activeDeadlineSeconds"]
        munged["schedulingGates"] = oldSpec["schedulingGates"]
        munged["tolerations"] = oldSpec["tolerations"]
        if let oldGrace = oldSpec["terminationGracePeriodSeconds"].int, oldGrace < 0,
           munged["terminationGracePeriodSeconds"].int == 1 {
            munged["terminationGracePeriodSeconds"] = oldSpec["terminationGracePeriodSeconds"]
        }
        if normalizedForComparison(munged) != normalizedForComparison(oldSpec) {
            let changed = changedFields(normalizedForComparison(oldSpec), normalizedForComparison(munged), path: "spec")
            errs.append(.forbidden("spec", "pod updates may not change fields other than " + podUpdatableFields.joined(separator: ",")
                                   + "\n" + changed.map { "  changed: " + $0 }.joined(separator: "\n")))
        }
        return errs
    }

    /// Existing tolerations may only have their tolerationSeconds changed; new ones may be added.
    static func validateOnlyAddedTolerations(_ tolerations: JSON, old: JSON) -> [FieldError] {
        let new = tolerations.elements
        for previous in old.elements {
            let found = new.contains { candidate in
                var clone = previous
                clone["tolerationSeconds"] = candidate["tolerationSeconds"]
                return normalizedForComparison(clone) == normalizedForComparison(candidate)
            }
            if !found { return [.forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds")] }
        }
        return validateTolerations(tolerations, path: "spec.tolerations")
    }

    /// The paths whose values differ (a readable stand-in for Kubernetes' Go diff).
    static func changedFields(_ a: JSON, _ b: JSON, path: String) -> [String] {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            return Set(x.keys).union(y.keys).sorted().flatMap { k in
                changedFields(x[k] ?? .null, y[k] ?? .null, path: path + "." + k)
            }
        case (.array(let x), .array(let y)) where x.count == y.count:
            return x.indices.flatMap { changedFields(x[$0], y[$0], path: path + "[\($0)]") }
        default:
            return a == b ? [] : [path]
        }
    }
}
