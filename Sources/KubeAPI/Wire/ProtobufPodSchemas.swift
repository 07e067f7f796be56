// Protobuf schemas for core/v1 PodTemplateSpec and PodSpec with its scheduling, security and DNS parts
// (containers and volumes have their own files).
// Field numbers are Kubernetes 1.32's (the generated.proto compiled into kubectl 1.32); JSON names
// and presence follow the Go struct tags. See ProtobufSchema.swift for the vocabulary.

extension ProtobufSchemas {
    static let podTemplateSpec = ProtobufMessageSchema("PodTemplateSpec", [
        .objectMeta(1, "metadata"),
        .message(2, "spec", podSpec),
    ])

    static let podSpec = ProtobufMessageSchema("PodSpec", [
        .messages(1, "volumes", volume),
        .messages(2, "containers", container),
        .string(3, "restartPolicy"),
        .int64(4, "terminationGracePeriodSeconds", .pointer),
        .int64(5, "activeDeadlineSeconds", .pointer),
        .string(6, "dnsPolicy"),
        .stringMap(7, "nodeSelector"),
        .string(8, "serviceAccountName"),
        .string(9, "serviceAccount"),
        .string(10, "nodeName"),
        .bool(11, "hostNetwork"),
        .bool(12, "hostPID"),
        .bool(13, "hostIPC"),
        .message(14, "securityContext", podSecurityContext),
        .messages(15, "imagePullSecrets", localObjectReference),
        .string(16, "hostname"),
        .string(17, "subdomain"),
        .message(18, "affinity", affinity),
        .string(19, "schedulerName"),
        .messages(20, "initContainers", container),
        .bool(21, "automountServiceAccountToken", .pointer),
        .messages(22, "tolerations", toleration),
        .messages(23, "hostAliases", hostAlias),
        .string(24, "priorityClassName"),
        .int32(25, "priority", .pointer),
        .message(26, "dnsConfig", podDNSConfig),
        .bool(27, "shareProcessNamespace", .pointer),
        .messages(28, "readinessGates", podReadinessGate),
        .string(29, "runtimeClassName", .pointer),
        .bool(30, "enableServiceLinks", .pointer),
        .string(31, "preemptionPolicy", .pointer),
        .quantityMap(32, "overhead"),
        .messages(33, "topologySpreadConstraints", topologySpreadConstraint),
        .messages(34, "ephemeralContainers", ephemeralContainer),
        .bool(35, "setHostnameAsFQDN", .pointer),
        .message(36, "os", podOS),
        .bool(37, "hostUsers", .pointer),
        .messages(38, "schedulingGates", podSchedulingGate),
        .messages(39, "resourceClaims", podResourceClaim),
        .message(40, "resources", resourceRequirements),
    ])

    static let podSecurityContext = ProtobufMessageSchema("PodSecurityContext", [
        .message(1, "seLinuxOptions", seLinuxOptions),
        .int64(2, "runAsUser", .pointer),
        .bool(3, "runAsNonRoot", .pointer),
        .int64s(4, "supplementalGroups"),
        .int64(5, "fsGroup", .pointer),
        .int64(6, "runAsGroup", .pointer),
        .messages(7, "sysctls", sysctl),
        .message(8, "windowsOptions", windowsSecurityContextOptions),
        .string(9, "fsGroupChangePolicy", .pointer),
        .message(10, "seccompProfile", seccompProfile),
        .message(11, "appArmorProfile", appArmorProfile),
        .string(12, "supplementalGroupsPolicy", .pointer),
        .string(13, "seLinuxChangePolicy", .pointer),
    ])

    static let sysctl = ProtobufMessageSchema("Sysctl", [
        .string(1, "name", .always),
        .string(2, "value", .always),
    ])

    static let affinity = ProtobufMessageSchema("Affinity", [
        .message(1, "nodeAffinity", nodeAffinity),
        .message(2, "podAffinity", podAffinity),
        .message(3, "podAntiAffinity", podAntiAffinity),
    ])

    static let nodeAffinity = ProtobufMessageSchema("NodeAffinity", [
        .message(1, "requiredDuringSchedulingIgnoredDuringExecution", nodeSelector),
        .messages(2, "preferredDuringSchedulingIgnoredDuringExecution", preferredSchedulingTerm),
    ])

