// PodSpec validation (core's ValidatePodSpec): volumes, containers, ports, env, mounts,
// probes, resources, policies and scheduling fields. Shared by Pods and pod templates.

extension Admission {
    static let supportedProtocols = ["SCTP", "TCP", "UDP"]
    static let fileModeError = "must be a number between 0 and 0777 (octal), both inclusive"

    static func validatePodSpec(_ spec: JSON, path: String, isTemplate: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        let (volumeNames, volumeErrs) = validateVolumes(spec["volumes"], path: path + ".volumes")
        errs += volumeErrs
        let containers = spec["containers"].elements
        if containers.isEmpty {
            errs.append(.required(path + ".containers"))
        } else {
            var names = Set<String>()
            for (i, c) in containers.enumerated() {
                let p = path + ".containers[\(i)]"
                errs += validateContainerCommon(c, volumes: volumeNames, path: p)
                let name = c["name"].string ?? ""
                if names.contains(name) { errs.append(.duplicate(p + ".name", .string(name))) } else { names.insert(name) }
                errs += validateLifecycle(c["lifecycle"], path: p + ".lifecycle")
                errs += validateProbe(c["livenessProbe"], path: p + ".livenessProbe", successMustBeOne: true)
                errs += validateProbe(c["readinessProbe"], path: p + ".readinessProbe", successMustBeOne: false)
                errs += validateProbe(c["startupProbe"], path: p + ".startupProbe", successMustBeOne: true)
                if !c["restartPolicy"].isNull {
                    errs.append(.forbidden(p + ".restartPolicy", "may not be set for non-init containers"))
                }
            }
        }
        errs += validateInitContainers(spec["initContainers"].elements, regular: containers, volumes: volumeNames, path: path + ".initContainers")
        if spec["hostNetwork"].bool == true {
            // On the host network a container port is its host port (templates may leave it 0).
            for (i, c) in containers.enumerated() {
                for (j, port) in c["ports"].elements.enumerated() {
                    let host = port["hostPort"].int ?? 0, container = port["containerPort"].int ?? 0
                    if (!isTemplate || host != 0) && host != container {
                        errs.append(.invalid(path + ".containers[\(i)].ports[\(j)].hostPort", .int(host), "must match `containerPort` when `hostNetwork` is true"))
                    }
                }
            }
        }
        errs += validateRestartPolicy(spec["restartPolicy"], path: path + ".restartPolicy")
        errs += validateDNSPolicy(spec, path: path)
        errs += validateLabels(spec["nodeSelector"], path: path + ".nodeSelector")
        errs += validateTopologySpread(spec["topologySpreadConstraints"], path: path + ".topologySpreadConstraints")
        for (key, rule) in [("serviceAccountName", Formats.NameRule.dns1123Subdomain), ("nodeName", .dns1123Subdomain)] {
            if let v = spec[key].string, !v.isEmpty {
                for msg in rule.check(v, prefix: false) { errs.append(.invalid(path + "." + key, .string(v), msg)) }
            }
        }
        if let deadline = spec["activeDeadlineSeconds"].int, deadline < 1 || deadline > Int64(Int32.max) {
            errs.append(.invalid(path + ".activeDeadlineSeconds", .int(deadline), Formats.inclusiveRangeError(1, Int64(Int32.max))))
        }
        for key in ["hostname", "subdomain"] {
            if let v = spec[key].string, !v.isEmpty {
                for msg in Formats.dns1123Label(v) { errs.append(.invalid(path + "." + key, .string(v), msg)) }
            }
        }
        errs += validateTolerations(spec["tolerations"], path: path + ".tolerations")
        if let v = spec["priorityClassName"].string, !v.isEmpty {
            for msg in Formats.dns1123Subdomain(v) { errs.append(.invalid(path + ".priorityClassName", .string(v), msg)) }
        }
        if let policy = spec["preemptionPolicy"].string, policy != "PreemptLowerPriority", policy != "Never" {
            errs.append(.notSupported(path + ".preemptionPolicy", .string(policy), ["Never", "PreemptLowerPriority"]))
        }
        if isTemplate, !spec["ephemeralContainers"].elements.isEmpty {
            errs.append(.forbidden(path + ".ephemeralContainers", "ephemeral containers not allowed in pod template"))
        }
        return errs
    }

