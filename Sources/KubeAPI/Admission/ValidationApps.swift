// apps/v1 Deployment and ReplicaSet validation (apps' ValidateDeploymentSpec,
// ValidateReplicaSetSpec, ValidatePodTemplateSpecForReplicaSet), and autoscaling/v1 Scale.

extension Admission {
    static func validateDeployment(_ d: JSON) -> [FieldError] {
        validateObjectMeta(d["metadata"], namespaced: true, nameRule: .dns1123Subdomain) + validateDeploymentSpec(d["spec"])
    }

    static func validateDeploymentSpec(_ spec: JSON) -> [FieldError] {
        var errs = validateNonnegative(spec["replicas"], path: "spec.replicas")
        errs += validateWorkloadSelector(spec["selector"])
        errs += validateTemplateForReplicaSet(spec, path: "spec.template")
        errs += validateDeploymentStrategy(spec["strategy"])
        errs += validateNonnegative(spec["minReadySeconds"], path: "spec.minReadySeconds")
        errs += validateNonnegative(spec["revisionHistoryLimit"], path: "spec.revisionHistoryLimit")
        if let deadline = spec["progressDeadlineSeconds"].int {
            errs += validateNonnegative(.int(deadline), path: "spec.progressDeadlineSeconds")
            if deadline <= spec["minReadySeconds"].int ?? 0 {
                errs.append(.invalid("spec.progressDeadlineSeconds", .int(deadline), "must be greater than minReadySeconds"))
            }
        }
        return errs
    }

    static func validateReplicaSet(_ rs: JSON) -> [FieldError] {
        let spec = rs["spec"]
        var errs = validateObjectMeta(rs["metadata"], namespaced: true, nameRule: .dns1123Subdomain)
        errs += validateNonnegative(spec["replicas"], path: "spec.replicas")
        errs += validateNonnegative(spec["minReadySeconds"], path: "spec.minReadySeconds")
        errs += validateWorkloadSelector(spec["selector"])
        errs += validateTemplateForReplicaSet(spec, path: "spec.template")
        return errs
    }

    /// The selector must be present and non-empty. (ReplicaSets get the Deployment wording too:
    /// Kubernetes shares the message.)
    static func validateWorkloadSelector(_ selector: JSON) -> [FieldError] {
        guard case .object = selector else { return [.required("spec.selector")] }
        var errs = validateLabelSelector(selector, path: "spec.selector")
        if selectorIsEmpty(selector) {
            errs.append(.invalid("spec.selector", nil, "empty selector is invalid for deployment", goValue: GoSyntax.labelSelector(selector)))
        }
        return errs
    }

    /// The template must carry labels the selector matches, restart Always, and be a valid pod template.
    static func validateTemplateForReplicaSet(_ spec: JSON, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let template = spec["template"]
        let selector = spec["selector"]
        let labels = template["metadata"]["labels"]
        // A missing selector matches nothing; an empty one matches everything (and is reported above).
        if selector.isNull || !selectorIsEmpty(selector), !selectorMatches(selector, labels: labels.stringMap) {
            errs.append(.invalid(path + ".metadata.labels", labels, "`selector` does not match template `labels`",
                                 goValue: GoSyntax.stringMap(labels.object.map { $0.mapValues { $0.string ?? "" } })))
        }
        errs += validatePodTemplateSpec(template, path: path)
        let restart = template["spec"]["restartPolicy"].string ?? ""
        if restart != "Always" {
            errs.append(.notSupported(path + ".spec.restartPolicy", .string(restart), ["Always"]))
        }
        if !template["spec"]["activeDeadlineSeconds"].isNull {
            errs.append(.forbidden(path + ".spec.activeDeadlineSeconds", "activeDeadlineSeconds in ReplicaSet is not Supported"))
        }
        return errs
    }

    /// A PodTemplateSpec. Kubernetes reports template label and annotation problems at
    /// `<template>.labels`, without `.metadata`.
    static func validatePodTemplateSpec(_ template: JSON, path: String) -> [FieldError] {
        var errs = validateLabels(template["metadata"]["labels"], path: path + ".labels")
        errs += validateAnnotations(template["metadata"]["annotations"], path: path + ".annotations")
        errs += validatePodSpec(template["spec"], path: path + ".spec", isTemplate: true)
        return errs
    }

