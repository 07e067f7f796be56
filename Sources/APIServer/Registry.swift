import ClusterPKI
import Foundation
import KubeAPI
import KubeStore

/// The generic registry: create, read, update, patch and delete for every resource type, with Kubernetes'
/// metadata rules, admission (strict decoding, defaulting, allocation, validation) and graceful deletion.
/// HTTP handlers and in-process clients (controllers, the node agent) both call it.
public final class Registry: Sendable {
    public let store: ObjectStore
    let allocator: ServiceAllocator
    let tokenSigner: ServiceAccountTokenSigner
    /// The cluster CA certificate, published to every namespace as `kube-root-ca.crt`.
    let rootCAPEM: String

    init(store: ObjectStore, allocator: ServiceAllocator, tokenSigner: ServiceAccountTokenSigner, rootCAPEM: String) {
        self.store = store
        self.allocator = allocator
        self.tokenSigner = tokenSigner
        self.rootCAPEM = rootCAPEM
    }

    /// Kinds whose status is only written through the status subresource.
    static func hasStatusSubresource(_ t: ResourceType) -> Bool { t.subresources.contains("status") }

    func key(_ t: ResourceType, _ namespace: String?, _ name: String) -> ObjectKey {
        ObjectKey(t.storageName, t.namespaced ? (namespace ?? "") : "", name)
    }

    // MARK: Read

    func get(_ t: ResourceType, namespace: String?, name: String) throws -> JSON {
        guard let obj = store.get(key(t, namespace, name)) else { throw APIError.notFound(t, name) }
        return StorageConversion.toView(t, obj)
    }

    struct ListResult {
        var items: [JSON]
        var resourceVersion: String
        var continueToken: String?
        var remaining: Int?
    }

    /// A list, or one page of it (`limit`). Later pages (`continueToken`) come from the same snapshot as the first,
    /// as etcd serves them, while the store still holds the changes since; after that the list is Expired (410) and
    /// the Status carries a token that continues from the same place in the current state.
    func list(_ t: ResourceType, namespace: String?, labelSelector: LabelSelector?, fieldSelector: FieldSelector?,
              limit: Int?, continueToken: String?, resourceVersion: String? = nil) throws -> ListResult
    {
        let ns = t.namespaced ? namespace : nil
        var items: [JSON]
        var rv: Int64
        var start: String?
        if let token = continueToken, !token.isEmpty {
            if let v = resourceVersion, !v.isEmpty, v != "0" {
                throw APIError.badRequest("specifying resource version is not allowed when using continue")
            }
            let position: ContinueToken.Position
            do { position = try ContinueToken.decode(token) } catch {
                throw APIError.badRequest("invalid continue token: \(error)")
            }
            start = position.start
            if position.resourceVersion > 0 {
                rv = position.resourceVersion
                do { items = try store.list(t.storageName, namespace: ns, at: rv) } catch StoreError.gone {
                    throw APIError.expiredContinue(next: ContinueToken.encode(.init(resourceVersion: -1, start: position.start)))
                }
            } else {
                (items, rv) = store.list(t.storageName, namespace: ns)
            }
        } else {
            (items, rv) = store.list(t.storageName, namespace: ns)
        }
        if let labelSelector, !labelSelector.isEmpty { items = items.filter { labelSelector.matches($0.labels) } }
        if let fieldSelector { items = items.filter { fieldSelector.matches($0, kind: t.kind) } }
        if let start { items = items.filter { ContinueToken.sortKey($0) >= start } }
        var result = ListResult(items: [], resourceVersion: String(rv))
        let end = limit.map { $0 > 0 ? min(items.count, $0) : items.count } ?? items.count
        result.items = items[..<end].map { StorageConversion.toView(t, $0) }
        if end < items.count, let last = result.items.last {
            result.continueToken = ContinueToken.encode(.init(resourceVersion: rv, start: ContinueToken.sortKey(last) + "\u{0}"))
            // Kubernetes counts what is left only when nothing was filtered out, so that the count is exact.
            let filtered = !(labelSelector?.isEmpty ?? true) || !(fieldSelector?.isEmpty ?? true)
            if !filtered { result.remaining = items.count - end }
        }
        return result
    }

    // MARK: Create

