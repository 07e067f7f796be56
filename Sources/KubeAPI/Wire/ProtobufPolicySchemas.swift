// Protobuf schemas for scheduling.k8s.io/v1 PriorityClass, policy/v1 PodDisruptionBudget and
// authentication.k8s.io/v1 TokenRequest (`kubectl create priorityclass|poddisruptionbudget|token`).
// Field numbers are Kubernetes 1.32's (the generated.proto compiled into kubectl 1.32); JSON names
// and presence follow the Go struct tags. See ProtobufSchema.swift for the vocabulary.

extension ProtobufSchemas {
    static let priorityClass = ProtobufMessageSchema("PriorityClass", [
        .objectMeta(1, "metadata"),
        .int32(2, "value", .always),
        .bool(3, "globalDefault"),
        .string(4, "description"),
        .string(5, "preemptionPolicy", .pointer),
    ])

    static let podDisruptionBudget = ProtobufMessageSchema("PodDisruptionBudget", [
        .objectMeta(1, "metadata"),
        .message(2, "spec", podDisruptionBudgetSpec),
        .message(3, "status", podDisruptionBudgetStatus),
    ])

    static let podDisruptionBudgetSpec = ProtobufMessageSchema("PodDisruptionBudgetSpec", [
        .intOrString(1, "minAvailable"),
        .message(2, "selector", labelSelector),
        .intOrString(3, "maxUnavailable"),
        .string(4, "unhealthyPodEvictionPolicy", .pointer),
    ])

    static let podDisruptionBudgetStatus = ProtobufMessageSchema("PodDisruptionBudgetStatus", [
        .int64(1, "observedGeneration"),
        .timeMap(2, "disruptedPods"),
        .int32(3, "disruptionsAllowed", .always),
        .int32(4, "currentHealthy", .always),
        .int32(5, "desiredHealthy", .always),
        .int32(6, "expectedPods", .always),
        .messages(7, "conditions", condition),
    ])

    static let tokenRequest = ProtobufMessageSchema("TokenRequest", [
        .objectMeta(1, "metadata"),
        .message(2, "spec", tokenRequestSpec),
        .message(3, "status", tokenRequestStatus),
    ])

    static let tokenRequestSpec = ProtobufMessageSchema("TokenRequestSpec", [
        .strings(1, "audiences"),
        .message(3, "boundObjectRef", boundObjectReference),
        .int64(4, "expirationSeconds", .pointer),
    ])

    static let boundObjectReference = ProtobufMessageSchema("BoundObjectReference", [
        .string(1, "kind"),
        .string(2, "apiVersion"),
        .string(3, "name"),
        .string(4, "uid"),
    ])

    static let tokenRequestStatus = ProtobufMessageSchema("TokenRequestStatus", [
        .string(1, "token", .always),
        .time(2, "expirationTimestamp"),
    ])
}
