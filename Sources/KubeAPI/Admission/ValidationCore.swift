// Validation of the remaining kinds: Secret, ConfigMap, Namespace, Node, ServiceAccount,
// Endpoints, EndpointSlice, Event (both groups), Lease and Binding.

extension Admission {
    static let maxSecretSize = 1024 * 1024

    static func validateSecret(_ secret: JSON) -> [FieldError] {
        var errs = validateObjectMeta(secret["metadata"], namespaced: true, nameRule: .dns1123Subdomain)
        let data = secret["data"].members
        var total = 0
        var decoded: [String: [UInt8]] = [:]
        for key in data.keys.sorted() {
            for msg in Formats.configMapKey(key) { errs.append(.invalid("data[\(key)]", .string(key), msg)) }
            if case .success(let bytes) = GoBase64.decode(data[key]!.string ?? "") {
                decoded[key] = bytes
                total += bytes.count
            }
        }
        if total > maxSecretSize { errs.append(.tooLong("data", maxBytes: maxSecretSize)) }
        switch secret["type"].string ?? "" {
        case "kubernetes.io/service-account-token":
            if (secret["metadata"]["annotations"]["kubernetes.io/service-account.name"].string ?? "").isEmpty {
                errs.append(.required("metadata.annotations[kubernetes.io/service-account.name]"))
            }
        case "kubernetes.io/dockercfg":
            errs += requireJSONKey(".dockercfg", decoded, present: data[".dockercfg"] != nil)
        case "kubernetes.io/dockerconfigjson":
            errs += requireJSONKey(".dockerconfigjson", decoded, present: data[".dockerconfigjson"] != nil)
        case "kubernetes.io/basic-auth":
            if data["username"] == nil && data["password"] == nil {
                errs.append(.required("data[username]"))
                errs.append(.required("data[password]"))
            }
        case "kubernetes.io/ssh-auth":
            if (decoded["ssh-privatekey"] ?? []).isEmpty { errs.append(.required("data[ssh-privatekey]")) }
        case "kubernetes.io/tls":
            if data["tls.crt"] == nil { errs.append(.required("data[tls.crt]")) }
            if data["tls.key"] == nil { errs.append(.required("data[tls.key]")) }
        default:
            break
        }
        return errs
    }

    /// Docker config secrets must hold their key, and it must be a JSON object.
    private static func requireJSONKey(_ key: String, _ decoded: [String: [UInt8]], present: Bool) -> [FieldError] {
        guard present else { return [.required("data[\(key)]")] }
        let text = String(decoding: decoded[key] ?? [], as: UTF8.self).trimmingCharactersInSet()
        if !(text.hasPrefix("{") && text.hasSuffix("}")) {
            return [.invalid("data[\(key)]", "<secret contents redacted>", "invalid character looking for beginning of value")]
        }
        return []
    }

    static func validateSecretUpdate(_ secret: JSON, old: JSON) -> [FieldError] {
        var errs = validateObjectMetaUpdate(secret["metadata"], old: old["metadata"])
        let newType = secret["type"].string ?? "", oldType = old["type"].string ?? ""
        if newType != oldType { errs.append(.invalid("type", .string(newType), fieldImmutable)) }
        errs += validateImmutableData(secret, old: old, keys: ["data"])
        return errs + validateSecret(secret)
    }

    static func validateConfigMap(_ cm: JSON) -> [FieldError] {
        var errs = validateObjectMeta(cm["metadata"], namespaced: true, nameRule: .dns1123Subdomain)
        let data = cm["data"].members, binary = cm["binaryData"].members
        var total = 0
        for key in data.keys.sorted() {
            for msg in Formats.configMapKey(key) { errs.append(.invalid("data[\(key)]", .string(key), msg)) }
            if binary[key] != nil { errs.append(.invalid("data[\(key)]", .string(key), "duplicate of key present in binaryData")) }
            total += (data[key]!.string ?? "").utf8.count
        }
        for key in binary.keys.sorted() {
            for msg in Formats.configMapKey(key) { errs.append(.invalid("binaryData[\(key)]", .string(key), msg)) }
            if data[key] != nil { errs.append(.invalid("binaryData[\(key)]", .string(key), "duplicate of key present in data")) }
            if case .success(let bytes) = GoBase64.decode(binary[key]!.string ?? "") { total += bytes.count }
        }
        if total > maxSecretSize { errs.append(.tooLong("", maxBytes: maxSecretSize)) }
        return errs
    }

    static func validateConfigMapUpdate(_ cm: JSON, old: JSON) -> [FieldError] {
        validateObjectMetaUpdate(cm["metadata"], old: old["metadata"])
            + validateImmutableData(cm, old: old, keys: ["data", "binaryData"])
            + validateConfigMap(cm)
    }

