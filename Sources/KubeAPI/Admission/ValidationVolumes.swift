// Pod volume validation (core's ValidateVolumes): names, exactly one source, and the
// common sources' own fields.

extension Admission {
    static let hostPathTypes = ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"]

    /// Validates the volumes and returns the names of the valid ones: mounts may only refer to
    /// those (a mount of an invalid volume is reported as not found, as Kubernetes does).
    static func validateVolumes(_ volumes: JSON, path: String) -> (Set<String>, [FieldError]) {
        var names = Set<String>()
        var errs: [FieldError] = []
        for (i, v) in volumes.elements.enumerated() {
            let p = path + "[\(i)]"
            var volumeErrs = validateVolumeSource(v, path: p)
            let name = v["name"].string ?? ""
            if name.isEmpty {
                volumeErrs.append(.required(p + ".name"))
            } else {
                for msg in Formats.dns1123Label(name) { volumeErrs.append(.invalid(p + ".name", .string(name), msg)) }
            }
            if names.contains(name) { volumeErrs.append(.duplicate(p + ".name", .string(name))) }
            if volumeErrs.isEmpty { names.insert(name) } else { errs += volumeErrs }
        }
        return (names, errs)
    }

    static func validateVolumeSource(_ v: JSON, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        // Kubernetes checks the sources in its struct order; the first one counts.
        let order = [
            "emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret", "nfs", "iscsi",
            "glusterfs", "flocker", "persistentVolumeClaim", "rbd", "cinder", "cephfs", "quobyte", "downwardAPI",
            "fc", "flexVolume", "configMap", "azureFile", "vsphereVolume", "photonPersistentDisk", "portworxVolume",
            "azureDisk", "storageos", "projected", "scaleIO", "csi", "ephemeral", "image",
        ]
        // Two of Kubernetes' "more than 1 volume type" paths are spelled differently.
        let forbiddenName = ["cephfs": "cephFS", "downwardAPI": "downwarAPI"]
        var count = 0
        for source in order {
            let s = v[source]
            guard case .object = s else { continue }
            if count > 0 {
                errs.append(.forbidden(path + "." + (forbiddenName[source] ?? source), "may not specify more than 1 volume type"))
                continue
            }
            count += 1
            errs += validateSource(source, s, path: path + "." + source)
        }
        if count == 0 { errs.append(.required(path, "must specify a volume type")) }
        return errs
    }

