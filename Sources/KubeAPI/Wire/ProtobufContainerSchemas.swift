// Protobuf schemas for core/v1 Container and EphemeralContainer with their ports, environment,
// resources, probes, lifecycle hooks and security context.
// Field numbers are Kubernetes 1.32's (the generated.proto compiled into kubectl 1.32); JSON names
// and presence follow the Go struct tags. See ProtobufSchema.swift for the vocabulary.

extension ProtobufSchemas {
    static let container = ProtobufMessageSchema("Container", [
        .string(1, "name", .always),
        .string(2, "image"),
        .strings(3, "command"),
        .strings(4, "args"),
        .string(5, "workingDir"),
        .messages(6, "ports", containerPort),
        .messages(7, "env", envVar),
        .message(8, "resources", resourceRequirements),
        .messages(9, "volumeMounts", volumeMount),
        .message(10, "livenessProbe", probe),
        .message(11, "readinessProbe", probe),
        .message(12, "lifecycle", lifecycle),
        .string(13, "terminationMessagePath"),
        .string(14, "imagePullPolicy"),
        .message(15, "securityContext", securityContext),
        .bool(16, "stdin"),
        .bool(17, "stdinOnce"),
        .bool(18, "tty"),
        .messages(19, "envFrom", envFromSource),
        .string(20, "terminationMessagePolicy"),
        .messages(21, "volumeDevices", volumeDevice),
        .message(22, "startupProbe", probe),
        .messages(23, "resizePolicy", containerResizePolicy),
        .string(24, "restartPolicy", .pointer),
    ])

    static let ephemeralContainer = ProtobufMessageSchema("EphemeralContainer", [
        .inline(1, ephemeralContainerCommon),
        .string(2, "targetContainerName"),
    ])

    /// The same fields under the same numbers as Container (Kubernetes keeps the two in step);
    /// EphemeralContainer embeds it inline, so JSON shows them beside targetContainerName.
    static let ephemeralContainerCommon = ProtobufMessageSchema("EphemeralContainerCommon", container.fields)

    static let containerPort = ProtobufMessageSchema("ContainerPort", [
        .string(1, "name"),
        .int32(2, "hostPort"),
        .int32(3, "containerPort", .always),
        .string(4, "protocol"),
        .string(5, "hostIP"),
    ])

    static let envVar = ProtobufMessageSchema("EnvVar", [
        .string(1, "name", .always),
        .string(2, "value"),
        .message(3, "valueFrom", envVarSource),
    ])

    static let envVarSource = ProtobufMessageSchema("EnvVarSource", [
        .message(1, "fieldRef", objectFieldSelector),
        .message(2, "resourceFieldRef", resourceFieldSelector),
        .message(3, "configMapKeyRef", configMapKeySelector),
        .message(4, "secretKeyRef", secretKeySelector),
    ])

    static let objectFieldSelector = ProtobufMessageSchema("ObjectFieldSelector", [
        .string(1, "apiVersion"),
        .string(2, "fieldPath", .always),
    ])

    static let resourceFieldSelector = ProtobufMessageSchema("ResourceFieldSelector", [
        .string(1, "containerName"),
        .string(2, "resource", .always),
        .quantity(3, "divisor"),
    ])

    static let configMapKeySelector = ProtobufMessageSchema("ConfigMapKeySelector", [
        .inline(1, localObjectReference),
        .string(2, "key", .always),
        .bool(3, "optional", .pointer),
    ])

    static let secretKeySelector = ProtobufMessageSchema("SecretKeySelector", [
        .inline(1, localObjectReference),
        .string(2, "key", .always),
        .bool(3, "optional", .pointer),
    ])

    static let envFromSource = ProtobufMessageSchema("EnvFromSource", [
        .string(1, "prefix"),
        .message(2, "configMapRef", configMapEnvSource),
        .message(3, "secretRef", secretEnvSource),
    ])

    static let configMapEnvSource = ProtobufMessageSchema("ConfigMapEnvSource", [
        .inline(1, localObjectReference),
        .bool(2, "optional", .pointer),
    ])

    static let secretEnvSource = ProtobufMessageSchema("SecretEnvSource", [
        .inline(1, localObjectReference),
        .bool(2, "optional", .pointer),
    ])

    static let resourceRequirements = ProtobufMessageSchema("ResourceRequirements", [
        .quantityMap(1, "limits"),
        .quantityMap(2, "requests"),
        .messages(3, "claims", resourceClaim),
    ])

    static let resourceClaim = ProtobufMessageSchema("ResourceClaim", [
        .string(1, "name", .always),
        .string(2, "request"),
    ])

