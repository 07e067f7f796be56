import Foundation
import KubeAPI
import Synchronization

/// Records core/v1 Events about objects, as Kubernetes components do, so `kubectl describe` and
/// `kubectl get events` tell the story. A repeat of the same event bumps its count instead of adding one.
public final class EventRecorder: Sendable {
    let client: any KubeClient
    let now: @Sendable () -> Date
    private let seen = Mutex<[String: (name: String, count: Int64)]>([:])

    public init(client: any KubeClient, now: @escaping @Sendable () -> Date) {
        self.client = client
        self.now = now
    }

    public enum Kind: String, Sendable { case normal = "Normal", warning = "Warning" }

    /// Records an event about `object`; failures are ignored (events are best effort, as in Kubernetes).
    public func record(_ object: JSON, _ type: Kind, reason: String, message: String, component: String, fieldPath: String? = nil) async {
        let namespace = object.namespace ?? "default"
        let timestamp = Self.timestamp(now())
        let dedupKey = "\(object.uid ?? "")|\(type.rawValue)|\(reason)|\(message)|\(component)"
        if let previous = seen.withLock({ $0[dedupKey] }) {
            let count = previous.count + 1
            let patch: JSON = ["count": .int(count), "lastTimestamp": .string(timestamp)]
            if (try? await client.patch(.events, namespace: namespace, name: previous.name, type: .merge, patch: patch,
                                        subresource: nil, fieldManager: component)) != nil {
                seen.withLock { $0[dedupKey] = (previous.name, count) }
                return
            }
        }
        let name = "\(object.name ?? "unknown").\(String(UInt64(now().timeIntervalSince1970 * 1e9), radix: 16))"
        var involved: JSON = ["kind": .string(object.kind ?? ""), "namespace": .string(namespace),
                              "name": .string(object.name ?? ""), "uid": .string(object.uid ?? ""),
                              "apiVersion": .string(object.apiVersion ?? "v1"),
                              "resourceVersion": .string(object.resourceVersion ?? "")]
        if object.namespace == nil { involved["namespace"] = .null }
        if let fieldPath { involved["fieldPath"] = .string(fieldPath) }
        let event: JSON = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "involvedObject": involved,
            "reason": .string(reason), "message": .string(message), "type": .string(type.rawValue),
            "source": ["component": .string(component)],
            "firstTimestamp": .string(timestamp), "lastTimestamp": .string(timestamp), "count": 1,
            "reportingComponent": .string(component), "reportingInstance": "",
        ]
        if (try? await client.create(.events, event, fieldManager: component)) != nil {
            seen.withLock { m in
                if m.count > 4096 { m.removeAll() }
                m[dedupKey] = (name, 1)
            }
        }
    }

    public static func timestamp(_ d: Date) -> String { formatRFC3339(d) }
}
