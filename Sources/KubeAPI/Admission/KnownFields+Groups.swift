// Known fields of the kinds outside the core group: apps/v1 Deployment and ReplicaSet,
// autoscaling/v1 Scale, discovery.k8s.io/v1 EndpointSlice, events.k8s.io/v1 Event and
// coordination.k8s.io/v1 Lease.

extension Admission.KnownFields {
    static let deployment = topLevel("Deployment", Package.apps, [
        "spec": obj("DeploymentSpec", Package.apps, [
            "replicas": int32, "selector": labelSelector, "template": podTemplateSpec,
            "strategy": obj("DeploymentStrategy", Package.apps, [
                "type": named("v1.DeploymentStrategyType"),
                "rollingUpdate": obj("RollingUpdateDeployment", Package.apps, [
                    "maxUnavailable": intOrString, "maxSurge": intOrString,
                ]),
            ]),
            "minReadySeconds": int32, "revisionHistoryLimit": int32, "paused": bool,
            "progressDeadlineSeconds": int32,
        ]),
        "status": obj("DeploymentStatus", Package.apps, [
            "observedGeneration": int64, "replicas": int32, "updatedReplicas": int32,
            "readyReplicas": int32, "availableReplicas": int32, "unavailableReplicas": int32,
            "conditions": list(obj("DeploymentCondition", Package.apps, [
                "type": named("v1.DeploymentConditionType"), "status": named("v1.ConditionStatus"),
                "lastUpdateTime": time, "lastTransitionTime": time, "reason": str, "message": str,
            ]), mergeKey: "type"),
            "collisionCount": int32,
        ]),
    ])

    static let replicaSet = topLevel("ReplicaSet", Package.apps, [
        "spec": obj("ReplicaSetSpec", Package.apps, [
            "replicas": int32, "minReadySeconds": int32, "selector": labelSelector, "template": podTemplateSpec,
        ]),
        "status": obj("ReplicaSetStatus", Package.apps, [
            "replicas": int32, "fullyLabeledReplicas": int32, "readyReplicas": int32,
            "availableReplicas": int32, "observedGeneration": int64,
            "conditions": list(obj("ReplicaSetCondition", Package.apps, [
                "type": named("v1.ReplicaSetConditionType"), "status": named("v1.ConditionStatus"),
                "lastTransitionTime": time, "reason": str, "message": str,
            ]), mergeKey: "type"),
        ]),
    ])

    static let scale = topLevel("Scale", Package.autoscaling, [
        "spec": obj("ScaleSpec", Package.autoscaling, ["replicas": int32]),
        "status": obj("ScaleStatus", Package.autoscaling, ["replicas": int32, "selector": str]),
    ])

    static let endpointSlice = topLevel("EndpointSlice", Package.discovery, [
        "addressType": named("v1.AddressType"),
        "endpoints": list(obj("Endpoint", Package.discovery, [
            "addresses": strList,
            "conditions": obj("EndpointConditions", Package.discovery, [
                "ready": bool, "serving": bool, "terminating": bool,
            ]),
            "hostname": str, "targetRef": objectReference, "deprecatedTopology": strMap,
            "nodeName": str, "zone": str,
            "hints": obj("EndpointHints", Package.discovery, [
                "forZones": list(obj("ForZone", Package.discovery, ["name": str])),
            ]),
        ])),
        "ports": list(obj("EndpointPort", Package.discovery, [
            "name": str, "protocol": named("v1.Protocol"), "port": int32, "appProtocol": str,
        ])),
    ])

    static let eventsEvent = topLevel("Event", Package.events, [
        "eventTime": microTime,
        "series": obj("EventSeries", Package.events, ["count": int32, "lastObservedTime": microTime]),
        "reportingController": str, "reportingInstance": str, "action": str, "reason": str,
        "regarding": objectReference, "related": objectReference, "note": str, "type": str,
        "deprecatedSource": eventSource, "deprecatedFirstTimestamp": time,
        "deprecatedLastTimestamp": time, "deprecatedCount": int32,
    ])

    static let lease = topLevel("Lease", Package.coordination, [
        "spec": obj("LeaseSpec", Package.coordination, [
            "holderIdentity": str, "leaseDurationSeconds": int32, "acquireTime": microTime,
            "renewTime": microTime, "leaseTransitions": int32,
            "strategy": named("v1.CoordinatedLeaseStrategy"), "preferredHolder": str,
        ]),
    ])
}
