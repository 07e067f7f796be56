import KubeAPI
import Synchronization

/// One informer per resource type, shared by every controller that watches it (as kube-controller-manager's
/// shared informer factory does), so each resource is listed and watched once.
public final class InformerFactory: Sendable {
    let client: any KubeClient
    private let informers = Mutex<[String: Informer]>([:])

    public init(client: any KubeClient) { self.client = client }

    public func informer(_ r: ResourceType) -> Informer {
        informers.withLock { m in
            // Keyed by API, not by storage: two APIs of one storage (the two Event APIs) show objects differently.
            if let i = m[r.apiPath] { return i }
            let i = Informer(client: client, resource: r)
            m[r.apiPath] = i
            return i
        }
    }

    public var all: [Informer] { informers.withLock { Array($0.values) } }

    /// Waits until every informer created so far has listed once.
    public func waitForSync() async {
        for i in all { await i.waitForSync() }
    }
}

