import ClusterPKI
import Foundation
import KubeAPI
import KubeStore

/// Service accounts as kube-apiserver and kube-controller-manager provide them: the TokenRequest subresource,
/// token authentication, the ServiceAccount admission plugin's `kube-api-access-*` volume, and the
/// `kube-root-ca.crt` ConfigMap of every namespace.
extension Registry {
    static let serviceAccountMountPath = ServiceAccountDefaults.mountPath
    static let rootCAConfigMap = ServiceAccountDefaults.rootCAConfigMap

    var apiAudiences: [String] { [tokenSigner.issuer] }

    // MARK: TokenRequest

    /// `POST serviceaccounts/<name>/token`: validates the TokenRequest, checks the bound object, signs.
    func requestToken(namespace: String, serviceAccount name: String, request: JSON, now: Date = Date()) throws -> JSON {
        let saType = ResourceType.named("serviceaccounts")
        let sa = try get(saType, namespace: namespace, name: name)
        var spec = request["spec"]
        let seconds = spec["expirationSeconds"].int ?? 3600
        let tokenRequest = "TokenRequest.authentication.k8s.io \"\(name)\" is invalid: "
        if seconds < 600 {
            throw APIError(code: 422, reason: "Invalid", message: tokenRequest + "spec.expirationSeconds: Invalid value: \(seconds): may not specify a duration less than 10 minutes")
        }
        if seconds > 1 << 32 {
            throw APIError(code: 422, reason: "Invalid", message: tokenRequest + "spec.expirationSeconds: Invalid value: \(seconds): may not specify a duration larger than 2^32 seconds")
        }
        spec["expirationSeconds"] = .int(seconds)
        var audiences = spec["audiences"].elements.compactMap(\.string)
        if audiences.isEmpty { audiences = apiAudiences }
        spec["audiences"] = .array(audiences.map(JSON.string))

        var pod: ServiceAccountTokenClaims.ObjectRef?
        var node: ServiceAccountTokenClaims.ObjectRef?
        let ref = spec["boundObjectRef"]
        if !ref.isNull {
            let kind = ref["kind"].string ?? ""
            let refName = ref["name"].string ?? ""
            guard kind == "Pod" else {
                throw APIError.badRequest("cannot bind token for object of kind \"\(kind)\": only Pod is supported by this server")
            }
            let bound = try get(.named("pods"), namespace: namespace, name: refName)
            let uid = bound["metadata"]["uid"].string ?? ""
            if let wanted = ref["uid"].string, !wanted.isEmpty, wanted != uid {
                throw APIError(code: 409, reason: "Conflict", message: "the UID in the bound object reference (\(wanted)) does not match the UID in record. The object might have been deleted and then recreated")
            }
            guard (bound["spec"]["serviceAccountName"].string ?? "default") == name else {
                throw APIError.badRequest("cannot bind token for pod \"\(refName)\": it runs as service account \"\(bound["spec"]["serviceAccountName"].string ?? "")\", not \"\(name)\"")
            }
            pod = .init(name: refName, uid: uid)
            if let nodeName = bound["spec"]["nodeName"].string, !nodeName.isEmpty,
               let nodeObj = store.get(ObjectKey("nodes", "", nodeName)) {
                node = .init(name: nodeName, uid: nodeObj["metadata"]["uid"].string ?? "")
            }
        }
        let expiry = now.addingTimeInterval(Double(seconds))
        let claims = ServiceAccountTokenClaims(
            issuer: tokenSigner.issuer, audiences: audiences, issuedAt: now, expiry: expiry, namespace: namespace,
            serviceAccount: .init(name: name, uid: sa["metadata"]["uid"].string ?? ""), pod: pod, node: node)
        let token: String
        do { token = try tokenSigner.sign(claims) } catch { throw APIError.internalError("signing a token for serviceaccount \(namespace)/\(name): \(error)") }
        return ["kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
                "metadata": ["name": .string(name), "namespace": .string(namespace), "creationTimestamp": .null],
                "spec": spec,
                "status": ["token": .string(token), "expirationTimestamp": .string(Clock.timestamp(expiry))]]
    }

    // MARK: Authentication

