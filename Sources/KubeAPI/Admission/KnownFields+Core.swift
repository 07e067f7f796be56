// Known fields of the other core/v1 kinds: Namespace, Node, Service, Endpoints, Secret,
// ConfigMap, ServiceAccount, Event and Binding.

extension Admission.KnownFields {
    static let namespace = topLevel("Namespace", Package.core, [
        "spec": obj("NamespaceSpec", ["finalizers": list(named("v1.FinalizerName"), goType: "[]v1.FinalizerName")]),
        "status": obj("NamespaceStatus", [
            "phase": named("v1.NamespacePhase"),
            "conditions": list(obj("NamespaceCondition", [
                "type": named("v1.NamespaceConditionType"), "status": named("v1.ConditionStatus"),
                "lastTransitionTime": time, "reason": str, "message": str,
            ]), mergeKey: "type"),
        ]),
    ])

    static let taint = obj("Taint", [
        "key": str, "value": str, "effect": named("v1.TaintEffect"), "timeAdded": time,
    ])

    static let nodeConfigSource = obj("NodeConfigSource", [
        "configMap": obj("ConfigMapNodeConfigSource", [
            "namespace": str, "name": str, "uid": named("types.UID"), "resourceVersion": str, "kubeletConfigKey": str,
        ]),
    ])

    static let node = topLevel("Node", Package.core, [
        "spec": obj("NodeSpec", [
            "podCIDR": str, "podCIDRs": strList, "providerID": str, "unschedulable": bool,
            "taints": list(taint), "configSource": nodeConfigSource, "externalID": str,
        ]),
        "status": obj("NodeStatus", [
            "capacity": resourceList, "allocatable": resourceList, "phase": named("v1.NodePhase"),
            "conditions": list(obj("NodeCondition", [
                "type": named("v1.NodeConditionType"), "status": named("v1.ConditionStatus"),
                "lastHeartbeatTime": time, "lastTransitionTime": time, "reason": str, "message": str,
            ]), mergeKey: "type"),
            "addresses": list(obj("NodeAddress", ["type": named("v1.NodeAddressType"), "address": str]), mergeKey: "type"),
            "daemonEndpoints": obj("NodeDaemonEndpoints", [
                // Kubernetes really spells this member with a capital P.
                "kubeletEndpoint": obj("DaemonEndpoint", ["Port": int32]),
            ]),
            "nodeInfo": obj("NodeSystemInfo", [
                "machineID": str, "systemUUID": str, "bootID": str, "kernelVersion": str, "osImage": str,
                "containerRuntimeVersion": str, "kubeletVersion": str, "kubeProxyVersion": str,
                "operatingSystem": str, "architecture": str,
                "swap": obj("NodeSwapStatus", ["capacity": int64]),
            ]),
            "images": list(obj("ContainerImage", ["names": strList, "sizeBytes": int64])),
            "volumesInUse": list(named("v1.UniqueVolumeName"), goType: "[]v1.UniqueVolumeName"),
            "volumesAttached": list(obj("AttachedVolume", ["name": named("v1.UniqueVolumeName"), "devicePath": str])),
            "config": obj("NodeConfigStatus", [
                "assigned": nodeConfigSource, "active": nodeConfigSource, "lastKnownGood": nodeConfigSource, "error": str,
            ]),
            "runtimeHandlers": list(obj("NodeRuntimeHandler", [
                "name": str,
                "features": obj("NodeRuntimeHandlerFeatures", ["recursiveReadOnlyMounts": bool, "userNamespaces": bool]),
            ])),
            "features": obj("NodeFeatures", ["supplementalGroupsPolicy": bool]),
        ]),
    ])

    static let servicePort = obj("ServicePort", [
        "name": str, "protocol": named("v1.Protocol"), "appProtocol": str, "port": int32,
        "targetPort": intOrString, "nodePort": int32,
    ])

    static let service = topLevel("Service", Package.core, [
        "spec": obj("ServiceSpec", [
            "ports": list(servicePort, mergeKey: "port"),
            "selector": strMap, "clusterIP": str, "clusterIPs": strList,
            "type": named("v1.ServiceType"), "externalIPs": strList,
            "sessionAffinity": named("v1.ServiceAffinity"), "loadBalancerIP": str,
            "loadBalancerSourceRanges": strList, "externalName": str,
            "externalTrafficPolicy": named("v1.ServiceExternalTrafficPolicy"),
            "healthCheckNodePort": int32, "publishNotReadyAddresses": bool,
            "sessionAffinityConfig": obj("SessionAffinityConfig", [
                "clientIP": obj("ClientIPConfig", ["timeoutSeconds": int32]),
            ]),
            "ipFamilies": list(named("v1.IPFamily"), goType: "[]v1.IPFamily"),
            "ipFamilyPolicy": named("v1.IPFamilyPolicy"),
            "allocateLoadBalancerNodePorts": bool, "loadBalancerClass": str,
            "internalTrafficPolicy": named("v1.ServiceInternalTrafficPolicy"),
            "trafficDistribution": str,
        ]),
        "status": obj("ServiceStatus", [
            "loadBalancer": obj("LoadBalancerStatus", [
                "ingress": list(obj("LoadBalancerIngress", [
                    "ip": str, "hostname": str, "ipMode": named("v1.LoadBalancerIPMode"),
                    "ports": list(obj("PortStatus", ["port": int32, "protocol": named("v1.Protocol"), "error": str])),
                ])),
            ]),
            "conditions": list(metaCondition, mergeKey: "type"),
        ]),
    ])

    static let endpointAddress = obj("EndpointAddress", [
        "ip": str, "hostname": str, "nodeName": str, "targetRef": objectReference,
    ])

    static let endpoints = topLevel("Endpoints", Package.core, [
        "subsets": list(obj("EndpointSubset", [
            "addresses": list(endpointAddress), "notReadyAddresses": list(endpointAddress),
            "ports": list(obj("EndpointPort", [
                "name": str, "port": int32, "protocol": named("v1.Protocol"), "appProtocol": str,
            ])),
        ])),
    ])

    static let secret = topLevel("Secret", Package.core, [
        "immutable": bool, "data": map(.bytes), "stringData": strMap, "type": named("v1.SecretType"),
    ])

    static let configMap = topLevel("ConfigMap", Package.core, [
        "immutable": bool, "data": strMap, "binaryData": map(.bytes),
    ])

    static let serviceAccount = topLevel("ServiceAccount", Package.core, [
        "secrets": list(objectReference, mergeKey: "name"),
        "imagePullSecrets": list(localObjectReference),
        "automountServiceAccountToken": bool,
    ])

    static let eventSource = obj("EventSource", ["component": str, "host": str])

    static let coreEvent = topLevel("Event", Package.core, [
        "involvedObject": objectReference, "reason": str, "message": str, "source": eventSource,
        "firstTimestamp": time, "lastTimestamp": time, "count": int32, "type": str,
        "eventTime": microTime,
        "series": obj("EventSeries", ["count": int32, "lastObservedTime": microTime]),
        "action": str, "related": objectReference,
        "reportingComponent": str, "reportingInstance": str,
    ])

    static let binding = topLevel("Binding", Package.core, ["target": objectReference])
}