    // MARK: containers

    static func validateContainerCommon(_ c: JSON, volumes: Set<String>, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let name = c["name"].string ?? ""
        if name.isEmpty {
            errs.append(.required(path + ".name"))
        } else {
            for msg in Formats.dns1123Label(name) { errs.append(.invalid(path + ".name", .string(name), msg)) }
        }
        if (c["image"].string ?? "").isEmpty { errs.append(.required(path + ".image")) }
        switch c["terminationMessagePolicy"].string ?? "" {
        case "File", "FallbackToLogsOnError": break
        case "": errs.append(.required(path + ".terminationMessagePolicy"))
        case let other: errs.append(.notSupported(path + ".terminationMessagePolicy", .string(other), ["File", "FallbackToLogsOnError"]))
        }
        errs += validateContainerPorts(c["ports"], path: path + ".ports")
        errs += validateEnv(c["env"], path: path + ".env")
        errs += validateVolumeMounts(c["volumeMounts"], volumes: volumes, path: path + ".volumeMounts")
        switch c["imagePullPolicy"].string ?? "" {
        case "Always", "IfNotPresent", "Never": break
        case "": errs.append(.required(path + ".imagePullPolicy"))
        case let other: errs.append(.notSupported(path + ".imagePullPolicy", .string(other), ["Always", "IfNotPresent", "Never"]))
        }
        errs += validateResources(c["resources"], path: path + ".resources")
        return errs
    }

    static func validateInitContainers(_ initContainers: [JSON], regular: [JSON], volumes: Set<String>, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        var names = Set(regular.compactMap { $0["name"].string })
        for (i, c) in initContainers.enumerated() {
            let p = path + "[\(i)]"
            errs += validateContainerCommon(c, volumes: volumes, path: p)
            let name = c["name"].string ?? ""
            if names.contains(name) { errs.append(.duplicate(p + ".name", .string(name))) } else { names.insert(name) }
            let restartPolicy = c["restartPolicy"]
            if let policy = restartPolicy.string, policy != "Always" {
                errs.append(.notSupported(p + ".restartPolicy", .string(policy), ["Always"]))
            }
            if restartPolicy.string == "Always" {
                // Sidecars may have probes and lifecycle hooks like regular containers.
                errs += validateLifecycle(c["lifecycle"], path: p + ".lifecycle")
                errs += validateProbe(c["livenessProbe"], path: p + ".livenessProbe", successMustBeOne: true)
                errs += validateProbe(c["readinessProbe"], path: p + ".readinessProbe", successMustBeOne: false)
                errs += validateProbe(c["startupProbe"], path: p + ".startupProbe", successMustBeOne: true)
            } else {
                for key in ["lifecycle", "livenessProbe", "readinessProbe", "startupProbe"] where !c[key].isNull {
                    errs.append(.forbidden(p + "." + key, "may not be set for init containers without restartPolicy=Always"))
                }
            }
        }
        return errs
    }

    static func validateContainerPorts(_ ports: JSON, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        var names = Set<String>()
        for (i, port) in ports.elements.enumerated() {
            let p = path + "[\(i)]"
            if let name = port["name"].string, !name.isEmpty {
                let msgs = Formats.portName(name)
                if !msgs.isEmpty {
                    for msg in msgs { errs.append(.invalid(p + ".name", .string(name), msg)) }
                } else if names.contains(name) {
                    errs.append(.duplicate(p + ".name", .string(name)))
                } else {
                    names.insert(name)
                }
            }
            let containerPort = port["containerPort"].int ?? 0
            if containerPort == 0 {
                errs.append(.required(p + ".containerPort"))
            } else {
                for msg in Formats.portNumber(containerPort) { errs.append(.invalid(p + ".containerPort", .int(containerPort), msg)) }
            }
            if let hostPort = port["hostPort"].int, hostPort != 0 {
                for msg in Formats.portNumber(hostPort) { errs.append(.invalid(p + ".hostPort", .int(hostPort), msg)) }
            }
            errs += validateProtocol(port["protocol"], path: p + ".protocol")
        }
        return errs
    }

