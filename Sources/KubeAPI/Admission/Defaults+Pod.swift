// Defaults for PodSpec and everything inside it, as core/v1's SetDefaults_* functions set them.
// Shared by Pods and by the pod templates of Deployments and ReplicaSets.

extension JSON {
    /// Sets `key` when it is absent or null (a Go pointer that is nil).
    mutating func admissionDefault(_ key: String, _ value: JSON) {
        if self[key].isNull { self[key] = value }
    }

    /// Sets `key` when it is absent, null or "" (a Go string or enum at its zero value).
    mutating func admissionDefaultString(_ key: String, _ value: String) {
        if self[key].isNull || self[key].string == "" { self[key] = .string(value) }
    }

    /// Sets `key` when it is absent or 0 (a non-pointer Go integer at its zero value).
    mutating func admissionDefaultInt(_ key: String, _ value: Int64) {
        if self[key].isNull || self[key].int == 0 { self[key] = .int(value) }
    }

    /// Applies `body` to each element of the array at `key`, if there is one.
    mutating func admissionEach(_ key: String, _ body: (inout JSON) -> Void) {
        guard case .array(var items) = self[key] else { return }
        for i in items.indices { body(&items[i]) }
        self[key] = .array(items)
    }

    /// Applies `body` to the object at `key`, if there is one.
    mutating func admissionWith(_ key: String, _ body: (inout JSON) -> Void) {
        guard case .object = self[key] else { return }
        var child = self[key]
        body(&child)
        self[key] = child
    }
}

extension Admission {
    enum PodDefaults {
        /// SetDefaults_PodSpec plus the container, volume and probe defaults under it.
        static func applyToSpec(_ spec: inout JSON) {
            spec.admissionDefaultString("dnsPolicy", "ClusterFirst")
            spec.admissionDefaultString("restartPolicy", "Always")
            spec.admissionDefault("securityContext", .emptyObject)
            spec.admissionDefault("terminationGracePeriodSeconds", 30)
            spec.admissionDefaultString("schedulerName", "default-scheduler")
            for key in ["containers", "initContainers", "ephemeralContainers"] {
                spec.admissionEach(key, applyToContainer)
            }
            spec.admissionEach("volumes", applyToVolume)
        }

        /// What only Pods get (SetDefaults_Pod and the default admission plugins), not templates.
        static func applyToPod(_ pod: inout JSON) {
            var spec = pod["spec"]
            guard case .object = spec else { return }
            // Requests default to limits for each resource only limited.
            for key in ["containers", "initContainers"] {
                spec.admissionEach(key) { container in
                    let limits = container["resources"]["limits"].members
                    guard !limits.isEmpty else { return }
                    var requests = container["resources"]["requests"].members
                    for (name, value) in limits where requests[name] == nil { requests[name] = value }
                    container["resources"]["requests"] = .object(requests)
                }
            }
            if spec["hostNetwork"].bool == true {
                for key in ["containers", "initContainers"] {
                    spec.admissionEach(key) { container in
                        container.admissionEach("ports") { port in
                            if port["hostPort"].int ?? 0 == 0, let p = port["containerPort"].int { port["hostPort"] = .int(p) }
                        }
                    }
                }
            }
            spec.admissionDefault("enableServiceLinks", true)
            // ServiceAccount admission; `serviceAccount` is the deprecated mirror of the name.
            if (spec["serviceAccountName"].string ?? "").isEmpty, let old = spec["serviceAccount"].string, !old.isEmpty {
                spec["serviceAccountName"] = .string(old)
            }
            spec.admissionDefaultString("serviceAccountName", "default")
            spec["serviceAccount"] = spec["serviceAccountName"]
            // Priority admission: the built-in classes, else priority 0.
            if spec["priority"].isNull {
                switch spec["priorityClassName"].string ?? "" {
                case "system-node-critical": spec["priority"] = 2_000_001_000
                case "system-cluster-critical": spec["priority"] = 2_000_000_000
                default: spec["priority"] = 0
                }
            }
            spec.admissionDefaultString("preemptionPolicy", "PreemptLowerPriority")
            addDefaultTolerations(&spec)
            applyToSpec(&spec)
            pod["spec"] = spec
        }

