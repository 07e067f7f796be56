// Service validation (core's ValidateService / ValidateServiceUpdate). NodePort ranges and
// IP allocation are checked by the server's allocators, not here.

extension Admission {
    static let serviceTypes = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]

    static func validateService(_ service: JSON) -> [FieldError] {
        var errs = validateObjectMeta(service["metadata"], namespaced: true, nameRule: .dns1035Label)
        let spec = service["spec"]
        let type = spec["type"].string ?? ""
        let clusterIP = spec["clusterIP"].string ?? ""
        let clusterIPs = spec["clusterIPs"].elements.compactMap(\.string)
        let headless = clusterIPs == ["None"]
        let ports = spec["ports"].elements

        if ports.isEmpty && !headless && type != "ExternalName" {
            errs.append(.required("spec.ports"))
        }
        switch type {
        case "LoadBalancer", "NodePort":
            if headless {
                errs.append(.invalid("spec.clusterIPs[0]", "None", "may not be set to 'None' for \(type) services"))
            }
        case "ExternalName":
            if !clusterIPs.isEmpty { errs.append(.forbidden("spec.clusterIPs", "may not be set for ExternalName services")) }
            if !spec["ipFamilies"].elements.isEmpty { errs.append(.forbidden("spec.ipFamilies", "may not be set for ExternalName services")) }
            if !spec["ipFamilyPolicy"].isNull { errs.append(.forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services")) }
            var cname = spec["externalName"].string ?? ""
            if cname.hasSuffix(".") { cname.removeLast() }  // a trailing dot marks it fully qualified
            if cname.isEmpty {
                errs.append(.required("spec.externalName"))
            } else {
                for msg in Formats.dns1123Subdomain(cname) { errs.append(.invalid("spec.externalName", .string(cname), msg)) }
            }
        default:
            break
        }

        var names = Set<String>()
        for (i, port) in ports.enumerated() {
            errs += validateServicePort(port, requireName: ports.count > 1, names: &names, path: "spec.ports[\(i)]")
        }
        errs += validateLabels(spec["selector"], path: "spec.selector")

        switch spec["sessionAffinity"].string ?? "" {
        case "": errs.append(.required("spec.sessionAffinity"))
        case "ClientIP":
            let timeout = spec["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"]
            if spec["sessionAffinityConfig"].isNull {
                errs.append(.required("spec.sessionAffinityConfig", "when session affinity type is ClientIP"))
            } else if let t = timeout.int, t <= 0 || t > 86400 {
                errs.append(.invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", .int(t), "must be greater than 0 and less than 86400"))
            }
        case "None":
            if !spec["sessionAffinityConfig"].isNull {
                errs.append(.forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"))
            }
        case let other:
            errs.append(.notSupported("spec.sessionAffinity", .string(other), ["ClientIP", "None"]))
        }

        if type != "ExternalName" {
            errs += validateClusterIPFields(spec, clusterIP: clusterIP, clusterIPs: clusterIPs)
        }

        for (i, ip) in spec["externalIPs"].elements.enumerated() {
            let s = ip.string ?? ""
            if !Formats.isIP(s) {
                errs.append(.invalid("spec.externalIPs[\(i)]", .string(s), Formats.invalidIPMessage))
            } else {
                errs += validateNonSpecialIP(s, path: "spec.externalIPs[\(i)]")
            }
        }

        if type.isEmpty {
            errs.append(.required("spec.type"))
        } else if !serviceTypes.contains(type) {
            errs.append(.notSupported("spec.type", .string(type), serviceTypes))
        }

        if type == "ClusterIP" {
            for (i, port) in ports.enumerated() where (port["nodePort"].int ?? 0) != 0 {
                errs.append(.forbidden("spec.ports[\(i)].nodePort", "may not be used when `type` is 'ClusterIP'"))
            }
        }
        // Duplicate node ports, then duplicate (port, protocol) pairs.
        var nodePorts = Set<String>()
        for (i, port) in ports.enumerated() {
            let nodePort = port["nodePort"].int ?? 0
            guard nodePort != 0 else { continue }
            let key = "\(port["protocol"].string ?? "")/\(nodePort)"
            if nodePorts.contains(key) { errs.append(.duplicate("spec.ports[\(i)].nodePort", .int(nodePort))) }
            nodePorts.insert(key)
        }
        var seen = Set<String>()
        for (i, port) in ports.enumerated() {
            let proto = port["protocol"].string ?? "", number = port["port"].int ?? 0
            let key = "\(proto)/\(number)"
            if seen.contains(key) {
                errs.append(.duplicate("spec.ports[\(i)]", nil, goValue: "core.ServicePort{Name:\"\", Protocol:\(GoSyntax.quote(proto)), AppProtocol:(*string)(nil), Port:\(number), TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}"))
            }
            seen.insert(key)
        }

        let sourceRanges = spec["loadBalancerSourceRanges"].elements
        if !sourceRanges.isEmpty {
            let p = "spec.LoadBalancerSourceRanges"  // sic: Kubernetes capitalizes this path
            if type != "LoadBalancer" { errs.append(.forbidden(p, "may only be used when `type` is 'LoadBalancer'")) }
            for (i, r) in sourceRanges.enumerated() {
                let value = (r.string ?? "").trimmingSpaces()
                if !isCIDR(value) {
                    errs.append(.invalid(p + "[\(i)]", .string(value), "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
                }
            }
        }
        if !spec["allocateLoadBalancerNodePorts"].isNull && type != "LoadBalancer" {
            errs.append(.forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'"))
        }
        if type == "LoadBalancer" && spec["allocateLoadBalancerNodePorts"].isNull {
            errs.append(.required("allocateLoadBalancerNodePorts"))  // sic: no "spec." in Kubernetes' path
        }
        errs += validateExternalTrafficPolicy(spec, type: type)
        if spec["internalTrafficPolicy"].isNull {
            if ["NodePort", "LoadBalancer", "ClusterIP"].contains(type) { errs.append(.required("spec.internalTrafficPolicy")) }
        } else if let policy = spec["internalTrafficPolicy"].string, policy != "Cluster", policy != "Local" {
            errs.append(.notSupported("spec.internalTrafficPolicy", .string(policy), ["Cluster", "Local"]))
        }
        if let distribution = spec["trafficDistribution"].string, distribution != "PreferClose" {
            errs.append(.notSupported("spec.trafficDistribution", .string(distribution), ["PreferClose"]))
        }
        return errs
    }

    static func isCIDR(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let bits = Int(parts[1]) else { return false }
        if Formats.parseIPv4(String(parts[0])) != nil { return (0...32).contains(bits) }
        return Formats.isIPv6(String(parts[0])) && (0...128).contains(bits)
    }

    static func validateServicePort(_ port: JSON, requireName: Bool, names: inout Set<String>, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let name = port["name"].string ?? ""
        if requireName && name.isEmpty {
            errs.append(.required(path + ".name"))
        } else if !name.isEmpty {
            for msg in Formats.dns1123Label(name) { errs.append(.invalid(path + ".name", .string(name), msg)) }
            if names.contains(name) { errs.append(.duplicate(path + ".name", .string(name))) } else { names.insert(name) }
        }
        let number = port["port"].int ?? 0
        for msg in Formats.portNumber(number) { errs.append(.invalid(path + ".port", .int(number), msg)) }
        errs += validateProtocol(port["protocol"], path: path + ".protocol")
        errs += validatePortNumOrName(port["targetPort"], path: path + ".targetPort")
        if let appProtocol = port["appProtocol"].string {
            for msg in Formats.qualifiedName(appProtocol) { errs.append(.invalid(path + ".appProtocol", .string(appProtocol), msg)) }
        }
        return errs
    }

    static func validateExternalTrafficPolicy(_ spec: JSON, type: String) -> [FieldError] {
        var errs: [FieldError] = []
        let externallyAccessible = type == "LoadBalancer" || type == "NodePort"
            || (type == "ClusterIP" && !spec["externalIPs"].elements.isEmpty)
        let policy = spec["externalTrafficPolicy"].string ?? ""
        if !externallyAccessible {
            if !policy.isEmpty {
                errs.append(.invalid("spec.externalTrafficPolicy", .string(policy), "may only be set for externally-accessible services"))
            }
        } else if policy.isEmpty {
            errs.append(.required("spec.externalTrafficPolicy"))
        } else if policy != "Cluster" && policy != "Local" {
            errs.append(.notSupported("spec.externalTrafficPolicy", .string(policy), ["Cluster", "Local"]))
        }
        let needsHealthCheck = type == "LoadBalancer" && policy == "Local"
        let hc = spec["healthCheckNodePort"].int ?? 0
        if !needsHealthCheck {
            if hc != 0 {
                errs.append(.invalid("spec.healthCheckNodePort", .int(hc), "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
            }
        } else if hc == 0 {
            errs.append(.required("spec.healthCheckNodePort"))  // the server's allocator fills it first
        } else {
            for msg in Formats.portNumber(hc) { errs.append(.invalid("spec.healthCheckNodePort", .int(hc), msg)) }
        }
        return errs
    }

    static func validateClusterIPFields(_ spec: JSON, clusterIP: String, clusterIPs: [String]) -> [FieldError] {
        var errs: [FieldError] = []
        let ipsValue = JSON.array(clusterIPs.map(JSON.string))
        let ipsGo = GoSyntax.stringSlice(clusterIPs)
        if !clusterIP.isEmpty {
            if clusterIPs.isEmpty {
                errs.append(.required("spec.clusterIPs"))
            } else if clusterIPs[0] != clusterIP {
                errs.append(.invalid("spec.clusterIPs", ipsValue, "first value must match `clusterIP`", goValue: ipsGo))
            }
        } else if !clusterIPs.isEmpty {
            errs.append(.invalid("spec.clusterIPs", ipsValue, "must be empty when `clusterIP` is not specified", goValue: ipsGo))
        }
        var families = Set<String>()
        for (i, family) in spec["ipFamilies"].elements.enumerated() {
            let f = family.string ?? ""
            if f != "IPv4" && f != "IPv6" { errs.append(.notSupported("spec.ipFamilies[\(i)]", .string(f), ["IPv4", "IPv6"])) }
            if families.contains(f) { errs.append(.duplicate("spec.ipFamilies[\(i)]", .string(f))) }
            families.insert(f)
        }
        if let policy = spec["ipFamilyPolicy"].string, !["PreferDualStack", "RequireDualStack", "SingleStack"].contains(policy) {
            errs.append(.notSupported("spec.ipFamilyPolicy", .string(policy), ["PreferDualStack", "RequireDualStack", "SingleStack"]))
        }
        for (i, ip) in clusterIPs.enumerated() {
            if i == 0 && ip == "None" {
                if clusterIPs.count > 1 {
                    errs.append(.invalid("spec.clusterIPs", ipsValue, "'None' must be the first and only value", goValue: ipsGo))
                }
                continue
            }
            if !Formats.isIP(ip) { errs.append(.invalid("spec.clusterIPs[\(i)]", .string(ip), Formats.invalidIPMessage)) }
        }
        if clusterIPs.count > 2 {
            errs.append(.invalid("spec.clusterIPs", ipsValue, "may only hold up to 2 values", goValue: ipsGo))
        }
        let invalid = clusterIPs.enumerated().contains { i, ip in i == 0 && ip == "None" ? clusterIPs.count > 1 : !Formats.isIP(ip) }
        if invalid { return errs }
        if clusterIPs.count > 1 {
            let v4 = clusterIPs.filter { Formats.parseIPv4($0) != nil }.count
            if v4 != 1 || clusterIPs.count != 2 {
                errs.append(.invalid("spec.clusterIPs", ipsValue, "may specify no more than one IP for each IP family", goValue: ipsGo))
            }
        }
        let familyList = spec["ipFamilies"].elements.compactMap(\.string)
        if clusterIPs != ["None"] {
            for (i, ip) in clusterIPs.enumerated() where i < familyList.count {
                let isV6 = Formats.parseIPv4(ip) == nil
                if familyList[i] == "IPv4" && isV6 {
                    errs.append(.invalid("spec.clusterIPs[\(i)]", .string(ip), "expected an IPv4 value as indicated by `ipFamilies[\(i)]`"))
                }
                if familyList[i] == "IPv6" && !isV6 {
                    errs.append(.invalid("spec.clusterIPs[\(i)]", .string(ip), "expected an IPv6 value as indicated by `ipFamilies[\(i)]`"))
                }
            }
        }
        return errs
    }

    static func validateServiceUpdate(_ service: JSON, old: JSON) -> [FieldError] {
        var errs = validateObjectMetaUpdate(service["metadata"], old: old["metadata"])
        errs += validateClusterIPsUnchanged(service["spec"], old: old["spec"])
        if service["spec"]["type"].string == "LoadBalancer", old["spec"]["type"].string == "LoadBalancer",
           service["spec"]["externalTrafficPolicy"].string == "Local", old["spec"]["externalTrafficPolicy"].string == "Local",
           service["spec"]["healthCheckNodePort"] != old["spec"]["healthCheckNodePort"] {
            errs.append(.forbidden("spec.healthCheckNodePort", "field is immutable"))
        }
        return errs + validateService(service)
    }

    /// Allocated cluster IPs may not change, except to or from ExternalName, or by adding or
    /// releasing the secondary (dual-stack) address.
    static func validateClusterIPsUnchanged(_ spec: JSON, old: JSON) -> [FieldError] {
        if spec["type"].string == "ExternalName" || old["type"].string == "ExternalName" { return [] }
        let newIPs = spec["clusterIPs"].elements.compactMap(\.string)
        let oldIPs = old["clusterIPs"].elements.compactMap(\.string)
        if newIPs == ["None"] && oldIPs == ["None"] { return [] }
        let value = JSON.array(newIPs.map(JSON.string)), go = GoSyntax.stringSlice(newIPs)
        var errs: [FieldError] = []
        if oldIPs.count == newIPs.count {
            for (i, ip) in oldIPs.enumerated() where ip != newIPs[i] {
                errs.append(.invalid("spec.clusterIPs[\(i)]", value, "may not change once set", goValue: go))
            }
        } else if oldIPs.count > newIPs.count {
            if newIPs.isEmpty {
                errs.append(.invalid("spec.clusterIPs[0]", value, "primary clusterIP can not be unset", goValue: go))
            } else if newIPs[0] != oldIPs[0] {
                errs.append(.invalid("spec.clusterIPs[0]", value, "may not change once set", goValue: go))
            }
            if newIPs.count == 1 && spec["ipFamilyPolicy"].string != "SingleStack" {
                errs.append(.invalid("spec.ipFamilyPolicy", spec["ipFamilyPolicy"], "must be set to 'SingleStack' when releasing the secondary clusterIP"))
            }
        } else if let first = oldIPs.first, newIPs[0] != first {
            errs.append(.invalid("spec.clusterIPs[0]", value, "may not change once set", goValue: go))
        }
        return errs
    }
}

private extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
