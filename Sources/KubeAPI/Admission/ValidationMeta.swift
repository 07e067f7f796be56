// ObjectMeta, labels, annotations and label selectors: the checks every kind shares
// (apimachinery's ValidateObjectMeta / ValidateObjectMetaUpdate).

extension Admission {
    static let totalAnnotationSizeLimit = 256 * 1024
    static let fieldImmutable = "field is immutable"
    static let isNegative = "must be greater than or equal to 0"

    /// Metadata checks on create. `namespaced` kinds need a namespace; cluster-scoped kinds
    /// are expected to have had theirs cleared by the server.
    static func validateObjectMeta(_ meta: JSON, namespaced: Bool, nameRule: Formats.NameRule, path: String = "metadata") -> [FieldError] {
        var errs: [FieldError] = []
        let generateName = meta["generateName"].string ?? ""
        if !generateName.isEmpty {
            for msg in nameRule.check(generateName, prefix: true) {
                errs.append(.invalid(path + ".generateName", .string(generateName), msg))
            }
        }
        let name = meta["name"].string ?? ""
        if name.isEmpty {
            errs.append(.required(path + ".name", "name or generateName is required"))
        } else {
            for msg in nameRule.check(name, prefix: false) {
                errs.append(.invalid(path + ".name", .string(name), msg))
            }
        }
        if namespaced {
            let namespace = meta["namespace"].string ?? ""
            if namespace.isEmpty {
                errs.append(.required(path + ".namespace"))
            } else {
                for msg in Formats.dns1123Label(namespace) {
                    errs.append(.invalid(path + ".namespace", .string(namespace), msg))
                }
            }
        }
        if let generation = meta["generation"].int, generation < 0 {
            errs.append(.invalid(path + ".generation", .int(generation), isNegative))
        }
        errs += validateLabels(meta["labels"], path: path + ".labels")
        errs += validateAnnotations(meta["annotations"], path: path + ".annotations")
        errs += validateOwnerReferences(meta["ownerReferences"], path: path + ".ownerReferences")
        errs += validateFinalizers(meta["finalizers"], path: path + ".finalizers")
        errs += validateKubeFinalizers(meta["finalizers"], path: path + ".finalizers")
        return errs
    }

