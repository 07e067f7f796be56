import KubeAPI

/// The autoscaling/v1 Scale view of a Deployment or ReplicaSet (`/scale`), as `kubectl scale` reads and patches it.
enum Scale {
    static func from(_ obj: JSON, _ t: ResourceType) -> JSON {
        var meta: JSON = [:]
        for f in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] { meta[f] = obj["metadata"][f] }
        let selector = (try? LabelSelector(selectorObject: obj["spec"]["selector"]))?.string ?? ""
        return ["kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": meta,
                "spec": ["replicas": .int(obj["spec"]["replicas"].int ?? 0)],
                "status": ["replicas": .int(obj["status"]["replicas"].int ?? 0), "selector": .string(selector)]]
    }
}