    func create(_ t: ResourceType, namespace: String?, body: BodyCodec.Decoded, options: WriteOptions) throws -> (JSON, [String]) {
        var obj = body.object
        try checkTypeMeta(t, &obj)
        let warnings = try checkFields(t, obj, body: body, options: options)
        Admission.dropUnknownFields(kind: t.admissionKind, object: &obj)
        try prepareMetadataForCreate(t, namespace: namespace, &obj)
        if t.namespaced, let ns = obj.namespace { try requireNamespace(ns, creating: true) }
        Admission.applyDefaults(kind: t.admissionKind, to: &obj)
        ManagedFields.recordWrite(t, old: nil, new: &obj, subresource: nil, options: options)
        if t.kind == "Pod" && t.group.isEmpty { try admitServiceAccount(&obj) }
        prepareForCreate(t, &obj)
        var claimed: (ips: [String], ports: [Int64]) = ([], [])
        if t.kind == "Service" && t.group.isEmpty {
            (obj, claimed) = try allocate(obj, old: nil, t)
        }
        do {
            try validate(t, obj, old: nil)
            if options.dryRun {
                allocator.release(ips: claimed.ips, ports: claimed.ports)
                // What the store would refuse is refused: the name may not be taken.
                if store.get(key(t, obj.namespace, obj.name ?? "")) != nil { throw APIError.alreadyExists(t, obj.name ?? "") }
                return (obj, warnings)
            }
            let stored = try store.create(t.storageName, StorageConversion.toStorage(t, obj))
            afterCreate(t, stored)
            return (StorageConversion.toView(t, stored), warnings)
        } catch let e as StoreError {
            allocator.release(ips: claimed.ips, ports: claimed.ports)
            throw APIError.from(e, t)
        } catch {
            allocator.release(ips: claimed.ips, ports: claimed.ports)
            throw error
        }
    }

    /// apiVersion and kind in the body must be the URL's (or absent: then they are the URL's).
    func checkTypeMeta(_ t: ResourceType, _ obj: inout JSON) throws {
        guard obj.object != nil else {
            throw APIError.badRequest("\(t.kind) in version \"\(t.version)\" cannot be handled as a \(t.kind): the object provided is not a JSON object")
        }
        if let v = obj.apiVersion, !v.isEmpty, v != t.apiVersion {
            throw APIError.badRequest("the API version in the data (\(v)) does not match the expected API version (\(t.apiVersion))")
        }
        if let k = obj.kind, !k.isEmpty, k != t.kind {
            throw APIError.badRequest("the kind in the data (\(k)) does not match the expected kind (\(t.kind))")
        }
        obj["apiVersion"] = .string(t.apiVersion)
        obj["kind"] = .string(t.kind)
    }

    /// Strict/Warn/Ignore field validation of a POST or PUT body, done on what the client sent (before defaults).
    /// Values of the wrong type are refused whatever the directive: Ignore ignores only unknown and repeated fields.
    func checkFields(_ t: ResourceType, _ obj: JSON, body: BodyCodec.Decoded, options: WriteOptions) throws -> [String] {
        let typeErrors = Admission.decodeErrors(kind: t.admissionKind, object: obj)
        if !typeErrors.isEmpty {
            throw APIError.badRequest(Admission.decodeErrorMessage(kind: t.kind, version: t.version, error: typeErrors.joined(separator: ", ")))
        }
        guard options.fieldValidation != .ignore else { return [] }
        let report = body.strictReport(unknown: Admission.unknownFields(kind: t.admissionKind, object: obj))
        guard !report.isEmpty else { return [] }
        if options.fieldValidation == .strict {
            throw APIError.badRequest(Admission.decodeErrorMessage(
                kind: t.kind, version: t.version, error: report.strictDecodingError))
        }
        return report.warnings
    }

    /// An apply's configuration, decoded and checked as the create and the update paths both need it: its type
    /// meta, fields outside the schema (always refused), wrong types and repeated keys.
    func applyConfiguration(_ body: [UInt8], _ t: ResourceType, options: WriteOptions) throws -> (JSON, [String]) {
        var config = try ServerSideApply.configuration(body, t)
        try checkTypeMeta(t, &config)
        try ServerSideApply.refuseUnknownFields(t, config)
        return (config, try checkFields(t, config, duplicates: [], options: options))
    }

    /// The same for an object decoded elsewhere, whose repeated keys (if any) are JSON paths.
    func checkFields(_ t: ResourceType, _ obj: JSON, duplicates: [String], options: WriteOptions) throws -> [String] {
        try checkFields(t, obj, body: BodyCodec.Decoded(object: obj, duplicateFields: duplicates), options: options)
    }