    /// The user a service-account token stands for, if it is valid now: signed by this server, for its audience,
    /// unexpired, and its service account (and bound pod) still the objects it was issued for.
    func authenticateServiceAccountToken(_ token: String, now: Date = Date()) throws -> RequestUser? {
        let claims = try tokenSigner.verify(token, acceptedAudiences: apiAudiences, now: now)
        guard let sa = store.get(ObjectKey("serviceaccounts", claims.namespace, claims.serviceAccount.name)),
              sa["metadata"]["uid"].string == claims.serviceAccount.uid else { return nil }
        if let pod = claims.pod {
            guard let current = store.get(ObjectKey("pods", claims.namespace, pod.name)),
                  current["metadata"]["uid"].string == pod.uid else { return nil }
        }
        return RequestUser(name: claims.subject, uid: claims.serviceAccount.uid,
                           groups: ["system:serviceaccounts", "system:serviceaccounts:\(claims.namespace)", "system:authenticated"])
    }

    // MARK: Admission

    /// The ServiceAccount admission plugin: the pod's service account must exist; unless automounting is off
    /// (on the pod, else on the service account), a projected `kube-api-access-<suffix>` volume with the token,
    /// the cluster CA and the namespace is added and mounted read-only into every container at the well-known path.
    func admitServiceAccount(_ pod: inout JSON) throws {
        // Mirror pods of static pods are the kubelet's; they may not reference API objects.
        if pod["metadata"]["annotations"]["kubernetes.io/config.mirror"].string != nil { return }
        let namespace = pod.namespace ?? ""
        let name = pod["spec"]["serviceAccountName"].string ?? "default"
        guard let sa = store.get(ObjectKey("serviceaccounts", namespace, name)) else {
            throw APIError(code: 403, reason: "Forbidden",
                           message: "pods \"\(pod.name ?? "")\" is forbidden: error looking up service account \(namespace)/\(name): serviceaccount \"\(name)\" not found",
                           details: ["name": .string(pod.name ?? ""), "kind": "pods"])
        }
        let automount = pod["spec"]["automountServiceAccountToken"].bool ?? sa["automountServiceAccountToken"].bool ?? true
        guard automount else { return }
        var volumes = pod["spec"]["volumes"].elements
        var volumeName = volumes.first { ($0["name"].string ?? "").hasPrefix("kube-api-access-") && !$0["projected"].isNull }?["name"].string
        func mountsIt(_ container: JSON) -> Bool {
            container["volumeMounts"].elements.contains { $0["mountPath"].string == Self.serviceAccountMountPath }
        }
        let containers = ["initContainers", "containers"].flatMap { pod["spec"][$0].elements }
        guard containers.contains(where: { !mountsIt($0) }) else { return }
        if volumeName == nil {
            let fresh = "kube-api-access-" + NameSuffix.random()
            volumes.append(Self.apiAccessVolume(named: fresh))
            pod["spec"]["volumes"] = .array(volumes)
            volumeName = fresh
        }
        let mount: JSON = ["name": .string(volumeName!), "readOnly": true, "mountPath": .string(Self.serviceAccountMountPath)]
        for key in ["initContainers", "containers"] {
            guard case .array(var list) = pod["spec"][key] else { continue }
            for i in list.indices where !mountsIt(list[i]) {
                list[i]["volumeMounts"] = .array(list[i]["volumeMounts"].elements + [mount])
            }
            pod["spec"][key] = .array(list)
        }
    }

    static func apiAccessVolume(named name: String) -> JSON {
        ["name": .string(name), "projected": [
            "defaultMode": 420,
            "sources": [
                ["serviceAccountToken": ["expirationSeconds": .int(ServiceAccountDefaults.projectedTokenSeconds), "path": "token"]],
                ["configMap": ["name": .string(rootCAConfigMap), "items": [["key": "ca.crt", "path": "ca.crt"]]]],
                ["downwardAPI": ["items": [["path": "namespace", "fieldRef": ["apiVersion": "v1", "fieldPath": "metadata.namespace"]]]]],
            ],
        ]]
    }

    // MARK: Namespace defaults

    /// What a namespace holds from its first moment: the `default` ServiceAccount (serviceaccount-controller) and
    /// the `kube-root-ca.crt` ConfigMap (root-ca-cert-publisher). Both controllers also run, to put them back.
    func ensureNamespaceDefaults(_ ns: String) {
        ensureDefaultServiceAccount(ns)
        guard store.get(ObjectKey("configmaps", ns, Self.rootCAConfigMap)) == nil else { return }
        var cm = ServiceAccountDefaults.rootCAConfigMapObject(namespace: ns, caPEM: rootCAPEM)
        cm["metadata"]["uid"] = .string(UUID().uuidString.lowercased())
        cm["metadata"]["creationTimestamp"] = .string(Clock.timestamp())
        _ = try? store.create("configmaps", cm)
    }
}