    /// Once `immutable: true`, the flag and the data may not change.
    private static func validateImmutableData(_ new: JSON, old: JSON, keys: [String]) -> [FieldError] {
        guard old["immutable"].bool == true else { return [] }
        var errs: [FieldError] = []
        if new["immutable"].bool != true {
            errs.append(.forbidden("immutable", "field is immutable when `immutable` is set"))
        }
        for key in keys where normalizedForComparison(new[key]) != normalizedForComparison(old[key]) {
            errs.append(.forbidden(key, "field is immutable when `immutable` is set"))
        }
        return errs
    }

    static let standardFinalizers: Set<String> = ["kubernetes", "orphan", "foregroundDeletion"]

    static func validateNamespace(_ ns: JSON) -> [FieldError] {
        var errs = validateObjectMeta(ns["metadata"], namespaced: false, nameRule: .dns1123Label)
        for finalizer in ns["spec"]["finalizers"].elements.compactMap(\.string) {
            let msgs = Formats.qualifiedName(finalizer)
            for msg in msgs { errs.append(.invalid("spec.finalizers", .string(finalizer), msg)) }
            if msgs.isEmpty, !finalizer.contains("/"), !standardFinalizers.contains(finalizer) {
                errs.append(.invalid("spec.finalizers", .string(finalizer), "name is neither a standard finalizer name nor is it fully qualified"))
            }
        }
        return errs
    }