    /// Field validation of a merge, strategic-merge or JSON patch, as Kubernetes' patch handler does it: problems are
    /// looked for in the patched object (repeated keys in the patch itself), and a refusal is 422 on the `patch` field.
    func checkPatchedFields(_ t: ResourceType, _ patched: JSON, patchType: String, patch: [UInt8], options: WriteOptions) throws -> [String] {
        if let typeError = Admission.decodeErrors(kind: t.admissionKind, object: patched).first {
            throw patchInvalid(patched, patchType: patchType, patch: patch, detail: typeError)
        }
        guard options.fieldValidation != .ignore else { return [] }
        var repeats: [String] = []
        var order: [String] = []
        // JSON patches are lists of operations: a key repeated there is not a field of the object.
        if patchType != "application/json-patch+json" {
            _ = try? JSON.parse(patch, duplicateKeys: &repeats)
            if repeats.count > 1 { order = JSON.keyPathsInDocumentOrder(patch) }
        }
        let report = StrictDecodingReport.forPatch(patchDuplicates: repeats, keyOrder: order,
                                                   unknown: Admission.unknownFields(kind: t.admissionKind, object: patched))
        guard !report.isEmpty else { return [] }
        if options.fieldValidation == .strict {
            throw patchInvalid(patched, patchType: patchType, patch: patch,
                               detail: report.strictDecodingError)
        }
        return report.warnings
    }

    /// `"" is invalid: patch: Invalid value: "...": <detail>`: strategic merge patches show the patch as Go prints
    /// the decoded map, merge and JSON patches show the patched object.
    func patchInvalid(_ patched: JSON, patchType: String, patch: [UInt8], detail: String) -> APIError {
        let shown = patchType == "application/strategic-merge-patch+json"
            ? Admission.goPlainValue((try? JSON.parse(patch)) ?? .null)
            : patched.jsonString
        var status = Admission.invalidStatus(kind: "", group: "", name: "", errors: [.invalid("patch", .string(shown), detail)])
        status["details"]["name"] = .null
        status["details"]["kind"] = .null
        return APIError(code: 422, reason: "Invalid", message: status["message"].string ?? "invalid patch").withStatus(status)
    }

