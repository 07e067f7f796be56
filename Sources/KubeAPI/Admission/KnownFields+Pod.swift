// Known fields of core/v1 PodSpec (scheduling, affinity, security) and PodStatus.

extension Admission.KnownFields {
    static let nodeSelectorRequirement = obj("NodeSelectorRequirement", [
        "key": str, "operator": named("v1.NodeSelectorOperator"), "values": strList,
    ])

    static let nodeSelectorTerm = obj("NodeSelectorTerm", [
        "matchExpressions": list(nodeSelectorRequirement), "matchFields": list(nodeSelectorRequirement),
    ])

    static let podAffinityTerm = obj("PodAffinityTerm", [
        "labelSelector": labelSelector, "namespaces": strList, "topologyKey": str,
        "namespaceSelector": labelSelector, "matchLabelKeys": strList, "mismatchLabelKeys": strList,
    ])

    static let weightedPodAffinityTerm = obj("WeightedPodAffinityTerm", [
        "weight": int32, "podAffinityTerm": podAffinityTerm,
    ])

    static let affinity = obj("Affinity", [
        "nodeAffinity": obj("NodeAffinity", [
            "requiredDuringSchedulingIgnoredDuringExecution": obj("NodeSelector", [
                "nodeSelectorTerms": list(nodeSelectorTerm),
            ]),
            "preferredDuringSchedulingIgnoredDuringExecution": list(obj("PreferredSchedulingTerm", [
                "weight": int32, "preference": nodeSelectorTerm,
            ])),
        ]),
        "podAffinity": obj("PodAffinity", [
            "requiredDuringSchedulingIgnoredDuringExecution": list(podAffinityTerm),
            "preferredDuringSchedulingIgnoredDuringExecution": list(weightedPodAffinityTerm),
        ]),
        "podAntiAffinity": obj("PodAntiAffinity", [
            "requiredDuringSchedulingIgnoredDuringExecution": list(podAffinityTerm),
            "preferredDuringSchedulingIgnoredDuringExecution": list(weightedPodAffinityTerm),
        ]),
    ])

    static let toleration = obj("Toleration", [
        "key": str, "operator": named("v1.TolerationOperator"), "value": str,
        "effect": named("v1.TaintEffect"), "tolerationSeconds": int64,
    ])

    static let topologySpreadConstraint = obj("TopologySpreadConstraint", [
        "maxSkew": int32, "topologyKey": str, "whenUnsatisfiable": named("v1.UnsatisfiableConstraintAction"),
        "labelSelector": labelSelector, "minDomains": int32,
        "nodeAffinityPolicy": named("v1.NodeInclusionPolicy"), "nodeTaintsPolicy": named("v1.NodeInclusionPolicy"),
        "matchLabelKeys": strList,
    ])

    static let podSecurityContext = obj("PodSecurityContext", [
        "seLinuxOptions": seLinuxOptions, "windowsOptions": windowsOptions,
        "runAsUser": int64, "runAsGroup": int64, "runAsNonRoot": bool,
        "supplementalGroups": list(int64), "supplementalGroupsPolicy": named("v1.SupplementalGroupsPolicy"),
        "fsGroup": int64, "sysctls": list(obj("Sysctl", ["name": str, "value": str])),
        "fsGroupChangePolicy": named("v1.PodFSGroupChangePolicy"),
        "seccompProfile": seccompProfile, "appArmorProfile": appArmorProfile,
        "seLinuxChangePolicy": named("v1.PodSELinuxChangePolicy"),
    ])

