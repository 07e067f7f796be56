import Foundation

/// Deployment: READY "ready/desired", UP-TO-DATE, AVAILABLE; wide: containers, images, selector.
enum DeploymentRow {
    static func cells(_ deployment: JSON, now: Date) -> [JSON] {
        let spec = deployment["spec"]
        let status = deployment["status"]
        // spec.replicas defaults to 1, as the apiserver would have set it.
        let desired = spec["replicas"].int ?? 1
        let ready = TableFormat.count(status["readyReplicas"])
        let (names, images) = TableFormat.containerCells(spec["template"]["spec"])
        // Unlike ReplicaSet, an empty selector prints as an empty cell here, a malformed one
        // as "<invalid>".
        let selector = LabelSelectorText.render(spec["selector"]) ?? "<invalid>"
        return [
            .string(deployment.name ?? ""),
            .string("\(ready)/\(desired)"),
            .int(TableFormat.count(status["updatedReplicas"])),
            .int(TableFormat.count(status["availableReplicas"])),
            .string(TableTime.since(deployment["metadata"]["creationTimestamp"], now: now)),
            .string(names),
            .string(images),
            .string(selector),
        ]
    }
}

/// ReplicaSet: DESIRED, CURRENT, READY as integers; wide: containers, images, selector.
enum ReplicaSetRow {
    static func cells(_ replicaSet: JSON, now: Date) -> [JSON] {
        let spec = replicaSet["spec"]
        let status = replicaSet["status"]
        let (names, images) = TableFormat.containerCells(spec["template"]["spec"])
        return [
            .string(replicaSet.name ?? ""),
            .int(spec["replicas"].int ?? 1),
            .int(TableFormat.count(status["replicas"])),
            .int(TableFormat.count(status["readyReplicas"])),
            .string(TableTime.since(replicaSet["metadata"]["creationTimestamp"], now: now)),
            .string(names),
            .string(images),
            .string(LabelSelectorText.formatted(spec["selector"])),
        ]
    }
}