    /// The API's own extra finalizer rule, reported per index: an unqualified finalizer must be
    /// one of the standard ones.
    static func validateKubeFinalizers(_ finalizers: JSON, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, f) in finalizers.elements.enumerated() {
            let name = f.string ?? ""
            for msg in Formats.qualifiedName(name) { errs.append(.invalid(path + "[\(i)]", .string(name), msg)) }
            if !name.contains("/") && !standardFinalizers.contains(name) {
                errs.append(.invalid(path + "[\(i)]", .string(name), "name is neither a standard finalizer name nor is it fully qualified"))
            }
        }
        return errs
    }

    /// Metadata checks on update: identity and timestamps may not change.
    static func validateObjectMetaUpdate(_ meta: JSON, old: JSON, path: String = "metadata") -> [FieldError] {
        var errs: [FieldError] = []
        if let newGen = meta["generation"].int, let oldGen = old["generation"].int, newGen < oldGen {
            errs.append(.invalid(path + ".generation", .int(newGen), "must not be decremented"))
        }
        for key in ["name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"] {
            let newValue = meta[key], oldValue = old[key]
            if newValue != oldValue {
                errs.append(.invalid(path + "." + key, immutableValue(newValue, key: key), fieldImmutable))
            }
        }
        errs += validateLabels(meta["labels"], path: path + ".labels")
        errs += validateAnnotations(meta["annotations"], path: path + ".annotations")
        errs += validateOwnerReferences(meta["ownerReferences"], path: path + ".ownerReferences")
        errs += validateKubeFinalizers(meta["finalizers"], path: path + ".finalizers")
        if !old["deletionTimestamp"].isNull {
            // An object being deleted may lose finalizers but not gain them.
            let oldSet = Set(old["finalizers"].elements.compactMap(\.string))
            for f in meta["finalizers"].elements.compactMap(\.string) where !oldSet.contains(f) {
                errs.append(.forbidden(path + ".finalizers", "no new finalizers can be added if the object is being deleted, found new finalizers []string{\(GoSyntax.quote(f))}"))
            }
        }
        return errs
    }

    /// How an immutable metadata value prints: strings quoted, timestamps as Go prints a
    /// metav1.Time struct's String() (close enough: the RFC 3339 text), missing ones as "".
    private static func immutableValue(_ value: JSON, key: String) -> JSON {
        if value.isNull { return key == "deletionGracePeriodSeconds" || key == "deletionTimestamp" ? .null : "" }
        return value
    }

    static func validateLabels(_ labels: JSON, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let members = labels.members
        for key in members.keys.sorted() {
            for msg in Formats.qualifiedName(key) { errs.append(.invalid(path, .string(key), msg)) }
            let value = members[key]!.string ?? ""
            for msg in Formats.labelValue(value) { errs.append(.invalid(path, .string(value), msg)) }
        }
        return errs
    }

    static func validateAnnotations(_ annotations: JSON, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let members = annotations.members
        var size = 0
        for key in members.keys.sorted() {
            // Annotation keys are qualified names, compared case-insensitively.
            for msg in Formats.qualifiedName(key.lowercased()) { errs.append(.invalid(path, .string(key), msg)) }
            size += key.utf8.count + (members[key]!.string ?? "").utf8.count
        }
        if size > totalAnnotationSizeLimit { errs.append(.tooLong(path, maxBytes: totalAnnotationSizeLimit)) }
        return errs
    }

    static func validateOwnerReferences(_ refs: JSON, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        var firstController = ""
        for ref in refs.elements {
            let apiVersion = ref["apiVersion"].string ?? ""
            let version = apiVersion.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? ""
            if version.isEmpty || apiVersion.split(separator: "/", omittingEmptySubsequences: false).count > 2 {
                errs.append(.invalid(path + ".apiVersion", .string(apiVersion), "version must not be empty"))
            }
            for key in ["kind", "name", "uid"] where (ref[key].string ?? "").isEmpty {
                errs.append(.invalid(path + "." + key, .string(ref[key].string ?? ""), "must not be empty"))
            }
            if ref["controller"].bool == true {
                let current = (ref["kind"].string ?? "") + "/" + (ref["name"].string ?? "")
                if !firstController.isEmpty {
                    errs.append(.invalid(path, .string(firstController), "Only one reference can have Controller set to true. Found \"true\" in references for \(firstController) and \(current)"))
                } else {
                    firstController = current
                }
            }
        }
        return errs
    }

    static func validateFinalizers(_ finalizers: JSON, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let names = finalizers.elements.compactMap(\.string)
        for name in names {
            for msg in Formats.qualifiedName(name) { errs.append(.invalid(path, .string(name), msg)) }
        }
        if names.contains("orphan") && names.contains("foregroundDeletion") {
            errs.append(.invalid(path, .array(finalizers.elements), "finalizer orphan and foregroundDeletion cannot be both set",
                                 goValue: GoSyntax.stringSlice(names)))
        }
        return errs
    }

    static func validateNonnegative(_ value: JSON, path: String) -> [FieldError] {
        if let v = value.int, v < 0 { return [.invalid(path, .int(v), isNegative)] }
        return []
    }

    // MARK: label selectors

    static func validateLabelSelector(_ selector: JSON, path: String) -> [FieldError] {
        guard case .object = selector else { return [] }
        var errs = validateLabels(selector["matchLabels"], path: path + ".matchLabels")
        for (i, expr) in selector["matchExpressions"].elements.enumerated() {
            let p = path + ".matchExpressions[\(i)]"
            let op = expr["operator"].string ?? ""
            let values = expr["values"].elements
            switch op {
            case "In", "NotIn":
                if values.isEmpty { errs.append(.required(p + ".values", "must be specified when `operator` is 'In' or 'NotIn'")) }
            case "Exists", "DoesNotExist":
                if !values.isEmpty { errs.append(.forbidden(p + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")) }
            default:
                errs.append(.invalid(p + ".operator", .string(op), "not a valid selector operator"))
            }
            let key = expr["key"].string ?? ""
            for msg in Formats.qualifiedName(key) { errs.append(.invalid(p + ".key", .string(key), msg)) }
            for (j, v) in values.enumerated() {
                let s = v.string ?? ""
                for msg in Formats.labelValue(s) { errs.append(.invalid(p + ".values[\(j)]", .string(s), msg)) }
            }
        }
        return errs
    }

    /// Whether a label selector matches a label set (a missing selector matches nothing).
    public static func selectorMatches(_ selector: JSON, labels: [String: String]) -> Bool {
        guard case .object = selector else { return false }
        for (key, value) in selector["matchLabels"].stringMap where labels[key] != value { return false }
        for expr in selector["matchExpressions"].elements {
            let key = expr["key"].string ?? ""
            let values = Set(expr["values"].elements.compactMap(\.string))
            switch expr["operator"].string ?? "" {
            case "In": guard let v = labels[key], values.contains(v) else { return false }
            case "NotIn": if let v = labels[key], values.contains(v) { return false }
            case "Exists": if labels[key] == nil { return false }
            case "DoesNotExist": if labels[key] != nil { return false }
            default: return false
            }
        }
        return true
    }

    /// Whether the selector selects everything (no requirements at all).
    static func selectorIsEmpty(_ selector: JSON) -> Bool {
        selector["matchLabels"].members.isEmpty && selector["matchExpressions"].elements.isEmpty
    }
}