    func prepareMetadataForCreate(_ t: ResourceType, namespace: String?, _ obj: inout JSON) throws {
        if t.namespaced {
            let urlNS = namespace ?? ""
            let bodyNS = obj.namespace ?? ""
            if !bodyNS.isEmpty && !urlNS.isEmpty && bodyNS != urlNS {
                throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            let ns = urlNS.isEmpty ? bodyNS : urlNS
            if ns.isEmpty { throw APIError.badRequest("the server could not find the requested resource: a namespace is required") }
            obj["metadata"]["namespace"] = .string(ns)
        } else {
            obj["metadata"]["namespace"] = .null
        }
        if (obj.name ?? "").isEmpty, let prefix = obj["metadata"]["generateName"].string, !prefix.isEmpty {
            obj["metadata"]["name"] = .string(prefix + NameSuffix.random())
        }
        obj["metadata"]["uid"] = .string(UUID().uuidString.lowercased())
        obj["metadata"]["creationTimestamp"] = .string(Clock.timestamp())
        obj["metadata"]["resourceVersion"] = .null
        obj["metadata"]["deletionTimestamp"] = .null
        obj["metadata"]["deletionGracePeriodSeconds"] = .null
        obj["metadata"]["selfLink"] = .null
        if ["Deployment", "ReplicaSet"].contains(t.kind) { obj["metadata"]["generation"] = 1 } else {
            obj["metadata"]["generation"] = .null
        }
    }

    /// What each kind's strategy does on create beyond defaults.
    func prepareForCreate(_ t: ResourceType, _ obj: inout JSON) {
        switch (t.group, t.kind) {
        case ("", "Pod"):
            obj["status"] = ["phase": "Pending", "qosClass": .string(Self.qosClass(obj))]
        case ("", "Service"):
            obj["status"] = ["loadBalancer": [:]]
        case ("", "Namespace"):
            obj["status"] = ["phase": "Active"]
        case ("apps", _):
            obj["status"] = .null
        default:
            break
        }
    }

    /// Kubernetes' QoS class: Guaranteed when every container's requests equal its limits for cpu and memory,
    /// BestEffort when nothing is requested or limited, Burstable otherwise.
    static func qosClass(_ pod: JSON) -> String {
        let containers = pod["spec"]["containers"].elements + pod["spec"]["initContainers"].elements
        var anySet = false
        var guaranteed = true
        for c in containers {
            let req = c["resources"]["requests"].members, lim = c["resources"]["limits"].members
            if !req.isEmpty || !lim.isEmpty { anySet = true }
            for r in ["cpu", "memory"] {
                guard let l = lim[r] else { guaranteed = false; continue }
                if let q = req[r], q != l { guaranteed = false }
            }
        }
        if !anySet { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }

    func allocate(_ svc: JSON, old: JSON?, _ t: ResourceType) throws -> (JSON, (ips: [String], ports: [Int64])) {
        do {
            let r = try allocator.allocate(svc, old: old)
            return (r.service, r.claimed)
        } catch {
            let name = svc.name ?? ""
            switch error {
            case .ipTaken(let ip):
                throw APIError.invalid(t, name, Self.clusterIPError(ip, "provided IP is already allocated"))
            case .ipOutOfRange(let ip):
                throw APIError.invalid(t, name, Self.clusterIPError(ip, "the provided IP (\(ip)) is not in the valid range. The range of valid IPs is \(allocator.serviceCIDR)"))
            case .ipExhausted:
                throw APIError.internalError("failed to allocate a serviceIP: range is full")
            case .portTaken(let i, let p):
                throw APIError.invalid(t, name, .invalid("spec.ports[\(i)].nodePort", .int(p), "provided port is already allocated"))
            case .portOutOfRange(let i, let p):
                throw APIError.invalid(t, name, .invalid("spec.ports[\(i)].nodePort", .int(p), "provided port is not in the valid range. The range of valid ports is 30000-32767"))
            case .portsExhausted:
                throw APIError.internalError("failed to allocate a nodePort: range is full")
            }
        }
    }

    /// A cluster IP that could not be had, as Kubernetes' allocator words it.
    static func clusterIPError(_ ip: String, _ why: String) -> FieldError {
        .invalid("spec.clusterIPs", .array([.string(ip)]), "failed to allocate IP \(ip): \(why)",
                 goValue: "[]string{\(Admission.goQuoted(ip))}")
    }

    func validate(_ t: ResourceType, _ obj: JSON, old: JSON?) throws {
        let errors = Admission.validate(kind: t.admissionKind, object: obj, old: old)
        guard !errors.isEmpty else { return }
        throw APIError.invalid(t, obj.name ?? "", errors)
    }

    func requireNamespace(_ ns: String, creating: Bool) throws {
        guard let nsObj = store.get(ObjectKey("namespaces", "", ns)) else { throw APIError.namespaceNotFound(ns) }
        if creating, nsObj["metadata"]["deletionTimestamp"].string != nil {
            throw APIError.forbidden("unable to create new content in namespace \(ns) because it is being terminated")
        }
    }

    /// Things Kubernetes' controllers do as soon as an object exists, done in-process.
    func afterCreate(_ t: ResourceType, _ obj: JSON) {
        if t.group.isEmpty && t.kind == "Namespace", let ns = obj.name {
            ensureNamespaceDefaults(ns)
        }
    }

    func ensureDefaultServiceAccount(_ ns: String) {
        let key = ObjectKey("serviceaccounts", ns, "default")
        guard store.get(key) == nil else { return }
        let sa: JSON = ["apiVersion": "v1", "kind": "ServiceAccount",
                        "metadata": ["name": "default", "namespace": .string(ns),
                                     "uid": .string(UUID().uuidString.lowercased()),
                                     "creationTimestamp": .string(Clock.timestamp())]]
        _ = try? store.create("serviceaccounts", sa)
    }

    /// The store's atomic read-decide-write, seen through `t`'s API: `decide` sees and returns objects as that API
    /// shows them (the two Event APIs share one storage, see `StorageConversion`).
    func mutateViewed(_ t: ResourceType, _ k: ObjectKey, _ decide: (JSON?) throws -> Mutation) throws -> JSON? {
        let stored = try store.mutate(k) { current in
            let decision = try decide(current.map { StorageConversion.toView(t, $0) })
            if case .put(let object) = decision { return .put(StorageConversion.toStorage(t, object)) }
            return decision
        }
        return stored.map { StorageConversion.toView(t, $0) }
    }

    // MARK: Update and patch

    enum Change {
        case replace(BodyCodec.Decoded)
        case patch(type: String, body: [UInt8])
    }

    /// PUT or PATCH of an object or its status/scale subresource. Returns the stored object, whether it was
    /// created (PATCH with apply, PUT on a missing object of kinds that allow it), and warnings.
    func update(_ t: ResourceType, namespace: String?, name: String, subresource: String?, change: Change,
                options: WriteOptions) throws -> (object: JSON, created: Bool, warnings: [String])
    {
        let k = key(t, namespace, name)
        var warnings: [String] = []
        var created = false
        var released: JSON?
        var claimed: (ips: [String], ports: [Int64]) = ([], [])
        var result: JSON?
        // A dry run answers with the object it would have stored.
        var dryRunResult: JSON?
        func write(_ object: JSON) -> Mutation {
            guard options.dryRun else { return .put(object) }
            dryRunResult = object
            return .keep
        }
        // The store's lock is held while deciding, so everything read from the store is read before.
        if change.isApply, t.namespaced, let ns = namespace, store.get(k) == nil { try requireNamespace(ns, creating: true) }
        do {
            result = try mutateViewed(t, k) { current -> Mutation in
                // Each attempt starts clean: allocations of an earlier pass are given back.
                allocator.release(ips: claimed.ips, ports: claimed.ports)
                claimed = ([], [])
                guard let current else {
                    if case .patch(_, let body) = change, change.isApply, subresource == nil {
                        // Server-side apply creates what is missing.
                        let config: JSON
                        (config, warnings) = try applyConfiguration(body, t, options: options)
                        if (config.name ?? "") != name { throw APIError.badRequest("the name of the object (\(config.name ?? "")) does not match the name on the URL (\(name))") }
                        var obj = try ServerSideApply.apply(t, live: nil, config: config, subresource: nil, options: options)
                        Admission.dropUnknownFields(kind: t.admissionKind, object: &obj)
                        try prepareMetadataForCreate(t, namespace: namespace, &obj)
                        Admission.applyDefaults(kind: t.admissionKind, to: &obj)
                        prepareForCreate(t, &obj)
                        if t.kind == "Service" && t.group.isEmpty { (obj, claimed) = try allocate(obj, old: nil, t) }
                        try validate(t, obj, old: nil)
                        created = true
                        return write(obj)
                    }
                    throw APIError.notFound(t, name)
                }
                var (desired, w) = try desiredObject(t, current: current, subresource: subresource, change: change, options: options)
                warnings = w
                if (desired.name ?? name) != name {
                    throw APIError.badRequest("the name of the object (\(desired.name ?? "")) does not match the name on the URL (\(name))")
                }
                if let rv = desired.resourceVersion, !rv.isEmpty, rv != current.resourceVersion {
                    throw APIError.conflict(t, name)
                }
                let appliedManagers = desired["metadata"]["managedFields"]
                desired = carryOver(t, from: current, to: desired, subresource: subresource)
                // carryOver starts status writes from the stored object; an apply's new managers stay.
                if change.isApply { desired["metadata"]["managedFields"] = appliedManagers }
                // What the kind's types do not have is never stored (after field validation has reported it).
                Admission.dropUnknownFields(kind: t.admissionKind, object: &desired)
                if subresource == nil { Admission.applyDefaults(kind: t.admissionKind, to: &desired) }
                // An apply recorded its managers itself; other writes are Updates by their manager.
                if !change.isApply { ManagedFields.recordWrite(t, old: current, new: &desired, subresource: subresource, options: options) }
                if subresource == nil, t.kind == "Service" && t.group.isEmpty { (desired, claimed) = try allocate(desired, old: current, t) }
                try validate(t, desired, old: current)
                var comparable = desired
                comparable["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
                // A no-op write keeps its resourceVersion, as Kubernetes does (an apply that only shares ownership
                // changes managedFields, and is stored).
                if comparable == current { return .keep }
                // A deleting object whose last finalizer went away is removed now.
                if desired["metadata"]["deletionTimestamp"].string != nil && desired["metadata"]["finalizers"].elements.isEmpty
                    && !(t.kind == "Pod" && desired["metadata"]["deletionGracePeriodSeconds"].int ?? 0 > 0)
                    && !(t.kind == "Namespace" && !desired["spec"]["finalizers"].elements.isEmpty)
                {
                    released = current
                    return options.dryRun ? .keep : .delete
                }
                if t.kind == "Service" { released = current }
                return write(desired)
            }
        } catch let e as StoreError {
            allocator.release(ips: claimed.ips, ports: claimed.ports)
            throw APIError.from(e, t)
        } catch {
            allocator.release(ips: claimed.ips, ports: claimed.ports)
            throw error
        }
        if options.dryRun { allocator.release(ips: claimed.ips, ports: claimed.ports) }
        if let old = released, t.kind == "Service", !options.dryRun { allocator.releaseDifference(old: old, new: result) }
        if created { afterCreate(t, result ?? .null) }
        let final = dryRunResult ?? result ?? (try? get(t, namespace: namespace, name: name)) ?? .null
        return (final, created, warnings)
    }

    /// The object the client wants, before metadata rules: the PUT body, or the current object patched.
    func desiredObject(_ t: ResourceType, current: JSON, subresource: String?, change: Change, options: WriteOptions)
        throws -> (JSON, [String])
    {
        let isScale = subresource == "scale"
        let base = isScale ? Scale.from(current, t) : current
        var desired: JSON
        var warnings: [String] = []
        switch change {
        case .replace(let decoded):
            desired = decoded.object
            if isScale {
                guard desired.kind == nil || desired.kind == "Scale" else {
                    throw APIError.badRequest("the kind in the data (\(desired.kind ?? "")) does not match the expected kind (Scale)")
                }
            } else {
                try checkTypeMeta(t, &desired)
                warnings = try checkFields(t, desired, body: decoded, options: options)
            }
        case .patch(_, let body) where change.isApply:
            if isScale { throw APIError.unsupportedMediaType(ServerSideApply.mediaType) }
            let config: JSON
            (config, warnings) = try applyConfiguration(body, t, options: options)
            desired = try ServerSideApply.apply(t, live: current, config: config, subresource: subresource, options: options)
        case .patch(let type, let body):
            desired = try Patching.apply(type: type, body: body, to: base, kind: t.admissionKind, resource: t)
            if !isScale {
                try checkTypeMeta(t, &desired)
                if type == "application/apply-patch+yaml" {
                    warnings = try checkFields(t, desired, duplicates: [], options: options)
                } else {
                    warnings = try checkPatchedFields(t, desired, patchType: type, patch: body, options: options)
                }
            }
        }
        if isScale {
            guard let replicas = desired["spec"]["replicas"].int else {
                throw APIError.badRequest("Scale.spec.replicas is required")
            }
            if replicas < 0 {
                // Reported against the Scale, as the scale subresource's own validation does.
                throw APIError.invalid(kind: "Scale", group: "autoscaling", current.name ?? "",
                                       [.invalid("spec.replicas", .int(replicas), "must be greater than or equal to 0")])
            }
            var updated = current
            updated["spec"]["replicas"] = .int(replicas)
            if let rv = desired.resourceVersion { updated["metadata"]["resourceVersion"] = .string(rv) }
            return (updated, warnings)
        }
        return (desired, warnings)
    }

    /// Fields the client cannot change through this endpoint come from the stored object.
    func carryOver(_ t: ResourceType, from current: JSON, to desired: JSON, subresource: String?) -> JSON {
        var d = desired
        if subresource == "finalize" {
            // namespaces/finalize changes spec.finalizers only (the namespace controller's last step).
            var s = current
            s["spec"]["finalizers"] = desired["spec"]["finalizers"]
            return s
        }
        if subresource == "status" {
            // Status writes change status only (and nothing else, as Kubernetes' status strategies do).
            var s = current
            s["status"] = desired["status"]
            if t.kind == "Pod" { s["metadata"]["labels"] = current["metadata"]["labels"] }
            return s
        }
        for field in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace"] {
            d["metadata"][field] = current["metadata"][field]
        }
        if t.namespaced { d["metadata"]["namespace"] = current["metadata"]["namespace"] }
        if Self.hasStatusSubresource(t) && subresource == nil { d["status"] = current["status"] }
        if let g = current["metadata"]["generation"].int, d["spec"] != current["spec"] {
            d["metadata"]["generation"] = .int(g + 1)
        }
        // Once deleting, finalizers may only be removed, never added.
        if current["metadata"]["deletionTimestamp"].string != nil {
            let allowed = Set(current["metadata"]["finalizers"].elements)
            let kept = d["metadata"]["finalizers"].elements.filter { allowed.contains($0) }
            d["metadata"]["finalizers"] = kept.isEmpty ? .null : .array(kept)
        }
        return d
    }

    // MARK: Delete

    /// Deletes an object, or starts its graceful deletion. Returns the object (gone or with deletionTimestamp) and
    /// whether it is gone now.
    func delete(_ t: ResourceType, namespace: String?, name: String, options: DeleteOptions) throws -> (JSON, Bool) {
        let k = key(t, namespace, name)
        var gone = false
        var removed: JSON?
        var dryRunAnswer: JSON?
        let result: JSON?
        do {
            result = try mutateViewed(t, k) { current -> Mutation in
                guard var obj = current else { throw APIError.notFound(t, name) }
                if let uid = options.preconditionUID, uid != obj.uid {
                    throw APIError(code: 409, reason: "Conflict", message: "Precondition failed: UID in precondition: \(uid), UID in object meta: \(obj.uid ?? "")")
                }
                if let rv = options.preconditionResourceVersion, rv != obj.resourceVersion {
                    throw APIError(code: 409, reason: "Conflict", message: "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(obj.resourceVersion ?? "")")
                }
                var finalizers = obj["metadata"]["finalizers"].elements.compactMap(\.string)
                let alreadyDeleting = obj["metadata"]["deletionTimestamp"].string != nil
                // A graceful deletion under way (a pod stopping) is left as it is, finalizers included, unless
                // this DELETE shortens it; otherwise the propagation policy sets the garbage collector's finalizers.
                let pendingGrace = obj["metadata"]["deletionGracePeriodSeconds"].int ?? 0
                let gracefulPending = alreadyDeleting && pendingGrace > 0 && (options.gracePeriodSeconds.map { $0 >= pendingGrace } ?? true)
                if !gracefulPending {
                    finalizers = DeletionFinalizers.afterDelete(finalizers, propagationPolicy: options.propagation?.rawValue)
                }
                if t.kind == "Namespace" && t.group.isEmpty {
                    // The namespace lifecycle empties it first; spec.finalizers holds it until then.
                    obj["status"]["phase"] = "Terminating"
                }
                let grace = podGracePeriod(t, obj, options)
                let namespacePending = t.kind == "Namespace" && !obj["spec"]["finalizers"].elements.isEmpty
                if finalizers.isEmpty && grace == 0 && !namespacePending {
                    removed = obj
                    gone = true
                    return options.dryRun ? .keep : .delete
                }
                if !alreadyDeleting || grace > 0 {
                    let deadline = Date().addingTimeInterval(TimeInterval(grace))
                    if !alreadyDeleting { obj["metadata"]["deletionTimestamp"] = .string(Clock.timestamp(deadline)) }
                    obj["metadata"]["deletionGracePeriodSeconds"] = .int(grace)
                }
                obj["metadata"]["finalizers"] = finalizers.isEmpty ? .null : .array(finalizers.map { .string($0) })
                if options.dryRun {
                    dryRunAnswer = obj
                    return .keep
                }
                return .put(obj)
            }
        } catch let e as StoreError {
            throw APIError.from(e, t)
        }
        if gone, let removed, t.kind == "Service", t.group.isEmpty, !options.dryRun {
            allocator.releaseDifference(old: removed, new: nil)
        }
        return (dryRunAnswer ?? result ?? removed ?? .null, gone)
    }

    /// Pods on a node are stopped by their node agent first: they keep a deletionTimestamp for the grace period.
    /// Unscheduled pods, and a grace period of 0, delete at once.
    func podGracePeriod(_ t: ResourceType, _ obj: JSON, _ options: DeleteOptions) -> Int64 {
        guard t.kind == "Pod" && t.group.isEmpty else { return 0 }
        guard obj["spec"]["nodeName"].string?.isEmpty == false else { return 0 }
        let phase = obj["status"]["phase"].string
        if phase == "Succeeded" || phase == "Failed" { return 0 }
        let grace = options.gracePeriodSeconds ?? obj["spec"]["terminationGracePeriodSeconds"].int ?? 30
        if let current = obj["metadata"]["deletionGracePeriodSeconds"].int, obj["metadata"]["deletionTimestamp"].string != nil {
            return min(current, grace)
        }
        return max(grace, 0)
    }
}

extension Registry.Change {
    var isApply: Bool {
        if case .patch(let t, _) = self { return t == ServerSideApply.mediaType }
        return false
    }
}

/// Random name suffixes: Kubernetes' alphabet without vowels and look-alikes.
enum NameSuffix {
    static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
    static func random(_ n: Int = 5) -> String { String((0..<n).map { _ in alphabet.randomElement()! }) }
}

/// Continue tokens as Kubernetes makes them: base64url (unpadded) of `{"v":"meta.k8s.io/v1","rv":N,"start":K}`, where
/// K is the key to continue from (the last key returned plus a NUL, so "after it") and N the list's resourceVersion
/// (-1: continue in the current state).
enum ContinueToken {
    struct Position: Equatable {
        var resourceVersion: Int64
        var start: String
    }

    struct Invalid: Error, CustomStringConvertible {
        let reason: String?
        var description: String { "continue key is not valid" + (reason.map { ": \($0)" } ?? "") }
    }

    static func sortKey(_ obj: JSON) -> String { "\(obj.namespace ?? "")/\(obj.name ?? "")" }

    static func encode(_ p: Position) -> String {
        let json: JSON = ["v": "meta.k8s.io/v1", "rv": .int(p.resourceVersion), "start": .string(p.start)]
        return Data(json.serialized()).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The position, or Kubernetes' reason for refusing the token.
    static func decode(_ token: String) throws -> Position {
        let bytes = try base64URLDecode(token)
        let json: JSON
        do { json = try JSON.parse(bytes) } catch { throw Invalid(reason: "\(error)") }
        guard json["v"].string == "meta.k8s.io/v1" else { throw Invalid(reason: "server does not recognize this encoded version") }
        guard let rv = json["rv"].int, rv != 0 else {
            throw Invalid(reason: "incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        }
        guard let start = json["start"].string, !start.isEmpty else {
            throw Invalid(reason: "encoded start key empty (version meta.k8s.io/v1)")
        }
        return Position(resourceVersion: rv, start: start)
    }

    /// Go's base64.RawURLEncoding, with its error: `illegal base64 data at input byte N`.
    static func base64URLDecode(_ text: String) throws -> [UInt8] {
        let chars = Array(text.utf8)
        for (i, c) in chars.enumerated() {
            let ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 45 || c == 95
            if !ok { throw Invalid(reason: "illegal base64 data at input byte \(i)") }
        }
        if chars.count % 4 == 1 { throw Invalid(reason: "illegal base64 data at input byte \(chars.count - 1)") }
        var standard = String(decoding: chars.map { $0 == 45 ? 43 : $0 == 95 ? 47 : $0 }, as: UTF8.self)
        standard += String(repeating: "=", count: (4 - chars.count % 4) % 4)
        guard let data = Data(base64Encoded: standard) else { throw Invalid(reason: "illegal base64 data at input byte 0") }
        return Array(data)
    }
}

extension Registry {
    /// pods/binding: assigns a pod to a node once, and records PodScheduled, as the API server's binding REST does.
    /// Both the HTTP route and the in-process client come here, so every binding gets the same checks: the
    /// create rules for the namespace, the name matching the URL, Binding validation, and the uid precondition.
    func bind(namespace: String, name: String, binding: JSON) throws {
        let pods = ResourceRegistry.lookup(apiVersion: "v1", plural: "pods")!
        var binding = binding
        let bindingNamespace = binding.namespace ?? ""
        if bindingNamespace.isEmpty {
            binding["metadata"]["namespace"] = .string(namespace)
        } else if bindingNamespace != namespace {
            throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
        guard binding.name == name else { throw APIError.badRequest("name in URL does not match name in Binding object") }
        let errors = Admission.validate(kind: "Binding", object: binding, old: nil)
        guard errors.isEmpty else { throw APIError.invalid(kind: "Binding", group: "", name, errors) }
        let node = binding["target"]["name"].string ?? ""
        let preconditionUID = binding.uid ?? ""
        do {
            try store.mutate(ObjectKey("pods", namespace, name)) { current in
                guard var pod = current else { throw APIError.notFound(pods, name) }
                if !preconditionUID.isEmpty, preconditionUID != pod.uid {
                    // A failed storage precondition is reported against pods, the store's resource.
                    throw APIError(code: 409, reason: "Conflict", message: "Operation cannot be fulfilled on pods \"\(name)\": Precondition failed: UID in precondition: \(preconditionUID), UID in object meta: \(pod.uid ?? "")")
                }
                if pod["metadata"]["deletionTimestamp"].string != nil {
                    throw APIError(code: 409, reason: "Conflict", message: "Operation cannot be fulfilled on pods/binding \"\(name)\": pod \(name) is being deleted, cannot be assigned to a host")
                }
                if let existing = pod["spec"]["nodeName"].string, !existing.isEmpty {
                    throw APIError(code: 409, reason: "Conflict", message: "Operation cannot be fulfilled on pods/binding \"\(name)\": pod \(name) is already assigned to node \"\(existing)\"")
                }
                pod["spec"]["nodeName"] = .string(node)
                var conditions = pod["status"]["conditions"].elements.filter { $0["type"] != "PodScheduled" }
                conditions.append(["type": "PodScheduled", "status": "True", "lastProbeTime": .null,
                                   "lastTransitionTime": .string(Clock.timestamp())])
                pod["status"]["conditions"] = .array(conditions)
                return .put(pod)
            }
        } catch let e as StoreError {
            throw APIError.from(e, pods)
        }
    }
}
