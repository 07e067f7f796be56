// Protobuf schemas for rbac.authorization.k8s.io/v1 kinds (`kubectl create
// role|clusterrole|rolebinding|clusterrolebinding`).
// Field numbers are Kubernetes 1.32's (the generated.proto compiled into kubectl 1.32); JSON names
// and presence follow the Go struct tags. See ProtobufSchema.swift for the vocabulary.

extension ProtobufSchemas {
    static let role = ProtobufMessageSchema("Role", [
        .objectMeta(1, "metadata"),
        .messages(2, "rules", policyRule),
    ])

    static let clusterRole = ProtobufMessageSchema("ClusterRole", [
        .objectMeta(1, "metadata"),
        .messages(2, "rules", policyRule),
        .message(3, "aggregationRule", aggregationRule),
    ])

    static let policyRule = ProtobufMessageSchema("PolicyRule", [
        .strings(1, "verbs"),
        .strings(2, "apiGroups"),
        .strings(3, "resources"),
        .strings(4, "resourceNames"),
        .strings(5, "nonResourceURLs"),
    ])

    static let aggregationRule = ProtobufMessageSchema("AggregationRule", [
        .messages(1, "clusterRoleSelectors", labelSelector),
    ])

    static let roleBinding = ProtobufMessageSchema("RoleBinding", [
        .objectMeta(1, "metadata"),
        .messages(2, "subjects", subject),
        .message(3, "roleRef", roleRef),
    ])

    static let clusterRoleBinding = ProtobufMessageSchema("ClusterRoleBinding", [
        .objectMeta(1, "metadata"),
        .messages(2, "subjects", subject),
        .message(3, "roleRef", roleRef),
    ])

    static let subject = ProtobufMessageSchema("Subject", [
        .string(1, "kind", .always),
        .string(2, "apiGroup"),
        .string(3, "name", .always),
        .string(4, "namespace"),
    ])

    static let roleRef = ProtobufMessageSchema("RoleRef", [
        .string(1, "apiGroup", .always),
        .string(2, "kind", .always),
        .string(3, "name", .always),
    ])
}
