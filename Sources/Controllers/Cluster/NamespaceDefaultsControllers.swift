import Foundation
import KubeAPI
import KubeClient

/// kube-controller-manager's root-ca-cert-publisher: every namespace that is not terminating holds the ConfigMap
/// `kube-root-ca.crt` with the cluster CA under `ca.crt`, put back when deleted and reset when edited. Pods read
/// it through their `kube-api-access-*` volume to trust the API server.
public final class RootCACertPublisher: Controller, Sendable {
    static let configMapName = ServiceAccountDefaults.rootCAConfigMap
    static let description = ServiceAccountDefaults.rootCADescription
    public let name = "root-ca-cert-publisher"

    let context: ControllerContext
    let caPEM: String
    let namespaces: Informer
    let configMaps: Informer
    let queue = WorkQueue()

    public init(context: ControllerContext, caPEM: String) {
        self.context = context
        self.caPEM = caPEM
        namespaces = context.informers.informer(.namespaces)
        configMaps = context.informers.informer(.configMaps)
    }

    public func register() {
        namespaces.addHandler { [self] _, new in
            if let new, let name = new.name { queue.add(name) }
        }
        configMaps.addHandler { [self] old, new in
            guard let cm = new ?? old, cm.name == Self.configMapName, let ns = cm.namespace else { return }
            queue.add(ns)
        }
    }

    public func run() async {
        await queue.run({ [self] ns in try await sync(ns) }, onError: { [self] ns, error in
            context.logger.warning("publishing \(Self.configMapName) in namespace \(ns) failed: \(error)")
        })
    }

    func sync(_ ns: String) async throws {
        guard let namespace = namespaces.get("", ns), !Ownership.isDeleting(namespace) else { return }
        let wanted: [String: JSON] = ["ca.crt": .string(caPEM)]
        guard var current = configMaps.get(ns, Self.configMapName) else {
            do {
                _ = try await context.client.create(.configMaps, ServiceAccountDefaults.rootCAConfigMapObject(namespace: ns, caPEM: caPEM),
                                                    fieldManager: name)
            } catch let e as ClientError where e.isAlreadyExists {
                return  // created meanwhile (by the API server's own namespace set-up): the informer will show it
            }
            return
        }
        let upToDate = current["data"].object == wanted && current["binaryData"].isNull
            && current["metadata"]["annotations"]["kubernetes.io/description"].string == Self.description
        guard !upToDate else { return }
        current["data"] = .object(wanted)
        current["binaryData"] = .null
        current["metadata"]["annotations"]["kubernetes.io/description"] = .string(Self.description)
        _ = try await context.client.update(.configMaps, current, subresource: nil, fieldManager: name)
    }
}

/// kube-controller-manager's serviceaccount-controller: every namespace that is not terminating has the
/// `default` ServiceAccount, recreated when deleted.
public final class ServiceAccountsController: Controller, Sendable {
    public let name = "serviceaccount-controller"

    let context: ControllerContext
    let namespaces: Informer
    let serviceAccounts: Informer
    let queue = WorkQueue()

    public init(context: ControllerContext) {
        self.context = context
        namespaces = context.informers.informer(.namespaces)
        serviceAccounts = context.informers.informer(.serviceAccounts)
    }

    public func register() {
        namespaces.addHandler { [self] _, new in
            if let new, let name = new.name { queue.add(name) }
        }
        serviceAccounts.addHandler { [self] old, new in
            if new == nil, let old, old.name == "default", let ns = old.namespace { queue.add(ns) }
        }
    }

    public func run() async {
        await queue.run({ [self] ns in try await sync(ns) }, onError: { [self] ns, error in
            context.logger.warning("creating the default service account in namespace \(ns) failed: \(error)")
        })
    }

    func sync(_ ns: String) async throws {
        guard let namespace = namespaces.get("", ns), !Ownership.isDeleting(namespace),
              serviceAccounts.get(ns, "default") == nil else { return }
        let sa: JSON = ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "default", "namespace": .string(ns)]]
        do {
            _ = try await context.client.create(.serviceAccounts, sa, fieldManager: name)
        } catch let e as ClientError where e.isAlreadyExists {
            return
        }
    }
}
