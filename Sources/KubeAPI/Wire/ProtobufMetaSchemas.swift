// Protobuf schemas for metav1 types shared by every group: label selectors and conditions.
// Field numbers are Kubernetes 1.32's (the generated.proto compiled into kubectl 1.32); JSON names
// and presence follow the Go struct tags. See ProtobufSchema.swift for the vocabulary.

extension ProtobufSchemas {
    static let labelSelector = ProtobufMessageSchema("LabelSelector", [
        .stringMap(1, "matchLabels"),
        .messages(2, "matchExpressions", labelSelectorRequirement),
    ])

    static let labelSelectorRequirement = ProtobufMessageSchema("LabelSelectorRequirement", [
        .string(1, "key", .always),
        .string(2, "operator", .always),
        .strings(3, "values"),
    ])

    static let condition = ProtobufMessageSchema("Condition", [
        .string(1, "type", .always),
        .string(2, "status", .always),
        .int64(3, "observedGeneration"),
        .time(4, "lastTransitionTime"),
        .string(5, "reason", .always),
        .string(6, "message", .always),
    ])
}