    private static func validateSource(_ kind: String, _ s: JSON, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        switch kind {
        case "secret":
            if (s["secretName"].string ?? "").isEmpty { errs.append(.required(path + ".secretName")) }
            errs += validateMode(s["defaultMode"], path: path + ".defaultMode")
            errs += validateKeyToPaths(s["items"], path: path + ".items")
        case "configMap":
            if (s["name"].string ?? "").isEmpty { errs.append(.required(path + ".name")) }
            errs += validateMode(s["defaultMode"], path: path + ".defaultMode")
            errs += validateKeyToPaths(s["items"], path: path + ".items")
        case "hostPath":
            let hostPath = s["path"].string ?? ""
            if hostPath.isEmpty { return [.required(path + ".path")] }
            if hostPath.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
                errs.append(.invalid(path + ".path", .string(hostPath), "must not contain '..'"))
            }
            if let type = s["type"].string, !hostPathTypes.contains(type) {
                errs.append(.notSupported(path + ".type", .string(type), hostPathTypes))
            }
        case "emptyDir":
            if let limit = s["sizeLimit"].string, case .success(let v) = GoQuantity.parse(limit), v < 0 {
                errs.append(.forbidden(path + ".sizeLimit", "SizeLimit field must be a valid resource quantity"))
            }
        case "persistentVolumeClaim":
            if (s["claimName"].string ?? "").isEmpty { errs.append(.required(path + ".claimName")) }
        case "downwardAPI":
            errs += validateMode(s["defaultMode"], path: path + ".defaultMode")
            errs += validateDownwardAPIItems(s["items"], path: path)
        case "projected":
            errs += validateMode(s["defaultMode"], path: path + ".defaultMode")
            errs += validateProjections(s["sources"], path: path + ".sources")
        case "nfs":
            if (s["server"].string ?? "").isEmpty { errs.append(.required(path + ".server")) }
            let p = s["path"].string ?? ""
            if p.isEmpty { errs.append(.required(path + ".path")) } else if !p.hasPrefix("/") {
                errs.append(.invalid(path + ".path", .string(p), "must be an absolute path"))
            }
        case "csi":
            if (s["driver"].string ?? "").isEmpty { errs.append(.required(path + ".driver")) }
        case "image":
            if (s["reference"].string ?? "").isEmpty { errs.append(.required(path + ".reference")) }
        default:
            break
        }
        return errs
    }

    static func validateMode(_ mode: JSON, path: String) -> [FieldError] {
        guard let m = mode.int else { return [] }
        return (0...0o777).contains(m) ? [] : [.invalid(path, .int(m), fileModeError)]
    }

    static func validateKeyToPaths(_ items: JSON, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, item) in items.elements.enumerated() {
            let p = path + "[\(i)]"
            if (item["key"].string ?? "").isEmpty { errs.append(.required(p + ".key")) }
            let target = item["path"].string ?? ""
            if target.isEmpty { errs.append(.required(p + ".path")) }
            errs += validateLocalNonReservedPath(target, path: p + ".path")
            errs += validateMode(item["mode"], path: p + ".mode")
        }
        return errs
    }

    static func validateDownwardAPIItems(_ items: JSON, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for item in items.elements {
            let target = item["path"].string ?? ""
            if target.isEmpty { errs.append(.required(path + ".path")) }
            errs += validateLocalNonReservedPath(target, path: path + ".path")
            errs += validateMode(item["mode"], path: path + ".mode")
            let hasField = !item["fieldRef"].isNull, hasResource = !item["resourceFieldRef"].isNull
            if hasField {
                errs += validateFieldRef(item["fieldRef"], allowed: volumeFieldPaths, path: path + ".fieldRef")
                if hasResource {
                    errs.append(.invalid(path, .string("resource"), "fieldRef and resourceFieldRef can not be specified simultaneously"))
                }
            } else if hasResource {
                if (item["resourceFieldRef"]["resource"].string ?? "").isEmpty { errs.append(.required(path + ".resourceFieldRef.resource")) }
            } else {
                errs.append(.required(path, "one of fieldRef and resourceFieldRef is required"))
            }
        }
        return errs
    }

    /// Projected sources; note Kubernetes reports a token's `path` at the projected volume's
    /// own path (`...projected.path`), not under the source.
    static func validateProjections(_ sources: JSON, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let volumePath = String(path.dropLast(".sources".count))
        for (i, source) in sources.elements.enumerated() {
            let p = path + "[\(i)]"
            var count = 0
            for kind in ["secret", "configMap", "downwardAPI", "serviceAccountToken", "clusterTrustBundle"] {
                let s = source[kind]
                guard case .object = s else { continue }
                count += 1
                switch kind {
                case "secret", "configMap":
                    if (s["name"].string ?? "").isEmpty { errs.append(.required(p + "." + kind + ".name")) }
                    errs += validateKeyToPaths(s["items"], path: p + "." + kind + ".items")
                case "downwardAPI":
                    errs += validateDownwardAPIItems(s["items"], path: p + ".downwardAPI")
                case "serviceAccountToken":
                    let tp = p + ".serviceAccountToken"
                    let seconds = s["expirationSeconds"].int ?? 0
                    if seconds < 600 {
                        errs.append(.invalid(tp + ".expirationSeconds", .int(seconds), "may not specify a duration less than 10 minutes"))
                    }
                    if seconds > 1 << 32 {
                        errs.append(.invalid(tp + ".expirationSeconds", .int(seconds), "may not specify a duration larger than 2^32 seconds"))
                    }
                    let tokenPath = s["path"].string ?? ""
                    if tokenPath.isEmpty {
                        errs.append(.required(volumePath + ".path"))
                    } else {
                        errs += validateLocalNonReservedPath(tokenPath, path: volumePath + ".path")
                    }
                default:
                    break
                }
            }
            if count > 1 { errs.append(.forbidden(p, "may not specify more than 1 volume type per source")) }
        }
        return errs
    }
}
