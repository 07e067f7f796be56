// Protobuf schemas for networking.k8s.io/v1 Ingress (`kubectl create ingress`).
// Field numbers are Kubernetes 1.32's (the generated.proto compiled into kubectl 1.32); JSON names
// and presence follow the Go struct tags. See ProtobufSchema.swift for the vocabulary.

extension ProtobufSchemas {
    static let ingress = ProtobufMessageSchema("Ingress", [
        .objectMeta(1, "metadata"),
        .message(2, "spec", ingressSpec),
        .message(3, "status", ingressStatus),
    ])

    static let ingressSpec = ProtobufMessageSchema("IngressSpec", [
        .message(1, "defaultBackend", ingressBackend),
        .messages(2, "tls", ingressTLS),
        .messages(3, "rules", ingressRule),
        .string(4, "ingressClassName", .pointer),
    ])

    static let ingressBackend = ProtobufMessageSchema("IngressBackend", [
        .message(3, "resource", typedLocalObjectReference),
        .message(4, "service", ingressServiceBackend),
    ])

    static let ingressServiceBackend = ProtobufMessageSchema("IngressServiceBackend", [
        .string(1, "name", .always),
        .message(2, "port", serviceBackendPort),
    ])

    static let serviceBackendPort = ProtobufMessageSchema("ServiceBackendPort", [
        .string(1, "name"),
        .int32(2, "number"),
    ])

    static let ingressTLS = ProtobufMessageSchema("IngressTLS", [
        .strings(1, "hosts"),
        .string(2, "secretName"),
    ])

    static let ingressRule = ProtobufMessageSchema("IngressRule", [
        .string(1, "host"),
        .inline(2, ingressRuleValue),
    ])

    static let ingressRuleValue = ProtobufMessageSchema("IngressRuleValue", [
        .message(1, "http", httpIngressRuleValue),
    ])

    static let httpIngressRuleValue = ProtobufMessageSchema("HTTPIngressRuleValue", [
        .messages(1, "paths", httpIngressPath),
    ])

    static let httpIngressPath = ProtobufMessageSchema("HTTPIngressPath", [
        .string(1, "path"),
        .message(2, "backend", ingressBackend),
        .string(3, "pathType", .pointer),
    ])

    static let ingressStatus = ProtobufMessageSchema("IngressStatus", [
        .message(1, "loadBalancer", ingressLoadBalancerStatus),
    ])

    static let ingressLoadBalancerStatus = ProtobufMessageSchema("IngressLoadBalancerStatus", [
        .messages(1, "ingress", ingressLoadBalancerIngress),
    ])

    static let ingressLoadBalancerIngress = ProtobufMessageSchema("IngressLoadBalancerIngress", [
        .string(1, "ip"),
        .string(2, "hostname"),
        .messages(4, "ports", ingressPortStatus),
    ])

    static let ingressPortStatus = ProtobufMessageSchema("IngressPortStatus", [
        .int32(1, "port", .always),
        .string(2, "protocol", .always),
        .string(3, "error", .pointer),
    ])
}