    static func validateProtocol(_ value: JSON, path: String) -> [FieldError] {
        let proto = value.string ?? ""
        if proto.isEmpty { return [.required(path)] }
        if !supportedProtocols.contains(proto) { return [.notSupported(path, .string(proto), supportedProtocols)] }
        return []
    }

    static let envFieldPaths = [
        "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
        "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
    ]
    static let volumeFieldPaths = [
        "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid",
    ]

    static func validateEnv(_ env: JSON, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, e) in env.elements.enumerated() {
            let p = path + "[\(i)]"
            let name = e["name"].string ?? ""
            if name.isEmpty {
                errs.append(.required(p + ".name"))
            } else if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value > 0x7E || $0 == "=" }) {
                errs.append(.invalid(p + ".name", .string(name), "a valid environment variable name must consist only of printable ASCII characters other than '='"))
            }
            let from = e["valueFrom"]
            guard case .object = from else { continue }
            let fp = p + ".valueFrom"
            var sources = 0
            if case .object = from["fieldRef"] {
                sources += 1
                errs += validateFieldRef(from["fieldRef"], allowed: envFieldPaths, path: fp + ".fieldRef")
            }
            if case .object = from["resourceFieldRef"] {
                sources += 1
                if (from["resourceFieldRef"]["resource"].string ?? "").isEmpty {
                    errs.append(.required(fp + ".resourceFieldRef.resource"))
                }
            }
            for key in ["configMapKeyRef", "secretKeyRef"] {
                let ref = from[key]
                guard case .object = ref else { continue }
                sources += 1
                let refName = ref["name"].string ?? ""
                for msg in Formats.dns1123Subdomain(refName) { errs.append(.invalid(fp + "." + key + ".name", .string(refName), msg)) }
                let k = ref["key"].string ?? ""
                if k.isEmpty {
                    errs.append(.required(fp + "." + key + ".key"))
                } else {
                    for msg in Formats.configMapKey(k) { errs.append(.invalid(fp + "." + key + ".key", .string(k), msg)) }
                }
            }
            if sources == 0 {
                errs.append(.invalid(fp, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
            } else if !(e["value"].string ?? "").isEmpty {
                errs.append(.invalid(fp, "", "may not be specified when `value` is not empty"))
            } else if sources > 1 {
                errs.append(.invalid(fp, "", "may not have more than one field specified at a time"))
            }
        }
        return errs
    }

    static func validateFieldRef(_ ref: JSON, allowed: [String], path: String) -> [FieldError] {
        if (ref["apiVersion"].string ?? "").isEmpty { return [.required(path + ".apiVersion")] }
        let fieldPath = ref["fieldPath"].string ?? ""
        if fieldPath.isEmpty { return [.required(path + ".fieldPath")] }
        // metadata.labels['key'] and metadata.annotations['key'] select one entry.
        if let open = fieldPath.firstIndex(of: "["), fieldPath.hasSuffix("']") {
            let base = String(fieldPath[..<open])
            let subscriptStart = fieldPath.index(open, offsetBy: 2, limitedBy: fieldPath.endIndex) ?? fieldPath.endIndex
            let subscriptEnd = fieldPath.index(fieldPath.endIndex, offsetBy: -2)
            let selected = subscriptStart <= subscriptEnd ? String(fieldPath[subscriptStart..<subscriptEnd]) : ""
            switch base {
            case "metadata.annotations":
                return Formats.qualifiedName(selected.lowercased()).map { .invalid(path, .string(selected.lowercased()), $0) }
            case "metadata.labels":
                return Formats.qualifiedName(selected).map { .invalid(path, .string(selected), $0) }
            default:
                return [.invalid(path, .string(base), "does not support subscript")]
            }
        }
        if !allowed.contains(fieldPath) { return [.notSupported(path + ".fieldPath", .string(fieldPath), allowed)] }
        return []
    }

    static func validateVolumeMounts(_ mounts: JSON, volumes: Set<String>, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        var mountPoints = Set<String>()
        for (i, m) in mounts.elements.enumerated() {
            let p = path + "[\(i)]"
            let name = m["name"].string ?? ""
            if name.isEmpty { errs.append(.required(p + ".name")) }
            if !volumes.contains(name) { errs.append(.notFound(p + ".name", .string(name))) }
            let mountPath = m["mountPath"].string ?? ""
            if mountPath.isEmpty { errs.append(.required(p + ".mountPath")) }
            if mountPoints.contains(mountPath) {
                errs.append(.invalid(p + ".mountPath", .string(mountPath), "must be unique"))
            }
            mountPoints.insert(mountPath)
            // Kubernetes reports subPath problems against the list's path, without the index.
            if let subPath = m["subPath"].string, !subPath.isEmpty {
                errs += validateLocalDescendingPath(subPath, path: path + ".subPath")
            }
            if let expr = m["subPathExpr"].string, !expr.isEmpty {
                if let subPath = m["subPath"].string, !subPath.isEmpty {
                    errs.append(.invalid(p + ".subPathExpr", .string(expr), "subPathExpr and subPath are mutually exclusive"))
                }
                errs += validateLocalDescendingPath(expr, path: path + ".subPathExpr")
            }
            if let propagation = m["mountPropagation"].string,
               !["None", "HostToContainer", "Bidirectional"].contains(propagation) {
                errs.append(.notSupported(p + ".mountPropagation", .string(propagation), ["Bidirectional", "HostToContainer", "None"]))
            }
        }
        return errs
    }

    static func validateLocalDescendingPath(_ target: String, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if target.hasPrefix("/") { errs.append(.invalid(path, .string(target), "must be a relative path")) }
        if target.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
            errs.append(.invalid(path, .string(target), "must not contain '..'"))
        }
        return errs
    }

    static func validateLocalNonReservedPath(_ target: String, path: String) -> [FieldError] {
        var errs = validateLocalDescendingPath(target, path: path)
        // "../x" is already reported as containing '..'.
        if target.hasPrefix("..") && !target.hasPrefix("../") { errs.append(.invalid(path, .string(target), "must not start with '..'")) }
        return errs
    }

    // MARK: probes and hooks

    static func validateProbe(_ probe: JSON, path: String, successMustBeOne: Bool) -> [FieldError] {
        guard case .object = probe else { return [] }
        var errs = validateHandler(probe, path: path, kinds: ["exec", "httpGet", "tcpSocket", "grpc"])
        for key in ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"] {
            errs += validateNonnegative(probe[key], path: path + "." + key)
        }
        if let grace = probe["terminationGracePeriodSeconds"].int, grace <= 0 {
            errs.append(.invalid(path + ".terminationGracePeriodSeconds", .int(grace), "must be greater than 0"))
        }
        if successMustBeOne, let s = probe["successThreshold"].int, s != 1 {
            errs.append(.invalid(path + ".successThreshold", .int(s), "must be 1"))
        }
        return errs
    }

    static func validateLifecycle(_ lifecycle: JSON, path: String) -> [FieldError] {
        guard case .object = lifecycle else { return [] }
        var errs: [FieldError] = []
        for hook in ["postStart", "preStop"] {
            guard case .object = lifecycle[hook] else { continue }
            errs += validateHandler(lifecycle[hook], path: path + "." + hook, kinds: ["exec", "httpGet", "tcpSocket", "sleep"])
        }
        return errs
    }

    /// Exactly one handler (exec, httpGet, tcpSocket, grpc or sleep), each well formed.
    static func validateHandler(_ handler: JSON, path: String, kinds: [String]) -> [FieldError] {
        var errs: [FieldError] = []
        var count = 0
        for kind in kinds {
            let h = handler[kind]
            guard case .object = h else { continue }
            if count > 0 {
                errs.append(.forbidden(path + "." + kind, "may not specify more than 1 handler type"))
                continue
            }
            count += 1
            let p = path + "." + kind
            switch kind {
            case "exec":
                if h["command"].elements.isEmpty { errs.append(.required(p + ".command")) }
            case "httpGet":
                if (h["path"].string ?? "").isEmpty { errs.append(.required(p + ".path")) }
                errs += validatePortNumOrName(h["port"], path: p + ".port")
                let scheme = h["scheme"].string ?? ""
                if scheme != "HTTP" && scheme != "HTTPS" { errs.append(.notSupported(p + ".scheme", .string(scheme), ["HTTP", "HTTPS"])) }
            case "tcpSocket":
                errs += validatePortNumOrName(h["port"], path: p + ".port")
            case "grpc":
                for msg in Formats.portNumber(h["port"].int ?? 0) { errs.append(.invalid(p + ".port", .int(h["port"].int ?? 0), msg)) }
            case "sleep":
                if let s = h["seconds"].int, s <= 0 { errs.append(.invalid(p + ".seconds", .int(s), "must be greater than 0")) }
            default: break
            }
        }
        if count == 0 { errs.append(.required(path, "must specify a handler type")) }
        return errs
    }

    /// An IntOrString port: a number in range, or an IANA service name.
    static func validatePortNumOrName(_ port: JSON, path: String) -> [FieldError] {
        if let name = port.string {
            return Formats.portName(name).map { .invalid(path, .string(name), $0) }
        }
        let n = port.int ?? 0
        return Formats.portNumber(n).map { .invalid(path, .int(n), $0) }
    }

    // MARK: resources

    static let standardContainerResources: Set<String> = ["cpu", "memory", "ephemeral-storage"]

    /// Native resources (no domain, or a kubernetes.io one) other than huge pages may have
    /// requests below their limits; extended resources may not.
    static func overcommitAllowed(_ name: String) -> Bool {
        (!name.contains("/") || name.contains("kubernetes.io/")) && !name.hasPrefix("hugepages-")
    }

    static func validateResources(_ resources: JSON, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let limits = resources["limits"].members, requests = resources["requests"].members
        func checkName(_ name: String, _ p: String) {
            if name.contains("/") {
                for msg in Formats.qualifiedName(name) { errs.append(.invalid(p, .string(name), msg)) }
            } else if !standardContainerResources.contains(name) && !name.hasPrefix("hugepages-") {
                errs.append(.invalid(p, .string(name), "must be a standard resource for containers"))
            }
        }
        func value(_ q: JSON) -> (String, Double?) {
            let text = q.string ?? Admission.numberText(q)
            if case .success(let v) = GoQuantity.parse(text) { return (text, v) }
            return (text, nil)
        }
        for name in limits.keys.sorted() {
            let p = path + ".limits[\(name)]"
            checkName(name, p)
            let (text, v) = value(limits[name]!)
            if let v, v < 0 { errs.append(.invalid(p, .string(text), isNegative)) }
        }
        for name in requests.keys.sorted() {
            let p = path + ".requests[\(name)]"
            checkName(name, p)
            let (text, v) = value(requests[name]!)
            if let v, v < 0 { errs.append(.invalid(p, .string(text), isNegative)) }
            if let limit = limits[name] {
                let (limitText, lv) = value(limit)
                let overcommitAllowed = overcommitAllowed(name)
                if let v, let lv {
                    if !overcommitAllowed && v != lv {
                        errs.append(.invalid(path + ".requests", .string(text), "must be equal to \(name) limit of \(limitText)"))
                    } else if v > lv {
                        errs.append(.invalid(path + ".requests", .string(text), "must be less than or equal to \(name) limit of \(limitText)"))
                    }
                }
            } else if !overcommitAllowed(name) {
                errs.append(.required(path + ".limits", "Limit must be set for non overcommitable resources"))
            }
        }
        return errs
    }

    // MARK: pod-level policies

    static func validateRestartPolicy(_ value: JSON, path: String) -> [FieldError] {
        switch value.string ?? "" {
        case "Always", "OnFailure", "Never": return []
        case "": return [.required(path)]
        case let other: return [.notSupported(path, .string(other), ["Always", "OnFailure", "Never"])]
        }
    }

    static func validateDNSPolicy(_ spec: JSON, path: String) -> [FieldError] {
        let policy = spec["dnsPolicy"].string ?? ""
        switch policy {
        case "ClusterFirstWithHostNet", "ClusterFirst", "Default": return []
        case "None":
            if case .object = spec["dnsConfig"] {
                if spec["dnsConfig"]["nameservers"].elements.isEmpty {
                    return [.required(path + ".dnsConfig.nameservers", "must provide at least one DNS nameserver when `dnsPolicy` is None")]
                }
                return []
            }
            return [.required(path + ".dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None")]
        case "": return [.required(path + ".dnsPolicy")]
        default:
            return [.notSupported(path + ".dnsPolicy", .string(policy), ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"])]
        }
    }

    static func validateTolerations(_ tolerations: JSON, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, t) in tolerations.elements.enumerated() {
            let p = path + "[\(i)]"
            let key = t["key"].string ?? "", op = t["operator"].string ?? "", effect = t["effect"].string ?? ""
            let value = t["value"].string ?? ""
            if !key.isEmpty {
                for msg in Formats.qualifiedName(key) { errs.append(.invalid(p + ".key", .string(key), msg)) }
            }
            if key.isEmpty && op != "Exists" {
                errs.append(.invalid(p + ".operator", .string(op), "operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
            }
            if !t["tolerationSeconds"].isNull && effect != "NoExecute" {
                errs.append(.invalid(p + ".effect", .string(effect), "effect must be 'NoExecute' when `tolerationSeconds` is set"))
            }
            switch op {
            case "Equal", "":
                let msgs = Formats.labelValue(value)
                if !msgs.isEmpty { errs.append(.invalid(p + ".operator", .string(value), msgs.joined(separator: ";"))) }
            case "Exists":
                if !value.isEmpty {
                    let seconds = GoSyntax.intPointer(t["tolerationSeconds"], bits: 64)
                    errs.append(.invalid(p + ".operator", nil, "value must be empty when `operator` is 'Exists'",
                                         goValue: "core.Toleration{Key:\(GoSyntax.quote(key)), Operator:\(GoSyntax.quote(op)), Value:\(GoSyntax.quote(value)), Effect:\(GoSyntax.quote(effect)), TolerationSeconds:\(seconds)}"))
                }
            default:
                errs.append(.notSupported(p + ".operator", .string(op), ["Equal", "Exists"]))
            }
            if !effect.isEmpty, !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(effect) {
                errs.append(.notSupported(p + ".effect", .string(effect), ["NoSchedule", "PreferNoSchedule", "NoExecute"]))
            }
        }
        return errs
    }

    static func validateTopologySpread(_ constraints: JSON, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, c) in constraints.elements.enumerated() {
            let p = path + "[\(i)]"
            let skew = c["maxSkew"].int ?? 0
            if skew <= 0 { errs.append(.invalid(p + ".maxSkew", .int(skew), "must be greater than zero")) }
            if (c["topologyKey"].string ?? "").isEmpty {
                errs.append(.required(p + ".topologyKey", "can not be empty"))
            }
            let action = c["whenUnsatisfiable"].string ?? ""
            if !["DoNotSchedule", "ScheduleAnyway"].contains(action) {
                errs.append(.notSupported(p + ".whenUnsatisfiable", .string(action), ["DoNotSchedule", "ScheduleAnyway"]))
            }
        }
        return errs
    }
}
