import Foundation
import KubeAPI
import KubeClient
import KubeYAML

/// Static pods, as the kubelet's `--pod-manifest-path`: every manifest in the directory is a pod of this node.
/// The agent keeps a mirror pod for each in the API (named `<name>-<node>`, annotated as a mirror, bound to this
/// node), so it runs through the same path as every other pod and `kubectl get pods` shows it. A changed file
/// replaces its pod; a removed file deletes it; a mirror pod deleted through the API comes back.
struct StaticPods {
    let client: any KubeClient
    let config: AgentConfig
    let directory: String

    static let mirrorAnnotation = "kubernetes.io/config.mirror"
    static let hashAnnotation = "kubernetes.io/config.hash"
    static let sourceAnnotation = "kubernetes.io/config.source"

    /// Watches the directory (polling, as the kubelet's file source does every 20 s; here every 2 s) until cancelled.
    func run() async {
        while !Task.isCancelled {
            await sync()
            try? await Task.sleep(for: .seconds(2))
        }
    }

    /// The pods the manifests describe, by mirror name, with their content hash.
    func desired() -> [String: JSON] {
        var out: [String: JSON] = [:]
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        for file in files where file.hasSuffix(".yaml") || file.hasSuffix(".yml") || file.hasSuffix(".json") {
            guard !file.hasPrefix("."), let data = FileManager.default.contents(atPath: "\(directory)/\(file)"),
                  var pod = Self.decode(Array(data)), pod.kind == "Pod", let name = pod.name else { continue }
            let hash = fnv1aHex(pod.jsonString)
            let mirrorName = "\(name)-\(config.nodeName)"
            pod["metadata"]["name"] = .string(mirrorName)
            if pod.namespace == nil { pod["metadata"]["namespace"] = "default" }
            pod["metadata"]["annotations"][Self.mirrorAnnotation] = .string(hash)
            pod["metadata"]["annotations"][Self.hashAnnotation] = .string(hash)
            pod["metadata"]["annotations"][Self.sourceAnnotation] = "file"
            pod["spec"]["nodeName"] = .string(config.nodeName)
            out["\(pod.namespace ?? "default")/\(mirrorName)"] = pod
        }
        return out
    }

    /// JSON or YAML (converted as the API server converts YAML bodies).
    static func decode(_ bytes: [UInt8]) -> JSON? {
        if let json = try? JSON.parse(bytes) { return json }
        return try? YAMLToJSON.convert(String(decoding: bytes, as: UTF8.self))
    }

    func sync() async {
        let want = desired()
        let existing = (try? await client.list(.pods, namespace: nil, options: ListOptions(fieldSelector: "spec.nodeName=\(config.nodeName)")))?.items ?? []
        var have: [String: JSON] = [:]
        for pod in existing where pod.annotations[Self.mirrorAnnotation] != nil { have["\(pod.namespace ?? "")/\(pod.name ?? "")"] = pod }
        for (key, pod) in want {
            if let current = have[key] {
                if current.annotations[Self.hashAnnotation] == pod.annotations[Self.hashAnnotation]
                    || current["metadata"]["deletionTimestamp"].string != nil { continue }
                // The manifest changed: the old pod goes, the new one comes on the next pass.
                try? await client.delete(.pods, namespace: current.namespace, name: current.name ?? "",
                                         options: ["preconditions": ["uid": current["metadata"]["uid"]]])
                continue
            }
            _ = try? await client.create(.pods, pod, fieldManager: "kubelet")
        }
        for (key, pod) in have where want[key] == nil && pod["metadata"]["deletionTimestamp"].string == nil {
            try? await client.delete(.pods, namespace: pod.namespace, name: pod.name ?? "", options: [:])
        }
    }
}
