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
            if let i = m[r.storageName] { return i }
            let i = Informer(client: client, resource: r)
            m[r.storageName] = i
            return i
        }
    }

    public var all: [Informer] { informers.withLock { Array($0.values) } }

    /// Waits until every informer created so far has listed once.
    public func waitForSync() async {
        for i in all { await i.waitForSync() }
    }
}

