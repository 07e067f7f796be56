// Protobuf schemas for core/v1 kinds sent by `kubectl create namespace|serviceaccount|service|quota`,
// and the object references the other groups share.
// Field numbers are Kubernetes 1.32's (the generated.proto compiled into kubectl 1.32); JSON names
// and presence follow the Go struct tags. See ProtobufSchema.swift for the vocabulary.

extension ProtobufSchemas {
    static let namespace = ProtobufMessageSchema("Namespace", [
        .objectMeta(1, "metadata"),
        .message(2, "spec", namespaceSpec),
        .message(3, "status", namespaceStatus),
    ])

    static let namespaceSpec = ProtobufMessageSchema("NamespaceSpec", [
        .strings(1, "finalizers"),
    ])

    static let namespaceStatus = ProtobufMessageSchema("NamespaceStatus", [
        .string(1, "phase"),
        .messages(2, "conditions", namespaceCondition),
    ])

    static let namespaceCondition = ProtobufMessageSchema("NamespaceCondition", [
        .string(1, "type", .always),
        .string(2, "status", .always),
        .time(4, "lastTransitionTime"),
        .string(5, "reason"),
        .string(6, "message"),
    ])

    static let serviceAccount = ProtobufMessageSchema("ServiceAccount", [
        .objectMeta(1, "metadata"),
        .messages(2, "secrets", objectReference),
        .messages(3, "imagePullSecrets", localObjectReference),
        .bool(4, "automountServiceAccountToken", .pointer),
    ])

    static let objectReference = ProtobufMessageSchema("ObjectReference", [
        .string(1, "kind"),
        .string(2, "namespace"),
        .string(3, "name"),
        .string(4, "uid"),
        .string(5, "apiVersion"),
        .string(6, "resourceVersion"),
        .string(7, "fieldPath"),
    ])

    static let localObjectReference = ProtobufMessageSchema("LocalObjectReference", [
        .string(1, "name"),
    ])

    static let typedLocalObjectReference = ProtobufMessageSchema("TypedLocalObjectReference", [
        .string(1, "apiGroup", .pointer),
        .string(2, "kind", .always),
        .string(3, "name", .always),
    ])

    static let typedObjectReference = ProtobufMessageSchema("TypedObjectReference", [
        .string(1, "apiGroup", .pointer),
        .string(2, "kind", .always),
        .string(3, "name", .always),
        .string(4, "namespace", .pointer),
    ])

    static let service = ProtobufMessageSchema("Service", [
        .objectMeta(1, "metadata"),
        .message(2, "spec", serviceSpec),
        .message(3, "status", serviceStatus),
    ])

    static let serviceSpec = ProtobufMessageSchema("ServiceSpec", [
        .messages(1, "ports", servicePort),
        .stringMap(2, "selector"),
        .string(3, "clusterIP"),
        .string(4, "type"),
        .strings(5, "externalIPs"),
        .string(7, "sessionAffinity"),
        .string(8, "loadBalancerIP"),
        .strings(9, "loadBalancerSourceRanges"),
        .string(10, "externalName"),
        .string(11, "externalTrafficPolicy"),
        .int32(12, "healthCheckNodePort"),
        .bool(13, "publishNotReadyAddresses"),
        .message(14, "sessionAffinityConfig", sessionAffinityConfig),
        .string(17, "ipFamilyPolicy", .pointer),
        .strings(18, "clusterIPs"),
        .strings(19, "ipFamilies"),
        .bool(20, "allocateLoadBalancerNodePorts", .pointer),
        .string(21, "loadBalancerClass", .pointer),
        .string(22, "internalTrafficPolicy", .pointer),
        .string(23, "trafficDistribution", .pointer),
    ])

    static let servicePort = ProtobufMessageSchema("ServicePort", [
        .string(1, "name"),
        .string(2, "protocol"),
        .int32(3, "port", .always),
        .intOrString(4, "targetPort"),
        .int32(5, "nodePort"),
        .string(6, "appProtocol", .pointer),
    ])

    static let sessionAffinityConfig = ProtobufMessageSchema("SessionAffinityConfig", [
        .message(1, "clientIP", clientIPConfig),
    ])

    static let clientIPConfig = ProtobufMessageSchema("ClientIPConfig", [
        .int32(1, "timeoutSeconds", .pointer),
    ])

    static let serviceStatus = ProtobufMessageSchema("ServiceStatus", [
        .message(1, "loadBalancer", loadBalancerStatus),
        .messages(2, "conditions", condition),
    ])

    static let loadBalancerStatus = ProtobufMessageSchema("LoadBalancerStatus", [
        .messages(1, "ingress", loadBalancerIngress),
    ])

    static let loadBalancerIngress = ProtobufMessageSchema("LoadBalancerIngress", [
        .string(1, "ip"),
        .string(2, "hostname"),
        .string(3, "ipMode", .pointer),
        .messages(4, "ports", portStatus),
    ])

    static let portStatus = ProtobufMessageSchema("PortStatus", [
        .int32(1, "port", .always),
        .string(2, "protocol", .always),
        .string(3, "error", .pointer),
    ])

    static let resourceQuota = ProtobufMessageSchema("ResourceQuota", [
        .objectMeta(1, "metadata"),
        .message(2, "spec", resourceQuotaSpec),
        .message(3, "status", resourceQuotaStatus),
    ])

    static let resourceQuotaSpec = ProtobufMessageSchema("ResourceQuotaSpec", [
        .quantityMap(1, "hard"),
        .strings(2, "scopes"),
        .message(3, "scopeSelector", scopeSelector),
    ])

    static let scopeSelector = ProtobufMessageSchema("ScopeSelector", [
        .messages(1, "matchExpressions", scopedResourceSelectorRequirement),
    ])

    static let scopedResourceSelectorRequirement = ProtobufMessageSchema("ScopedResourceSelectorRequirement", [
        .string(1, "scopeName", .always),
        .string(2, "operator", .always),
        .strings(3, "values"),
    ])

    static let resourceQuotaStatus = ProtobufMessageSchema("ResourceQuotaStatus", [
        .quantityMap(1, "hard"),
        .quantityMap(2, "used"),
    ])
}
