import XCTest
@testable import KubeAPI

final class AdmissionDefaultsTests: XCTestCase {
    static let pod: JSON = [
        "apiVersion": "v1", "kind": "Pod",
        "metadata": ["name": "p", "namespace": "default"],
        "spec": [
            "containers": [[
                "name": "c", "image": "nginx:1.25",
                "ports": [["containerPort": 80]],
                "env": [["name": "NODE", "valueFrom": ["fieldRef": ["fieldPath": "spec.nodeName"]]],
                        ["name": "MEM", "valueFrom": ["resourceFieldRef": ["resource": "limits.memory"]]]],
                "resources": ["limits": ["cpu": "1", "memory": "64Mi"], "requests": ["cpu": "500m"]],
                "livenessProbe": ["httpGet": ["port": 80]],
                "readinessProbe": ["tcpSocket": ["port": 80], "periodSeconds": 5],
                "lifecycle": ["preStop": ["httpGet": ["port": 80, "path": "/stop"]]],
            ]],
            "initContainers": [["name": "init", "image": "busybox"]],
            "volumes": [
                ["name": "a", "secret": ["secretName": "s"]],
                ["name": "b", "configMap": ["name": "c"]],
                ["name": "c"],
                ["name": "d", "hostPath": ["path": "/tmp"]],
                ["name": "e", "projected": ["sources": [
                    ["serviceAccountToken": ["path": "token"]],
                    ["downwardAPI": ["items": [["path": "ns", "fieldRef": ["fieldPath": "metadata.namespace"]]]]],
                ]]],
                ["name": "f", "downwardAPI": ["items": [["path": "labels", "fieldRef": ["fieldPath": "metadata.labels"]]]]],
                ["name": "g", "persistentVolumeClaim": ["claimName": "pvc"]],
            ],
        ],
    ]

