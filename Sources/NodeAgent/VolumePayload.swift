import Foundation
import KubeAPI

/// What a secret, configMap, downwardAPI or projected volume contains: the files the atomic writer puts in place.
public enum VolumePayload {
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    public typealias Lookup = (_ resource: String, _ name: String) -> JSON?

    /// Files for one volume, or nil for volume kinds that are not payload volumes (emptyDir, hostPath, ...).
    /// `tokens` holds the service-account tokens fetched for the pod, keyed by `<volume>/<path>`.
    public static func files(for volume: JSON, pod: JSON, lookup: Lookup, tokens: [String: String] = [:]) throws -> [AtomicWriter.File]? {
        if !volume["secret"].isNull {
            let v = volume["secret"]
            return try keyed(resource: "secrets", name: v["secretName"].string ?? "", items: v["items"].elements,
                             defaultMode: mode(v["defaultMode"]), optional: v["optional"].bool == true, lookup: lookup)
        }
        if !volume["configMap"].isNull {
            let v = volume["configMap"]
            return try keyed(resource: "configmaps", name: v["name"].string ?? "", items: v["items"].elements,
                             defaultMode: mode(v["defaultMode"]), optional: v["optional"].bool == true, lookup: lookup)
        }
        if !volume["downwardAPI"].isNull {
            let v = volume["downwardAPI"]
            return downward(items: v["items"].elements, defaultMode: mode(v["defaultMode"]), pod: pod)
        }
        if !volume["projected"].isNull {
            let v = volume["projected"]
            let defaultMode = mode(v["defaultMode"])
            var out: [AtomicWriter.File] = []
            for source in v["sources"].elements {
                if !source["secret"].isNull {
                    let s = source["secret"]
                    out += try keyed(resource: "secrets", name: s["name"].string ?? "", items: s["items"].elements,
                                     defaultMode: defaultMode, optional: s["optional"].bool == true, lookup: lookup)
                } else if !source["configMap"].isNull {
                    let s = source["configMap"]
                    out += try keyed(resource: "configmaps", name: s["name"].string ?? "", items: s["items"].elements,
                                     defaultMode: defaultMode, optional: s["optional"].bool == true, lookup: lookup)
                } else if !source["downwardAPI"].isNull {
                    out += downward(items: source["downwardAPI"]["items"].elements, defaultMode: defaultMode, pod: pod)
                } else if !source["serviceAccountToken"].isNull {
                    let path = source["serviceAccountToken"]["path"].string ?? "token"
                    let key = "\(volume["name"].string ?? "")/\(path)"
                    guard let token = tokens[key] else { throw Missing(description: "no service account token was fetched for \(key)") }
                    out.append(.init(path: path, data: Array(token.utf8), mode: defaultMode))
                }
            }
            return out
        }
        return nil
    }

    static func mode(_ j: JSON) -> mode_t { mode_t(j.int ?? 0o644) }

    static func keyed(resource: String, name: String, items: [JSON], defaultMode: mode_t, optional: Bool,
                      lookup: Lookup) throws -> [AtomicWriter.File] {
        guard let obj = lookup(resource, name) else {
            if optional { return [] }
            throw Missing(description: "\(resource == "secrets" ? "secret" : "configmap") \"\(name)\" not found")
        }
        var data: [String: [UInt8]] = [:]
        if resource == "secrets" {
            for (k, v) in obj["data"].members { if let s = v.string, let d = Data(base64Encoded: s) { data[k] = Array(d) } }
        } else {
            for (k, v) in obj["data"].members { if let s = v.string { data[k] = Array(s.utf8) } }
            for (k, v) in obj["binaryData"].members { if let s = v.string, let d = Data(base64Encoded: s) { data[k] = Array(d) } }
        }
        if items.isEmpty {
            return data.keys.sorted().map { AtomicWriter.File(path: $0, data: data[$0]!, mode: defaultMode) }
        }
        var out: [AtomicWriter.File] = []
        for item in items {
            let key = item["key"].string ?? ""
            guard let bytes = data[key] else {
                if optional { continue }
                throw Missing(description: "configmap references non-existent config key: \(key)")
            }
            out.append(.init(path: item["path"].string ?? key, data: bytes, mode: item["mode"].int.map { mode_t($0) } ?? defaultMode))
        }
        return out
    }

    static func downward(items: [JSON], defaultMode: mode_t, pod: JSON) -> [AtomicWriter.File] {
        items.compactMap { item in
            guard let path = item["path"].string else { return nil }
            var text = ""
            switch item["fieldRef"]["fieldPath"].string ?? "" {
            case "metadata.labels": text = renderMap(pod.labels)
            case "metadata.annotations": text = renderMap(pod.annotations)
            case "metadata.name": text = pod.name ?? ""
            case "metadata.namespace": text = pod.namespace ?? ""
            case "metadata.uid": text = pod.uid ?? ""
            case let p where p.hasPrefix("metadata.labels['"): text = pod.labels[String(p.dropFirst(17).dropLast(2))] ?? ""
            case let p where p.hasPrefix("metadata.annotations['"): text = pod.annotations[String(p.dropFirst(22).dropLast(2))] ?? ""
            default: text = ""
            }
            return .init(path: path, data: Array(text.utf8), mode: item["mode"].int.map { mode_t($0) } ?? defaultMode)
        }
    }

    /// `key="value"` lines, sorted, as the downward API renders labels and annotations.
    static func renderMap(_ m: [String: String]) -> String {
        m.keys.sorted().map { k in
            let v = m[k]!.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
            return "\(k)=\"\(v)\""
        }.joined(separator: "\n")
    }
}