    static func validateNode(_ node: JSON, old: JSON?) -> [FieldError] {
        var errs = old.map { validateObjectMetaUpdate(node["metadata"], old: $0["metadata"]) }
            ?? validateObjectMeta(node["metadata"], namespaced: false, nameRule: .dns1123Subdomain)
        for (i, taint) in node["spec"]["taints"].elements.enumerated() {
            let p = "spec.taints[\(i)]"
            let key = taint["key"].string ?? ""
            for msg in Formats.qualifiedName(key) { errs.append(.invalid(p + ".key", .string(key), msg)) }
            let value = taint["value"].string ?? ""
            for msg in Formats.labelValue(value) { errs.append(.invalid(p + ".value", .string(value), msg)) }
            let effect = taint["effect"].string ?? ""
            if effect.isEmpty {
                errs.append(.required(p + ".effect"))
            } else if !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(effect) {
                errs.append(.notSupported(p + ".effect", .string(effect), ["NoSchedule", "PreferNoSchedule", "NoExecute"]))
            }
        }
        for (i, cidr) in node["spec"]["podCIDRs"].elements.enumerated() {
            let s = cidr.string ?? ""
            let parts = s.split(separator: "/")
            if parts.count != 2 || !Formats.isIP(String(parts[0])) || Int(parts[1]) == nil {
                errs.append(.invalid("spec.podCIDRs[\(i)]", .string(s), "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
            }
        }
        return errs
    }

    static func validateEndpoints(_ ep: JSON) -> [FieldError] {
        var errs = validateObjectMeta(ep["metadata"], namespaced: true, nameRule: .dns1123Subdomain)
        for (i, subset) in ep["subsets"].elements.enumerated() {
            let p = "subsets[\(i)]"
            if subset["addresses"].elements.isEmpty && subset["notReadyAddresses"].elements.isEmpty {
                errs.append(.required(p, "must specify `addresses` or `notReadyAddresses`"))
            }
            for key in ["addresses", "notReadyAddresses"] {
                for (j, address) in subset[key].elements.enumerated() {
                    errs += validateEndpointAddress(address, path: p + ".\(key)[\(j)]")
                }
            }
            let ports = subset["ports"].elements
            for (j, port) in ports.enumerated() {
                let pp = p + ".ports[\(j)]"
                let name = port["name"].string ?? ""
                if ports.count > 1 && name.isEmpty {
                    errs.append(.required(pp + ".name"))
                } else if !name.isEmpty {
                    for msg in Formats.dns1123Label(name) { errs.append(.invalid(pp + ".name", .string(name), msg)) }
                }
                let number = port["port"].int ?? 0
                for msg in Formats.portNumber(number) { errs.append(.invalid(pp + ".port", .int(number), msg)) }
                errs += validateProtocol(port["protocol"], path: pp + ".protocol")
            }
        }
        return errs
    }

    static func validateEndpointAddress(_ address: JSON, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let ip = address["ip"].string ?? ""
        if !Formats.isIP(ip) { errs.append(.invalid(path + ".ip", .string(ip), Formats.invalidIPMessage)) }
        if let hostname = address["hostname"].string, !hostname.isEmpty {
            for msg in Formats.dns1123Label(hostname) { errs.append(.invalid(path + ".hostname", .string(hostname), msg)) }
        }
        if let nodeName = address["nodeName"].string {
            for msg in Formats.dns1123Subdomain(nodeName) { errs.append(.invalid(path + ".nodeName", .string(nodeName), msg)) }
        }
        errs += validateNonSpecialIP(ip, path: path + ".ip")
        return errs
    }

    /// Endpoint addresses may not be unspecified, loopback or link-local.
    static func validateNonSpecialIP(_ ip: String, path: String) -> [FieldError] {
        guard let v4 = Formats.parseIPv4(ip) else {
            if Formats.isIPv6(ip) {
                let lower = ip.lowercased()
                if lower == "::" { return [.invalid(path, .string(ip), "may not be unspecified (\(ip))")] }
                if lower == "::1" { return [.invalid(path, .string(ip), "may not be in the loopback range (127.0.0.0/8, ::1/128)")] }
                if lower.hasPrefix("fe8") || lower.hasPrefix("fe9") || lower.hasPrefix("fea") || lower.hasPrefix("feb") {
                    return [.invalid(path, .string(ip), "may not be in the link-local range (169.254.0.0/16, fe80::/10)")]
                }
                if lower.hasPrefix("ff02:") {
                    return [.invalid(path, .string(ip), "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)")]
                }
                return []
            }
            return [.invalid(path, .string(ip), "must be a valid IP address")]
        }
        if v4 == [0, 0, 0, 0] { return [.invalid(path, .string(ip), "may not be unspecified (\(ip))")] }
        if v4[0] == 127 { return [.invalid(path, .string(ip), "may not be in the loopback range (127.0.0.0/8, ::1/128)")] }
        if v4[0] == 169 && v4[1] == 254 { return [.invalid(path, .string(ip), "may not be in the link-local range (169.254.0.0/16, fe80::/10)")] }
        if v4[0] == 224 && v4[1] == 0 && v4[2] == 0 {
            return [.invalid(path, .string(ip), "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)")]
        }
        return []
    }

    static func validateEndpointSlice(_ slice: JSON, old: JSON?) -> [FieldError] {
        var errs = old.map { validateObjectMetaUpdate(slice["metadata"], old: $0["metadata"]) } ?? []
        errs += validateObjectMeta(slice["metadata"], namespaced: true, nameRule: .dns1123Subdomain)
        let addressType = slice["addressType"].string ?? ""
        let endpoints = slice["endpoints"].elements
        if endpoints.count > 1000 { errs.append(.tooMany("endpoints", actual: endpoints.count, max: 1000)) }
        for (i, endpoint) in endpoints.enumerated() {
            let p = "endpoints[\(i)]"
            let addresses = endpoint["addresses"].elements
            if addresses.isEmpty {
                errs.append(.required(p + ".addresses", "must contain at least 1 address"))
            } else if addresses.count > 100 {
                errs.append(.tooMany(p + ".addresses", actual: addresses.count, max: 100))
            }
            for (j, a) in addresses.enumerated() {
                let s = a.string ?? "", ap = p + ".addresses[\(j)]"
                switch addressType {
                case "IPv4":
                    if Formats.parseIPv4(s) == nil { errs.append(.invalid(ap, .string(s), "must be a valid IPv4 address")) } else { errs += validateNonSpecialIP(s, path: ap) }
                case "IPv6":
                    if !Formats.isIPv6(s) { errs.append(.invalid(ap, .string(s), "must be a valid IPv6 address")) } else { errs += validateNonSpecialIP(s, path: ap) }
                case "FQDN":
                    for msg in Formats.dns1123Subdomain(s) { errs.append(.invalid(ap, .string(s), msg)) }
                default: break
                }
            }
            if let nodeName = endpoint["nodeName"].string {
                for msg in Formats.dns1123Subdomain(nodeName) { errs.append(.invalid(p + ".nodeName", .string(nodeName), msg)) }
            }
            if let hostname = endpoint["hostname"].string {
                for msg in Formats.dns1123Label(hostname) { errs.append(.invalid(p + ".hostname", .string(hostname), msg)) }
            }
        }
        let ports = slice["ports"].elements
        if ports.count > 100 { errs.append(.tooMany("ports", actual: ports.count, max: 100)) }
        var names = Set<String>()
        for (i, port) in ports.enumerated() {
            let p = "ports[\(i)]"
            let name = port["name"].string ?? ""
            if !name.isEmpty {
                for msg in Formats.dns1123Label(name) { errs.append(.invalid(p + ".name", .string(name), msg)) }
            }
            if names.contains(name) { errs.append(.duplicate(p + ".name", .string(name))) } else { names.insert(name) }
            if port["protocol"].isNull {
                errs.append(.required(p + ".protocol"))
            } else {
                errs += validateProtocol(port["protocol"], path: p + ".protocol")
            }
            if let number = port["port"].int {
                for msg in Formats.portNumber(number) { errs.append(.invalid(p + ".port", .int(number), msg)) }
            }
        }
        if let old {
            let oldType = old["addressType"].string ?? ""
            if oldType != addressType { errs.append(.invalid("addressType", .string(addressType), fieldImmutable)) }
        } else if addressType.isEmpty {
            errs.append(.required("addressType"))
        } else if !["FQDN", "IPv4", "IPv6"].contains(addressType) {
            errs.append(.notSupported("addressType", .string(addressType), ["FQDN", "IPv4", "IPv6"]))
        }
        return errs
    }

    /// Events. The core v1 API keeps the lenient legacy rules; events.k8s.io/v1 adds the strict
    /// ones. Paths use the core field names (involvedObject, source...), as Kubernetes does.
    static func validateEvent(_ event: JSON, eventsGroup: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        let namespace = event["metadata"]["namespace"].string ?? ""
        let involved = eventsGroup ? event["regarding"] : event["involvedObject"]
        let involvedNamespace = involved["namespace"].string ?? ""
        let eventTime = event["eventTime"]
        if eventTime.isNull {
            if involvedNamespace.isEmpty {
                if !namespace.isEmpty && namespace != "default" {
                    errs.append(.invalid("involvedObject.namespace", .string(involvedNamespace), "does not match event.namespace"))
                }
            } else if namespace != involvedNamespace {
                errs.append(.invalid("involvedObject.namespace", .string(involvedNamespace), "does not match event.namespace"))
            }
        } else {
            if involvedNamespace.isEmpty && namespace != "default" && namespace != "kube-system" {
                errs.append(.invalid("involvedObject.namespace", .string(involvedNamespace), "does not match event.namespace"))
            }
            let controllerField = eventsGroup ? "reportingController" : "reportingComponent"
            let controller = event[controllerField].string ?? ""
            if controller.isEmpty { errs.append(.required(controllerField)) }
            for msg in Formats.qualifiedName(controller) { errs.append(.invalid(controllerField, .string(controller), msg)) }
            if (event["reportingInstance"].string ?? "").isEmpty { errs.append(.required("reportingInstance")) }
            if (event["action"].string ?? "").isEmpty { errs.append(.required("action")) }
            if (event["reason"].string ?? "").isEmpty { errs.append(.required("reason")) }
        }
        for msg in Formats.dns1123Subdomain(namespace) { errs.append(.invalid("namespace", .string(namespace), msg)) }
        guard eventsGroup else { return errs }
        errs += validateObjectMeta(event["metadata"], namespaced: true, nameRule: .dns1123Subdomain)
        if eventTime.isNull { errs.append(.required("eventTime")) }
        let type = event["type"].string ?? ""
        if type != "Normal" && type != "Warning" { errs.append(.invalid("type", "", "has invalid value: \(type)")) }
        for (key, internalName) in [("deprecatedFirstTimestamp", "firstTimestamp"), ("deprecatedLastTimestamp", "lastTimestamp")]
        where !event[key].isNull {
            errs.append(.invalid(internalName, "", "needs to be unset"))
        }
        if (event["deprecatedCount"].int ?? 0) != 0 { errs.append(.invalid("count", "", "needs to be unset")) }
        if !(event["deprecatedSource"]["component"].string ?? "").isEmpty || !(event["deprecatedSource"]["host"].string ?? "").isEmpty {
            errs.append(.invalid("source", "", "needs to be unset"))
        }
        return errs
    }

    static func validateLease(_ lease: JSON) -> [FieldError] {
        var errs = validateObjectMeta(lease["metadata"], namespaced: true, nameRule: .dns1123Subdomain)
        if let d = lease["spec"]["leaseDurationSeconds"].int, d <= 0 {
            errs.append(.invalid("spec.leaseDurationSeconds", .int(d), "must be greater than 0"))
        }
        if let t = lease["spec"]["leaseTransitions"].int, t < 0 {
            errs.append(.invalid("spec.leaseTransitions", .int(t), isNegative))
        }
        return errs
    }

    static func validateBinding(_ binding: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let kind = binding["target"]["kind"].string ?? ""
        if !kind.isEmpty && kind != "Node" {
            errs.append(.notSupported("target.kind", .string(kind), ["Node", "<empty>"]))
        }
        if (binding["target"]["name"].string ?? "").isEmpty { errs.append(.required("target.name")) }
        return errs
    }
}

private extension String {
    /// The string without surrounding ASCII whitespace.
    func trimmingCharactersInSet() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