    static let nodeSelector = ProtobufMessageSchema("NodeSelector", [
        .messages(1, "nodeSelectorTerms", nodeSelectorTerm),
    ])

    static let nodeSelectorTerm = ProtobufMessageSchema("NodeSelectorTerm", [
        .messages(1, "matchExpressions", nodeSelectorRequirement),
        .messages(2, "matchFields", nodeSelectorRequirement),
    ])

    static let nodeSelectorRequirement = ProtobufMessageSchema("NodeSelectorRequirement", [
        .string(1, "key", .always),
        .string(2, "operator", .always),
        .strings(3, "values"),
    ])

    static let preferredSchedulingTerm = ProtobufMessageSchema("PreferredSchedulingTerm", [
        .int32(1, "weight", .always),
        .message(2, "preference", nodeSelectorTerm),
    ])

    static let podAffinity = ProtobufMessageSchema("PodAffinity", [
        .messages(1, "requiredDuringSchedulingIgnoredDuringExecution", podAffinityTerm),
        .messages(2, "preferredDuringSchedulingIgnoredDuringExecution", weightedPodAffinityTerm),
    ])

    static let podAntiAffinity = ProtobufMessageSchema("PodAntiAffinity", [
        .messages(1, "requiredDuringSchedulingIgnoredDuringExecution", podAffinityTerm),
        .messages(2, "preferredDuringSchedulingIgnoredDuringExecution", weightedPodAffinityTerm),
    ])

    static let podAffinityTerm = ProtobufMessageSchema("PodAffinityTerm", [
        .message(1, "labelSelector", labelSelector),
        .strings(2, "namespaces"),
        .string(3, "topologyKey", .always),
        .message(4, "namespaceSelector", labelSelector),
        .strings(5, "matchLabelKeys"),
        .strings(6, "mismatchLabelKeys"),
    ])

    static let weightedPodAffinityTerm = ProtobufMessageSchema("WeightedPodAffinityTerm", [
        .int32(1, "weight", .always),
        .message(2, "podAffinityTerm", podAffinityTerm),
    ])

    static let toleration = ProtobufMessageSchema("Toleration", [
        .string(1, "key"),
        .string(2, "operator"),
        .string(3, "value"),
        .string(4, "effect"),
        .int64(5, "tolerationSeconds", .pointer),
    ])

    static let hostAlias = ProtobufMessageSchema("HostAlias", [
        .string(1, "ip", .always),
        .strings(2, "hostnames"),
    ])

    static let podDNSConfig = ProtobufMessageSchema("PodDNSConfig", [
        .strings(1, "nameservers"),
        .strings(2, "searches"),
        .messages(3, "options", podDNSConfigOption),
    ])

    static let podDNSConfigOption = ProtobufMessageSchema("PodDNSConfigOption", [
        .string(1, "name"),
        .string(2, "value", .pointer),
    ])

    static let podReadinessGate = ProtobufMessageSchema("PodReadinessGate", [
        .string(1, "conditionType", .always),
    ])

    static let topologySpreadConstraint = ProtobufMessageSchema("TopologySpreadConstraint", [
        .int32(1, "maxSkew", .always),
        .string(2, "topologyKey", .always),
        .string(3, "whenUnsatisfiable", .always),
        .message(4, "labelSelector", labelSelector),
        .int32(5, "minDomains", .pointer),
        .string(6, "nodeAffinityPolicy", .pointer),
        .string(7, "nodeTaintsPolicy", .pointer),
        .strings(8, "matchLabelKeys"),
    ])

    static let podOS = ProtobufMessageSchema("PodOS", [
        .string(1, "name", .always),
    ])

    static let podSchedulingGate = ProtobufMessageSchema("PodSchedulingGate", [
        .string(1, "name", .always),
    ])

    static let podResourceClaim = ProtobufMessageSchema("PodResourceClaim", [
        .string(1, "name", .always),
        .string(3, "resourceClaimName", .pointer),
        .string(4, "resourceClaimTemplateName", .pointer),
    ])
}