        /// DefaultTolerationSeconds admission: tolerate not-ready and unreachable nodes for 300s,
        /// unless the pod already tolerates those NoExecute taints.
        static func addDefaultTolerations(_ spec: inout JSON) {
            var tolerations = spec["tolerations"].elements
            func tolerates(_ key: String) -> Bool {
                tolerations.contains { t in
                    let k = t["key"].string ?? "", effect = t["effect"].string ?? ""
                    return (k == key || k.isEmpty) && (effect == "NoExecute" || effect.isEmpty)
                }
            }
            for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] where !tolerates(key) {
                tolerations.append(["key": .string(key), "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300])
            }
            spec["tolerations"] = .array(tolerations)
        }

        static func applyToContainer(_ c: inout JSON) {
            if (c["imagePullPolicy"].string ?? "").isEmpty {
                c["imagePullPolicy"] = .string(imageTag(c["image"].string ?? "") == "latest" ? "Always" : "IfNotPresent")
            }
            c.admissionDefaultString("terminationMessagePath", "/dev/termination-log")
            c.admissionDefaultString("terminationMessagePolicy", "File")
            // ResourceRequirements is a plain struct in Go, so it always serializes as at least {}.
            c.admissionDefault("resources", .emptyObject)
            c.admissionEach("ports") { $0.admissionDefaultString("protocol", "TCP") }
            c.admissionEach("env") { env in
                env.admissionWith("valueFrom") { from in
                    from.admissionWith("fieldRef", applyToFieldRef)
                    from.admissionWith("resourceFieldRef", applyToResourceFieldRef)
                }
            }
            for probe in ["livenessProbe", "readinessProbe", "startupProbe"] { c.admissionWith(probe, applyToProbe) }
            c.admissionWith("lifecycle") { lifecycle in
                for hook in ["postStart", "preStop"] {
                    lifecycle.admissionWith(hook) { $0.admissionWith("httpGet", applyToHTTPGet) }
                }
            }
        }

        static func applyToProbe(_ p: inout JSON) {
            p.admissionDefaultInt("timeoutSeconds", 1)
            p.admissionDefaultInt("periodSeconds", 10)
            p.admissionDefaultInt("successThreshold", 1)
            p.admissionDefaultInt("failureThreshold", 3)
            p.admissionWith("httpGet", applyToHTTPGet)
        }

        static func applyToHTTPGet(_ h: inout JSON) {
            h.admissionDefaultString("path", "/")
            h.admissionDefaultString("scheme", "HTTP")
        }

        static func applyToFieldRef(_ f: inout JSON) { f.admissionDefaultString("apiVersion", "v1") }

        /// The divisor is a plain Quantity in Go: unset, it serializes as "0".
        static func applyToResourceFieldRef(_ r: inout JSON) { r.admissionDefault("divisor", "0") }

        static func applyToDownwardAPIItems(_ owner: inout JSON) {
            owner.admissionEach("items") { item in
                item.admissionWith("fieldRef", applyToFieldRef)
                item.admissionWith("resourceFieldRef", applyToResourceFieldRef)
            }
        }

        static func applyToVolume(_ v: inout JSON) {
            let sources = KnownFields.volumeSourceFields.keys
            if !sources.contains(where: { !v[$0].isNull }) {
                v["emptyDir"] = .emptyObject  // a volume with no source is an emptyDir
            }
            v.admissionWith("secret") { $0.admissionDefault("defaultMode", 420) }
            v.admissionWith("configMap") { $0.admissionDefault("defaultMode", 420) }
            v.admissionWith("downwardAPI") { d in
                d.admissionDefault("defaultMode", 420)
                applyToDownwardAPIItems(&d)
            }
            v.admissionWith("projected") { p in
                p.admissionDefault("defaultMode", 420)
                p.admissionEach("sources") { source in
                    source.admissionWith("downwardAPI", applyToDownwardAPIItems)
                    source.admissionWith("serviceAccountToken") { $0.admissionDefault("expirationSeconds", 3600) }
                }
            }
            v.admissionWith("hostPath") { $0.admissionDefault("type", "") }
            v.admissionWith("iscsi") { $0.admissionDefaultString("iscsiInterface", "default") }
            v.admissionWith("rbd") { r in
                r.admissionDefaultString("pool", "rbd")
                r.admissionDefaultString("user", "admin")
                r.admissionDefaultString("keyring", "/etc/ceph/keyring")
            }
            v.admissionWith("azureDisk") { a in
                a.admissionDefault("cachingMode", "ReadWrite")
                a.admissionDefault("kind", "Shared")
                a.admissionDefault("fsType", "ext4")
                a.admissionDefault("readOnly", false)
            }
            v.admissionWith("scaleIO") { s in
                s.admissionDefaultString("storageMode", "ThinProvisioned")
                s.admissionDefaultString("fsType", "xfs")
            }
            v.admissionWith("ephemeral") { e in
                e.admissionWith("volumeClaimTemplate") { t in
                    t.admissionWith("spec") { $0.admissionDefault("volumeMode", "Filesystem") }
                }
            }
        }

        /// The tag of an image reference as the pull-policy default sees it: "latest" when the
        /// reference names neither a tag nor a digest, "" when it has only a digest or is empty.
        static func imageTag(_ image: String) -> String {
            if image.isEmpty { return "" }
            var name = Substring(image)
            var hasDigest = false
            if let at = name.firstIndex(of: "@") {
                name = name[..<at]
                hasDigest = true
            }
            let lastSlash = name.lastIndex(of: "/")
            let tail = lastSlash.map { name[name.index(after: $0)...] } ?? name
            // A reference Docker's parser rejects (upper case in the repository path) has no tag.
            let path = name.split(separator: "/").dropFirst(name.contains("/") ? 1 : 0).dropLast().joined()
            let tailName = tail.split(separator: ":").first.map(String.init) ?? ""
            if (path + tailName).contains(where: { $0.isUppercase }) { return "" }
            if let colon = tail.lastIndex(of: ":") {
                return String(tail[tail.index(after: colon)...])
            }
            return hasDigest ? "" : "latest"
        }
    }
}