    static func validateDeploymentStrategy(_ strategy: JSON) -> [FieldError] {
        let path = "spec.strategy"
        switch strategy["type"].string ?? "" {
        case "Recreate":
            if !strategy["rollingUpdate"].isNull {
                return [.forbidden(path + ".rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")]
            }
            return []
        case "RollingUpdate":
            let ru = strategy["rollingUpdate"]
            guard case .object = ru else { return [.required(path + ".rollingUpdate", "this should be defaulted and never be nil")] }
            var errs: [FieldError] = []
            for key in ["maxUnavailable", "maxSurge"] {
                errs += validatePositiveIntOrPercent(ru[key], path: path + ".rollingUpdate." + key)
            }
            if intOrPercentValue(ru["maxUnavailable"]) == 0 && intOrPercentValue(ru["maxSurge"]) == 0 {
                errs.append(.invalid(path + ".rollingUpdate.maxUnavailable", ru["maxUnavailable"], "may not be 0 when `maxSurge` is 0",
                                     goValue: intOrStringGo(ru["maxUnavailable"])))
            }
            if let s = ru["maxUnavailable"].string, let v = percentValue(s), v > 100 {
                errs.append(.invalid(path + ".rollingUpdate.maxUnavailable", .string(s), "must not be greater than 100%",
                                     goValue: intOrStringGo(ru["maxUnavailable"])))
            }
            return errs
        case let other:
            let rollingUpdate = strategy["rollingUpdate"].isNull ? "(*apps.RollingUpdateDeployment)(nil)" : "(*apps.RollingUpdateDeployment)(0x0)"
            return [.notSupported(path, nil, ["Recreate", "RollingUpdate"],
                                  goValue: "apps.DeploymentStrategy{Type:\(GoSyntax.quote(other)), RollingUpdate:\(rollingUpdate)}")]
        }
    }

    /// IntOrString as Go's `%#v` prints it (errors show the whole struct).
    static func intOrStringGo(_ v: JSON) -> String {
        if let s = v.string { return "intstr.IntOrString{Type:1, IntVal:0, StrVal:\(GoSyntax.quote(s))}" }
        return "intstr.IntOrString{Type:0, IntVal:\(v.int ?? 0), StrVal:\"\"}"
    }

    static func percentValue(_ s: String) -> Int64? {
        guard s.hasSuffix("%") else { return nil }
        return Int64(s.dropLast())
    }

    static func intOrPercentValue(_ v: JSON) -> Int64 {
        if let s = v.string { return percentValue(s) ?? 0 }
        return v.int ?? 0
    }

    static func validatePositiveIntOrPercent(_ v: JSON, path: String) -> [FieldError] {
        if let s = v.string {
            guard let p = percentValue(s) else {
                return [.invalid(path, .string(s), "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")]
            }
            return p < 0 ? [.invalid(path, .string(s), isNegative)] : []
        }
        if let i = v.int, i < 0 { return [.invalid(path, .int(i), isNegative)] }
        return []
    }

    static func validateScale(_ scale: JSON) -> [FieldError] {
        var errs = validateObjectMeta(scale["metadata"], namespaced: true, nameRule: .dns1123Subdomain)
        if let r = scale["spec"]["replicas"].int, r < 0 {
            errs.append(.invalid("spec.replicas", .int(r), isNegative))
        }
        return errs
    }

    /// apps/v1 selectors are immutable once set.
    static func validateSelectorUnchanged(_ new: JSON, old: JSON) -> [FieldError] {
        let newSelector = new["spec"]["selector"], oldSelector = old["spec"]["selector"]
        guard normalizedForComparison(newSelector) != normalizedForComparison(oldSelector) else { return [] }
        return [.invalid("spec.selector", newSelector, fieldImmutable, goValue: GoSyntax.labelSelector(newSelector))]
    }

    /// Kubernetes compares with "semantic" equality, where empty and missing lists and maps
    /// are the same; drop empty containers and nulls before comparing JSON.
    static func normalizedForComparison(_ value: JSON) -> JSON {
        switch value {
        case .object(let members):
            var out: [String: JSON] = [:]
            for (k, v) in members {
                let n = normalizedForComparison(v)
                switch n {
                case .null: continue
                case .array(let a) where a.isEmpty: continue
                default: out[k] = n
                }
            }
            return .object(out)
        case .array(let items): return .array(items.map(normalizedForComparison))
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return .int(Int64(d))
        default: return value
        }
    }
}
