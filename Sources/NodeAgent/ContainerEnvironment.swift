import Foundation
import KubeAPI

/// A container's environment as the kubelet builds it: envFrom, then env in order with `$(VAR)` expansion and
/// valueFrom sources, then the Service variables not already defined.
public struct ContainerEnvironment {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads a ConfigMap or Secret of the pod's namespace ("configmaps"/"secrets", name) or nil when missing.
    public typealias Lookup = (_ resource: String, _ name: String) -> JSON?

    let pod: JSON
    let container: JSON
    let serviceVariables: [(String, String)]
    let lookup: Lookup
    let nodeAllocatable: [String: JSON]

    public init(pod: JSON, container: JSON, serviceVariables: [(String, String)], nodeAllocatable: [String: JSON] = [:], lookup: @escaping Lookup) {
        self.pod = pod
        self.container = container
        self.serviceVariables = serviceVariables
        self.lookup = lookup
        self.nodeAllocatable = nodeAllocatable
    }

    /// The variables in order (later entries override earlier ones of the same name).
    public func resolve() throws -> [(String, String)] {
        var ordered: [(String, String)] = []
        var values: [String: String] = [:]
        func set(_ k: String, _ v: String) {
            if values[k] == nil { ordered.append((k, v)) } else if let i = ordered.firstIndex(where: { $0.0 == k }) { ordered[i].1 = v }
            values[k] = v
        }
        for source in container["envFrom"].elements {
            let prefix = source["prefix"].string ?? ""
            if case let ref = source["configMapRef"], !ref.isNull {
                let name = ref["name"].string ?? ""
                guard let cm = lookup("configmaps", name) else {
                    if ref["optional"].bool == true { continue }
                    throw Failure(description: "configmap \"\(name)\" not found")
                }
                for (k, v) in cm["data"].members.sorted(by: { $0.key < $1.key }) { if let s = v.string { set(prefix + k, s) } }
            } else if case let ref = source["secretRef"], !ref.isNull {
                let name = ref["name"].string ?? ""
                guard let secret = lookup("secrets", name) else {
                    if ref["optional"].bool == true { continue }
                    throw Failure(description: "secret \"\(name)\" not found")
                }
                for (k, v) in secret["data"].members.sorted(by: { $0.key < $1.key }) {
                    if let s = v.string, let d = Data(base64Encoded: s) { set(prefix + k, String(decoding: d, as: UTF8.self)) }
                }
            }
        }
        let services = Dictionary(serviceVariables, uniquingKeysWith: { a, _ in a })
        for e in container["env"].elements {
            guard let name = e["name"].string else { continue }
            if let v = e["value"].string {
                set(name, Self.expand(v) { values[$0] ?? services[$0] })
            } else if !e["valueFrom"].isNull {
                if let v = try valueFrom(e["valueFrom"]) { set(name, v) }
            } else {
                set(name, "")
            }
        }
        for (k, v) in serviceVariables where values[k] == nil { set(k, v) }
        return ordered
    }

    func valueFrom(_ from: JSON) throws -> String? {
        if !from["fieldRef"].isNull { return fieldValue(from["fieldRef"]["fieldPath"].string ?? "") }
        if !from["resourceFieldRef"].isNull { return resourceValue(from["resourceFieldRef"]) }
        for (key, resource) in [("configMapKeyRef", "configmaps"), ("secretKeyRef", "secrets")] {
            let ref = from[key]
            guard !ref.isNull else { continue }
            let name = ref["name"].string ?? "", k = ref["key"].string ?? ""
            let optional = ref["optional"].bool == true
            guard let obj = lookup(resource, name) else {
                if optional { return nil }
                throw Failure(description: "\(resource == "secrets" ? "secret" : "configmap") \"\(name)\" not found")
            }
            if resource == "secrets" {
                guard let b64 = obj["data"][k].string, let d = Data(base64Encoded: b64) else {
                    if optional { return nil }
                    throw Failure(description: "couldn't find key \(k) in Secret \(pod.namespace ?? "")/\(name)")
                }
                return String(decoding: d, as: UTF8.self)
            }
            guard let v = obj["data"][k].string else {
                if optional { return nil }
                throw Failure(description: "couldn't find key \(k) in ConfigMap \(pod.namespace ?? "")/\(name)")
            }
            return v
        }
        return nil
    }

    /// The downward API fields the kubelet supports for env.
    func fieldValue(_ path: String) -> String {
        switch path {
        case "metadata.name": return pod.name ?? ""
        case "metadata.namespace": return pod.namespace ?? ""
        case "metadata.uid": return pod.uid ?? ""
        case "spec.nodeName": return pod["spec"]["nodeName"].string ?? ""
        case "spec.serviceAccountName": return pod["spec"]["serviceAccountName"].string ?? ""
        case "status.hostIP": return pod["status"]["hostIP"].string ?? ""
        case "status.hostIPs": return pod["status"]["hostIPs"].elements.compactMap { $0["ip"].string }.joined(separator: ",")
        case "status.podIP": return pod["status"]["podIP"].string ?? ""
        case "status.podIPs": return pod["status"]["podIPs"].elements.compactMap { $0["ip"].string }.joined(separator: ",")
        default:
            for (prefix, field) in [("metadata.labels['", "labels"), ("metadata.annotations['", "annotations")] where path.hasPrefix(prefix) && path.hasSuffix("']") {
                let key = String(path.dropFirst(prefix.count).dropLast(2))
                return pod["metadata"][field][key].string ?? ""
            }
            return ""
        }
    }

    func resourceValue(_ ref: JSON) -> String {
        let resource = ref["resource"].string ?? ""
        let parts = resource.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return "" }
        let name = ref["containerName"].string ?? container["name"].string ?? ""
        let c = pod["spec"]["containers"].elements.first { $0["name"].string == name } ?? container
        var quantity = c["resources"][parts[0]][parts[1]]
        if quantity.isNull, parts[0] == "limits" { quantity = nodeAllocatable[parts[1]] ?? .null }
        if quantity.isNull { return "0" }
        let value = ResourceQuantity.decimal(quantity) ?? 0
        let divisor = ref["divisor"].isNull ? 1 : (ResourceQuantity.decimal(ref["divisor"]) ?? 1)
        // Rounded up, as the kubelet does: 250m cpu with divisor 1 reads as 1.
        return String(ResourceQuantity.roundedUp(divisor == 0 ? value : value / divisor))
    }

    /// Kubernetes' `$(VAR)` expansion: defined names are replaced, `$$` escapes, anything else stays as written.
    public static func expand(_ input: String, _ mapping: (String) -> String?) -> String {
        var out = ""
        var chars = Array(input)[...]
        while let c = chars.first {
            chars = chars.dropFirst()
            guard c == "$", let next = chars.first else { out.append(c); continue }
            if next == "$" { out.append("$"); chars = chars.dropFirst(); continue }
            if next == "(", let close = chars.firstIndex(of: ")") {
                let name = String(chars[chars.index(after: chars.startIndex)..<close])
                if let v = mapping(name) { out += v } else { out += "$(\(name))" }
                chars = chars[chars.index(after: close)...]
                continue
            }
            out.append("$")
        }
        return out
    }
}
