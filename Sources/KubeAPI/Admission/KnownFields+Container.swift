// Known fields of core/v1 Container and everything it contains (ports, env, probes,
// lifecycle, security context, resources, mounts).

extension Admission.KnownFields {
    static let containerPort = obj("ContainerPort", [
        "name": str, "hostPort": int32, "containerPort": int32,
        "protocol": named("v1.Protocol"), "hostIP": str,
    ])

    static let objectFieldSelector = obj("ObjectFieldSelector", ["apiVersion": str, "fieldPath": str])

    static let resourceFieldSelector = obj("ResourceFieldSelector", [
        "containerName": str, "resource": str, "divisor": quantity,
    ])

    static let configMapKeySelector = obj("ConfigMapKeySelector", ["name": str, "key": str, "optional": bool])
    static let secretKeySelector = obj("SecretKeySelector", ["name": str, "key": str, "optional": bool])

    static let envVar = obj("EnvVar", [
        "name": str, "value": str,
        "valueFrom": obj("EnvVarSource", [
            "fieldRef": objectFieldSelector, "resourceFieldRef": resourceFieldSelector,
            "configMapKeyRef": configMapKeySelector, "secretKeyRef": secretKeySelector,
        ]),
    ])

    static let envFromSource = obj("EnvFromSource", [
        "prefix": str,
        "configMapRef": obj("ConfigMapEnvSource", ["name": str, "optional": bool]),
        "secretRef": obj("SecretEnvSource", ["name": str, "optional": bool]),
    ])

    static let resourceRequirements = obj("ResourceRequirements", [
        "limits": resourceList, "requests": resourceList,
        "claims": list(obj("ResourceClaim", ["name": str, "request": str]), mergeKey: "name"),
    ])

    static let volumeMount = obj("VolumeMount", [
        "name": str, "readOnly": bool, "recursiveReadOnly": named("v1.RecursiveReadOnlyMode"),
        "mountPath": str, "subPath": str, "mountPropagation": named("v1.MountPropagationMode"),
        "subPathExpr": str,
    ])

    static let volumeDevice = obj("VolumeDevice", ["name": str, "devicePath": str])

    static let execAction = obj("ExecAction", ["command": strList])

    static let httpGetAction = obj("HTTPGetAction", [
        "path": str, "port": intOrString, "host": str, "scheme": named("v1.URIScheme"),
        "httpHeaders": list(obj("HTTPHeader", ["name": str, "value": str])),
    ])

    static let tcpSocketAction = obj("TCPSocketAction", ["port": intOrString, "host": str])

    static let grpcAction = obj("GRPCAction", ["port": int32, "service": str])

    static let probe = obj("Probe", [
        "exec": execAction, "httpGet": httpGetAction, "tcpSocket": tcpSocketAction, "grpc": grpcAction,
        "initialDelaySeconds": int32, "timeoutSeconds": int32, "periodSeconds": int32,
        "successThreshold": int32, "failureThreshold": int32, "terminationGracePeriodSeconds": int64,
    ])

    static let lifecycleHandler = obj("LifecycleHandler", [
        "exec": execAction, "httpGet": httpGetAction, "tcpSocket": tcpSocketAction,
        "sleep": obj("SleepAction", ["seconds": int64]),
    ])

    static let lifecycle = obj("Lifecycle", ["postStart": lifecycleHandler, "preStop": lifecycleHandler])

    static let seLinuxOptions = obj("SELinuxOptions", ["user": str, "role": str, "type": str, "level": str])

    static let windowsOptions = obj("WindowsSecurityContextOptions", [
        "gmsaCredentialSpecName": str, "gmsaCredentialSpec": str, "runAsUserName": str, "hostProcess": bool,
    ])

    static let seccompProfile = obj("SeccompProfile", [
        "type": named("v1.SeccompProfileType"), "localhostProfile": str,
    ])

    static let appArmorProfile = obj("AppArmorProfile", [
        "type": named("v1.AppArmorProfileType"), "localhostProfile": str,
    ])

    static let securityContext = obj("SecurityContext", [
        "capabilities": obj("Capabilities", [
            "add": list(named("v1.Capability")), "drop": list(named("v1.Capability")),
        ]),
        "privileged": bool, "seLinuxOptions": seLinuxOptions, "windowsOptions": windowsOptions,
        "runAsUser": int64, "runAsGroup": int64, "runAsNonRoot": bool, "readOnlyRootFilesystem": bool,
        "allowPrivilegeEscalation": bool, "procMount": named("v1.ProcMountType"),
        "seccompProfile": seccompProfile, "appArmorProfile": appArmorProfile,
    ])

    /// The members Container and EphemeralContainer share (EphemeralContainerCommon).
    static let containerFields: [String: FieldSchema] = [
        "name": str, "image": str, "command": strList, "args": strList, "workingDir": str,
        "ports": list(containerPort, mergeKey: "containerPort"),
        "envFrom": list(envFromSource), "env": list(envVar, mergeKey: "name"),
        "resources": resourceRequirements,
        "resizePolicy": list(obj("ContainerResizePolicy", [
            "resourceName": named("v1.ResourceName"), "restartPolicy": named("v1.ResourceResizeRestartPolicy"),
        ])),
        "restartPolicy": named("v1.ContainerRestartPolicy"),
        "volumeMounts": list(volumeMount, mergeKey: "mountPath"),
        "volumeDevices": list(volumeDevice, mergeKey: "devicePath"),
        "livenessProbe": probe, "readinessProbe": probe, "startupProbe": probe,
        "lifecycle": lifecycle,
        "terminationMessagePath": str, "terminationMessagePolicy": named("v1.TerminationMessagePolicy"),
        "imagePullPolicy": named("v1.PullPolicy"), "securityContext": securityContext,
        "stdin": bool, "stdinOnce": bool, "tty": bool,
    ]

    static let container = obj("Container", containerFields)

    static let ephemeralContainer: FieldSchema = {
        var fields = containerFields
        fields["targetContainerName"] = str
        return obj("EphemeralContainer", fields)
    }()
}