    static let podSpec = obj("PodSpec", [
        "volumes": list(volume, mergeKey: "name"),
        "initContainers": list(container, mergeKey: "name"),
        "containers": list(container, mergeKey: "name"),
        "ephemeralContainers": list(ephemeralContainer, mergeKey: "name"),
        "restartPolicy": named("v1.RestartPolicy"),
        "terminationGracePeriodSeconds": int64, "activeDeadlineSeconds": int64,
        "dnsPolicy": named("v1.DNSPolicy"), "nodeSelector": strMap,
        "serviceAccountName": str, "serviceAccount": str, "automountServiceAccountToken": bool,
        "nodeName": str, "hostNetwork": bool, "hostPID": bool, "hostIPC": bool, "shareProcessNamespace": bool,
        "securityContext": podSecurityContext,
        "imagePullSecrets": list(localObjectReference, mergeKey: "name"),
        "hostname": str, "subdomain": str, "affinity": affinity, "schedulerName": str,
        "tolerations": list(toleration),
        "hostAliases": list(obj("HostAlias", ["ip": str, "hostnames": strList]), mergeKey: "ip"),
        "priorityClassName": str, "priority": int32,
        "dnsConfig": obj("PodDNSConfig", [
            "nameservers": strList, "searches": strList,
            "options": list(obj("PodDNSConfigOption", ["name": str, "value": str])),
        ]),
        "readinessGates": list(obj("PodReadinessGate", ["conditionType": named("v1.PodConditionType")])),
        "runtimeClassName": str, "enableServiceLinks": bool,
        "preemptionPolicy": named("v1.PreemptionPolicy"), "overhead": resourceList,
        "topologySpreadConstraints": list(topologySpreadConstraint, mergeKey: "topologyKey"),
        "setHostnameAsFQDN": bool,
        "os": obj("PodOS", ["name": named("v1.OSName")]),
        "hostUsers": bool,
        "schedulingGates": list(obj("PodSchedulingGate", ["name": str]), mergeKey: "name"),
        "resourceClaims": list(obj("PodResourceClaim", [
            "name": str, "resourceClaimName": str, "resourceClaimTemplateName": str,
        ]), mergeKey: "name"),
        "resources": resourceRequirements,
    ])

    static let podTemplateSpec = obj("PodTemplateSpec", ["metadata": objectMeta, "spec": podSpec])

    static let containerState = obj("ContainerState", [
        "waiting": obj("ContainerStateWaiting", ["reason": str, "message": str]),
        "running": obj("ContainerStateRunning", ["startedAt": time]),
        "terminated": obj("ContainerStateTerminated", [
            "exitCode": int32, "signal": int32, "reason": str, "message": str,
            "startedAt": time, "finishedAt": time, "containerID": str,
        ]),
    ])

    static let containerStatus = obj("ContainerStatus", [
        "name": str, "state": containerState, "lastState": containerState, "ready": bool,
        "restartCount": int32, "image": str, "imageID": str, "containerID": str, "started": bool,
        "allocatedResources": resourceList, "resources": resourceRequirements,
        "volumeMounts": list(obj("VolumeMountStatus", [
            "name": str, "mountPath": str, "readOnly": bool, "recursiveReadOnly": named("v1.RecursiveReadOnlyMode"),
        ]), mergeKey: "mountPath"),
        "user": obj("ContainerUser", [
            "linux": obj("LinuxContainerUser", ["uid": int64, "gid": int64, "supplementalGroups": list(int64)]),
        ]),
        "allocatedResourcesStatus": list(obj("ResourceStatus", [
            "name": named("v1.ResourceName"),
            "resources": list(obj("ResourceHealth", ["resourceID": named("v1.ResourceID"), "health": named("v1.ResourceHealthStatus")])),
        ])),
    ])

    static let podStatus = obj("PodStatus", [
        "phase": named("v1.PodPhase"),
        "conditions": list(obj("PodCondition", [
            "type": named("v1.PodConditionType"), "status": named("v1.ConditionStatus"),
            "lastProbeTime": time, "lastTransitionTime": time, "reason": str, "message": str,
        ]), mergeKey: "type"),
        "message": str, "reason": str, "nominatedNodeName": str,
        "hostIP": str, "hostIPs": list(obj("HostIP", ["ip": str])),
        "podIP": str, "podIPs": list(obj("PodIP", ["ip": str]), mergeKey: "ip"),
        "startTime": time,
        "initContainerStatuses": list(containerStatus), "containerStatuses": list(containerStatus),
        "qosClass": named("v1.PodQOSClass"), "ephemeralContainerStatuses": list(containerStatus),
        "resize": named("v1.PodResizeStatus"),
        "resourceClaimStatuses": list(obj("PodResourceClaimStatus", [
            "name": str, "resourceClaimName": str,
        ]), mergeKey: "name"),
    ])

    static let pod = topLevel("Pod", Package.core, ["spec": podSpec, "status": podStatus])
}