    func testPodDefaults() {
        var pod = Self.pod
        Admission.applyDefaults(kind: "Pod", to: &pod)
        let spec = pod["spec"]
        XCTAssertEqual(spec["restartPolicy"], "Always")
        XCTAssertEqual(spec["dnsPolicy"], "ClusterFirst")
        XCTAssertEqual(spec["terminationGracePeriodSeconds"], 30)
        XCTAssertEqual(spec["schedulerName"], "default-scheduler")
        XCTAssertEqual(spec["securityContext"], [:])
        XCTAssertEqual(spec["enableServiceLinks"], true)
        XCTAssertEqual(spec["preemptionPolicy"], "PreemptLowerPriority")
        XCTAssertEqual(spec["priority"], 0)
        XCTAssertEqual(spec["serviceAccountName"], "default")
        XCTAssertEqual(spec["serviceAccount"], "default")
        XCTAssertEqual(spec["tolerations"], [
            ["key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300],
            ["key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300],
        ])
        let c = spec["containers"][0]
        XCTAssertEqual(c["imagePullPolicy"], "IfNotPresent")
        XCTAssertEqual(c["terminationMessagePath"], "/dev/termination-log")
        XCTAssertEqual(c["terminationMessagePolicy"], "File")
        XCTAssertEqual(c["ports"][0]["protocol"], "TCP")
        XCTAssertEqual(c["env"][0]["valueFrom"]["fieldRef"]["apiVersion"], "v1")
        XCTAssertEqual(c["env"][1]["valueFrom"]["resourceFieldRef"]["divisor"], "0")
        XCTAssertEqual(c["resources"]["requests"], ["cpu": "500m", "memory": "64Mi"], "requests default to limits")
        XCTAssertEqual(c["livenessProbe"], ["httpGet": ["port": 80, "path": "/", "scheme": "HTTP"],
                                            "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3])
        XCTAssertEqual(c["readinessProbe"]["periodSeconds"], 5)
        XCTAssertEqual(c["lifecycle"]["preStop"]["httpGet"], ["port": 80, "path": "/stop", "scheme": "HTTP"])
        XCTAssertEqual(spec["initContainers"][0]["imagePullPolicy"], "Always")
        XCTAssertEqual(spec["initContainers"][0]["resources"], [:])
        let v = spec["volumes"]
        XCTAssertEqual(v[0]["secret"]["defaultMode"], 420)
        XCTAssertEqual(v[1]["configMap"]["defaultMode"], 420)
        XCTAssertEqual(v[2]["emptyDir"], [:])
        XCTAssertEqual(v[3]["hostPath"]["type"], "")
        XCTAssertEqual(v[4]["projected"]["defaultMode"], 420)
        XCTAssertEqual(v[4]["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"], 3600)
        XCTAssertEqual(v[4]["projected"]["sources"][1]["downwardAPI"]["items"][0]["fieldRef"]["apiVersion"], "v1")
        XCTAssertEqual(v[5]["downwardAPI"]["defaultMode"], 420)
        XCTAssertEqual(v[6]["persistentVolumeClaim"], ["claimName": "pvc"])

        var again = pod
        Admission.applyDefaults(kind: "Pod", to: &again)
        XCTAssertEqual(again, pod, "defaulting is idempotent")
        XCTAssertEqual(Admission.validate(kind: "Pod", object: pod, old: nil), [])
    }

    func testImagePullPolicyFollowsTheTag() {
        let cases: [(String, String)] = [
            ("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.25", "IfNotPresent"),
            ("localhost:5000/app", "Always"), ("localhost:5000/app:v1", "IfNotPresent"),
            ("nginx@sha256:abcd", "IfNotPresent"), ("nginx:latest@sha256:abcd", "Always"),
            ("NGINX", "IfNotPresent"), ("Registry.Local:5000/app", "Always"), ("registry/App", "IfNotPresent"), ("", "IfNotPresent"),
        ]
        for (image, policy) in cases {
            var c: JSON = ["name": "c", "image": .string(image)]
            Admission.PodDefaults.applyToContainer(&c)
            XCTAssertEqual(c["imagePullPolicy"].string, policy, image)
        }
        var explicit: JSON = ["name": "c", "image": "nginx", "imagePullPolicy": "Never"]
        Admission.PodDefaults.applyToContainer(&explicit)
        XCTAssertEqual(explicit["imagePullPolicy"], "Never")
    }

    func testExistingTolerationsAreKept() {
        var pod: JSON = ["spec": ["containers": [["name": "c", "image": "i"]],
                                  "tolerations": [["operator": "Exists"]]]]
        Admission.applyDefaults(kind: "Pod", to: &pod)
        XCTAssertEqual(pod["spec"]["tolerations"], [["operator": "Exists"]], "a match-all toleration covers both")
    }

    func testHostNetworkPodsGetHostPorts() {
        var pod: JSON = ["spec": ["hostNetwork": true, "containers": [["name": "c", "image": "i", "ports": [["containerPort": 53]]]]]]
        Admission.applyDefaults(kind: "Pod", to: &pod)
        XCTAssertEqual(pod["spec"]["containers"][0]["ports"][0]["hostPort"], 53)
    }

    func testServiceDefaultsPerType() {
        var lb: JSON = ["spec": ["type": "LoadBalancer", "ports": [["port": 80, "targetPort": "http"]]]]
        Admission.applyDefaults(kind: "Service", to: &lb)
        XCTAssertEqual(lb["spec"]["externalTrafficPolicy"], "Cluster")
        XCTAssertEqual(lb["spec"]["allocateLoadBalancerNodePorts"], true)
        XCTAssertEqual(lb["spec"]["ports"][0]["targetPort"], "http")

        var external: JSON = ["spec": ["type": "ExternalName", "externalName": "example.com"]]
        Admission.applyDefaults(kind: "Service", to: &external)
        XCTAssertTrue(external["spec"]["ipFamilies"].isNull)
        XCTAssertTrue(external["spec"]["internalTrafficPolicy"].isNull)
        external["metadata"] = ["name": "e", "namespace": "d"]
        XCTAssertEqual(Admission.validate(kind: "Service", object: external, old: nil), [])

        var headless: JSON = ["spec": ["clusterIP": "None", "ports": [["port": 80]]]]
        Admission.applyDefaults(kind: "Service", to: &headless)
        XCTAssertEqual(headless["spec"]["clusterIPs"], ["None"])
        XCTAssertEqual(headless["spec"]["ipFamilyPolicy"], "RequireDualStack")

        var affinity: JSON = ["spec": ["sessionAffinity": "ClientIP", "ports": [["port": 80]]]]
        Admission.applyDefaults(kind: "Service", to: &affinity)
        XCTAssertEqual(affinity["spec"]["sessionAffinityConfig"], ["clientIP": ["timeoutSeconds": 10800]])
    }

    func testSecretStringDataIsMergedIntoData() {
        var secret: JSON = ["data": ["a": "eA==", "b": "eA=="], "stringData": ["b": "hello", "c": "hi"]]
        Admission.applyDefaults(kind: "Secret", to: &secret)
        XCTAssertEqual(secret["type"], "Opaque")
        XCTAssertEqual(secret["data"], ["a": "eA==", "b": "aGVsbG8=", "c": "aGk="])
        XCTAssertTrue(secret["stringData"].isNull)
    }

    func testNamespaceDefaults() {
        var ns: JSON = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "team-a"]]
        Admission.applyDefaults(kind: "Namespace", to: &ns)
        XCTAssertEqual(ns["metadata"]["labels"], ["kubernetes.io/metadata.name": "team-a"])
        XCTAssertEqual(ns["spec"]["finalizers"], ["kubernetes"])
        XCTAssertEqual(ns["status"]["phase"], "Active")
        XCTAssertEqual(Admission.validate(kind: "Namespace", object: ns, old: nil), [])

        var terminating: JSON = ["metadata": ["name": "x", "deletionTimestamp": "2024-01-01T00:00:00Z"],
                                 "status": ["phase": "Terminating"]]
        Admission.applyDefaults(kind: "Namespace", to: &terminating)
        XCTAssertTrue(terminating["spec"]["finalizers"].isNull, "a namespace being finalized keeps its finalizers removed")
    }

    func testEndpointSliceAndNodeDefaults() {
        var slice: JSON = ["addressType": "IPv4", "ports": [["port": 80]]]
        Admission.applyDefaults(kind: "EndpointSlice", to: &slice)
        XCTAssertEqual(slice["ports"], [["port": 80, "name": "", "protocol": "TCP"]])
        var node: JSON = ["status": ["capacity": ["cpu": "2", "pods": "110"]]]
        Admission.applyDefaults(kind: "Node", to: &node)
        XCTAssertEqual(node["status"]["allocatable"], ["cpu": "2", "pods": "110"])
    }

    func testReplicaSetDefaultsAndRecreateStrategy() {
        var rs: JSON = ["spec": ["template": ["spec": ["containers": [["name": "c", "image": "i"]]]]]]
        Admission.applyDefaults(kind: "ReplicaSet", to: &rs)
        XCTAssertEqual(rs["spec"]["replicas"], 1)
        XCTAssertEqual(rs["spec"]["template"]["spec"]["restartPolicy"], "Always")
        var d: JSON = ["spec": ["strategy": ["type": "Recreate"], "replicas": 0]]
        Admission.applyDefaults(kind: "Deployment", to: &d)
        XCTAssertEqual(d["spec"]["strategy"], ["type": "Recreate"])
        XCTAssertEqual(d["spec"]["replicas"], 0)
    }

    func testPrepareForCreateAndUpdate() {
        var pod: JSON = ["metadata": ["name": "p"], "spec": ["containers": [["name": "c", "image": "i",
            "resources": ["limits": ["cpu": "1", "memory": "1Gi"]]]]], "status": ["phase": "Running"]]
        Admission.prepareForCreate(kind: "Pod", object: &pod)
        XCTAssertEqual(pod["status"], ["phase": "Pending", "qosClass": "Guaranteed"])

        var ns: JSON = ["metadata": ["name": "n", "namespace": "oops"]]
        Admission.prepareForCreate(kind: "Namespace", object: &ns)
        XCTAssertTrue(ns["metadata"]["namespace"].isNull)
        XCTAssertEqual(ns["spec"]["finalizers"], ["kubernetes"])

        let old: JSON = ["metadata": ["name": "d", "uid": "u1", "generation": 3, "creationTimestamp": "2024-01-01T00:00:00Z"],
                         "spec": ["replicas": 1], "status": ["replicas": 1]]
        var new: JSON = ["metadata": ["name": "d"], "spec": ["replicas": 2], "status": ["replicas": 9]]
        Admission.prepareForUpdate(kind: "Deployment", object: &new, old: old)
        XCTAssertEqual(new["metadata"]["uid"], "u1")
        XCTAssertEqual(new["metadata"]["generation"], 4)
        XCTAssertEqual(new["metadata"]["creationTimestamp"], "2024-01-01T00:00:00Z")
        XCTAssertEqual(new["status"], ["replicas": 1])

        let oldSvc: JSON = ["spec": ["type": "NodePort", "clusterIP": "10.96.0.5", "clusterIPs": ["10.96.0.5"],
                                     "ports": [["name": "http", "port": 80, "nodePort": 30080]]]]
        var newSvc: JSON = ["spec": ["type": "NodePort", "ports": [["name": "http", "port": 80]]]]
        Admission.prepareForUpdate(kind: "Service", object: &newSvc, old: oldSvc)
        XCTAssertEqual(newSvc["spec"]["clusterIP"], "10.96.0.5")
        XCTAssertEqual(newSvc["spec"]["clusterIPs"], ["10.96.0.5"])
        XCTAssertEqual(newSvc["spec"]["ports"][0]["nodePort"], 30080)
    }

    func testQOSClass() {
        XCTAssertEqual(Admission.qosClass(["containers": [["name": "c"]]]), "BestEffort")
        XCTAssertEqual(Admission.qosClass(["containers": [["resources": ["requests": ["cpu": "1"]]]]]), "Burstable")
        XCTAssertEqual(Admission.qosClass(["containers": [["resources": ["limits": ["cpu": "1", "memory": "1Gi"],
                                                                          "requests": ["cpu": "1000m"]]]]]), "Guaranteed")
    }
}