    static let containerResizePolicy = ProtobufMessageSchema("ContainerResizePolicy", [
        .string(1, "resourceName", .always),
        .string(2, "restartPolicy", .always),
    ])

    static let volumeMount = ProtobufMessageSchema("VolumeMount", [
        .string(1, "name", .always),
        .bool(2, "readOnly"),
        .string(3, "mountPath", .always),
        .string(4, "subPath"),
        .string(5, "mountPropagation", .pointer),
        .string(6, "subPathExpr"),
        .string(7, "recursiveReadOnly", .pointer),
    ])

    static let volumeDevice = ProtobufMessageSchema("VolumeDevice", [
        .string(1, "name", .always),
        .string(2, "devicePath", .always),
    ])

    static let probe = ProtobufMessageSchema("Probe", [
        .inline(1, probeHandler),
        .int32(2, "initialDelaySeconds"),
        .int32(3, "timeoutSeconds"),
        .int32(4, "periodSeconds"),
        .int32(5, "successThreshold"),
        .int32(6, "failureThreshold"),
        .int64(7, "terminationGracePeriodSeconds", .pointer),
    ])

    static let probeHandler = ProtobufMessageSchema("ProbeHandler", [
        .message(1, "exec", execAction),
        .message(2, "httpGet", httpGetAction),
        .message(3, "tcpSocket", tcpSocketAction),
        .message(4, "grpc", grpcAction),
    ])

    static let execAction = ProtobufMessageSchema("ExecAction", [
        .strings(1, "command"),
    ])

    static let httpGetAction = ProtobufMessageSchema("HTTPGetAction", [
        .string(1, "path"),
        .intOrString(2, "port"),
        .string(3, "host"),
        .string(4, "scheme"),
        .messages(5, "httpHeaders", httpHeader),
    ])

    static let httpHeader = ProtobufMessageSchema("HTTPHeader", [
        .string(1, "name", .always),
        .string(2, "value", .always),
    ])

    static let tcpSocketAction = ProtobufMessageSchema("TCPSocketAction", [
        .intOrString(1, "port"),
        .string(2, "host"),
    ])

    static let grpcAction = ProtobufMessageSchema("GRPCAction", [
        .int32(1, "port", .always),
        .string(2, "service", .pointer),
    ])

    static let lifecycle = ProtobufMessageSchema("Lifecycle", [
        .message(1, "postStart", lifecycleHandler),
        .message(2, "preStop", lifecycleHandler),
    ])

    static let lifecycleHandler = ProtobufMessageSchema("LifecycleHandler", [
        .message(1, "exec", execAction),
        .message(2, "httpGet", httpGetAction),
        .message(3, "tcpSocket", tcpSocketAction),
        .message(4, "sleep", sleepAction),
    ])

    static let sleepAction = ProtobufMessageSchema("SleepAction", [
        .int64(1, "seconds", .always),
    ])

    static let securityContext = ProtobufMessageSchema("SecurityContext", [
        .message(1, "capabilities", capabilities),
        .bool(2, "privileged", .pointer),
        .message(3, "seLinuxOptions", seLinuxOptions),
        .int64(4, "runAsUser", .pointer),
        .bool(5, "runAsNonRoot", .pointer),
        .bool(6, "readOnlyRootFilesystem", .pointer),
        .bool(7, "allowPrivilegeEscalation", .pointer),
        .int64(8, "runAsGroup", .pointer),
        .string(9, "procMount", .pointer),
        .message(10, "windowsOptions", windowsSecurityContextOptions),
        .message(11, "seccompProfile", seccompProfile),
        .message(12, "appArmorProfile", appArmorProfile),
    ])

    static let capabilities = ProtobufMessageSchema("Capabilities", [
        .strings(1, "add"),
        .strings(2, "drop"),
    ])

    static let seLinuxOptions = ProtobufMessageSchema("SELinuxOptions", [
        .string(1, "user"),
        .string(2, "role"),
        .string(3, "type"),
        .string(4, "level"),
    ])

    static let windowsSecurityContextOptions = ProtobufMessageSchema("WindowsSecurityContextOptions", [
        .string(1, "gmsaCredentialSpecName", .pointer),
        .string(2, "gmsaCredentialSpec", .pointer),
        .string(3, "runAsUserName", .pointer),
        .bool(4, "hostProcess", .pointer),
    ])

    static let seccompProfile = ProtobufMessageSchema("SeccompProfile", [
        .string(1, "type", .always),
        .string(2, "localhostProfile", .pointer),
    ])

    static let appArmorProfile = ProtobufMessageSchema("AppArmorProfile", [
        .string(1, "type", .always),
        .string(2, "localhostProfile", .pointer),
    ])
}
