import XCTest

@testable import KubeAPI

final class PatchStrategicMergeTests: XCTestCase {
    private func j(_ text: String) -> JSON { try! JSON.parse(text) }

    private func smp(_ live: JSON, _ patch: String, kind: String, file: StaticString = #filePath, line: UInt = #line) -> JSON {
        do {
            return try live.applyingStrategicMergePatch(j(patch), kind: kind)
        } catch {
            XCTFail("patch failed: \(error)", file: file, line: line)
            return .null
        }
    }

    private func smpError(_ live: JSON, _ patch: String, kind: String, file: StaticString = #filePath, line: UInt = #line)
        -> StrategicMergePatchError?
    {
        do {
            let result = try live.applyingStrategicMergePatch(j(patch), kind: kind)
            XCTFail("expected an error, got \(result.jsonString)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    private func names(_ list: JSON) -> [String] { list.elements.map { $0["name"].string ?? "?" } }

    // MARK: - What kubectl apply sends (kubectl-wire.md §3)

    /// The Deployment as the server holds it after the first `kubectl apply`.
    private let liveDeployment = patchFixture(#"""
        {"apiVersion":"apps/v1","kind":"Deployment",
         "metadata":{"name":"my-nginx","namespace":"default","generation":1,
           "annotations":{"deployment.kubernetes.io/revision":"1","kubectl.kubernetes.io/last-applied-configuration":"OLD\n"}},
         "spec":{"replicas":2,"selector":{"matchLabels":{"run":"my-nginx"}},
           "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}},
           "template":{"metadata":{"labels":{"run":"my-nginx"}},
             "spec":{"containers":[{"name":"my-nginx","image":"nginx","ports":[{"containerPort":80,"protocol":"TCP"}],
               "resources":{},"terminationMessagePath":"/dev/termination-log","imagePullPolicy":"Always"}],
               "restartPolicy":"Always","dnsPolicy":"ClusterFirst"}}},
         "status":{"replicas":2,"conditions":[{"type":"Available","status":"True"},{"type":"Progressing","status":"True"}]}}
        """#)

    func testApplyReplicasChange() {
        let result = smp(
            liveDeployment,
            #"{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"NEW\n"}},"spec":{"replicas":3}}"#,
            kind: "Deployment")
        XCTAssertEqual(result["spec"]["replicas"], 3)
        XCTAssertEqual(
            result.annotations,
            ["deployment.kubernetes.io/revision": "1", "kubectl.kubernetes.io/last-applied-configuration": "NEW\n"])
        XCTAssertEqual(result["spec"]["template"], liveDeployment["spec"]["template"])
        XCTAssertEqual(result["status"], liveDeployment["status"])
    }

    func testApplyLabelEnvPortsAndSidecar() {
        let patch = #"""
            {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"NEW\n"},"labels":{"tier":"web"}},
             "spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"my-nginx"},{"name":"sidecar"}],
               "containers":[{"env":[{"name":"A","value":"1"}],"image":"nginx:1.27","name":"my-nginx","ports":null},
                             {"image":"busybox","name":"sidecar"}]}}}}
            """#
        let result = smp(liveDeployment, patch, kind: "Deployment")
        XCTAssertEqual(result.labels, ["tier": "web"])
        XCTAssertEqual(result.annotations["deployment.kubernetes.io/revision"], "1")
        let containers = result["spec"]["template"]["spec"]["containers"]
        XCTAssertEqual(names(containers), ["my-nginx", "sidecar"])
        XCTAssertEqual(
            containers[0],
            j(#"{"name":"my-nginx","image":"nginx:1.27","env":[{"name":"A","value":"1"}],"resources":{},"terminationMessagePath":"/dev/termination-log","imagePullPolicy":"Always"}"#))
        XCTAssertEqual(containers[1], j(#"{"name":"sidecar","image":"busybox"}"#))
        XCTAssertEqual(result["spec"]["template"]["spec"]["restartPolicy"], "Always")
        XCTAssertEqual(result["spec"]["replicas"], 2)

        // …and the patch kubectl sends to revert it.
        let revert = #"""
            {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"OLD\n"},"labels":null},
             "spec":{"replicas":2,"template":{"spec":{"$setElementOrder/containers":[{"name":"my-nginx"}],
               "containers":[{"env":null,"image":"nginx","name":"my-nginx","ports":[{"containerPort":80}]},
                             {"$patch":"delete","name":"sidecar"}]}}}}
            """#
        let reverted = smp(result, revert, kind: "Deployment")
        XCTAssertNil(reverted["metadata"].object?["labels"])
        let revertedContainers = reverted["spec"]["template"]["spec"]["containers"]
        XCTAssertEqual(names(revertedContainers), ["my-nginx"])
        XCTAssertEqual(
            revertedContainers[0],
            j(#"{"name":"my-nginx","image":"nginx","ports":[{"containerPort":80}],"resources":{},"terminationMessagePath":"/dev/termination-log","imagePullPolicy":"Always"}"#))
        XCTAssertEqual(reverted["metadata"], liveDeployment["metadata"])
    }

    func testLiveObjectIsNotModified() {
        let before = liveDeployment
        _ = smp(liveDeployment, #"{"spec":{"template":{"spec":{"containers":[{"name":"my-nginx","image":"x"}]}}}}"#, kind: "Deployment")
        XCTAssertEqual(liveDeployment, before)
    }

    // MARK: - What kubectl edit sends (two-way patches, kubectl-wire.md §10)

    private let liveService = patchFixture(#"""
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"my-nginx","namespace":"default","labels":{"run":"my-nginx"}},
         "spec":{"type":"ClusterIP","clusterIP":"10.96.0.20","clusterIPs":["10.96.0.20"],"selector":{"run":"my-nginx"},
           "ports":[{"port":80,"protocol":"TCP","targetPort":80},{"name":"https","port":443,"protocol":"TCP","targetPort":443}],
           "sessionAffinity":"None"},
         "status":{"loadBalancer":{}}}
        """#)

    func testEditServiceType() {
        let result = smp(liveService, #"{"spec":{"type":"LoadBalancer"}}"#, kind: "Service")
        XCTAssertEqual(result["spec"]["type"], "LoadBalancer")
        XCTAssertEqual(result["spec"]["ports"], liveService["spec"]["ports"])
        XCTAssertEqual(result["spec"]["clusterIPs"], ["10.96.0.20"])
        var expected = liveService
        expected[path: ["spec", "type"]] = "LoadBalancer"
        XCTAssertEqual(result, expected)

        let affinity = smp(liveService, #"{"spec":{"sessionAffinity":"ClientIP"}}"#, kind: "Service")
        XCTAssertEqual(affinity["spec"]["sessionAffinity"], "ClientIP")
    }

    func testServicePortsMergeByPort() {
        let changed = smp(liveService, #"{"spec":{"ports":[{"port":443,"targetPort":8443}]}}"#, kind: "Service")
        XCTAssertEqual(
            changed["spec"]["ports"],
            j(#"[{"port":80,"protocol":"TCP","targetPort":80},{"name":"https","port":443,"protocol":"TCP","targetPort":8443}]"#))

        // A new element without $setElementOrder goes first, as apimachinery orders it.
        let added = smp(liveService, #"{"spec":{"ports":[{"port":8080,"name":"alt"}]}}"#, kind: "Service")
        XCTAssertEqual(added["spec"]["ports"].elements.map { $0["port"] }, [8080, 80, 443])

        let removed = smp(liveService, #"{"spec":{"ports":[{"$patch":"delete","port":80}]}}"#, kind: "Service")
        XCTAssertEqual(removed["spec"]["ports"].elements.map { $0["port"] }, [443])

        // An edit that sends the whole list with $setElementOrder puts it in that order.
        let reordered = smp(
            liveService,
            #"{"spec":{"$setElementOrder/ports":[{"port":443},{"port":80},{"port":8080}],"ports":[{"port":8080,"targetPort":8080}]}}"#,
            kind: "Service")
        XCTAssertEqual(reordered["spec"]["ports"].elements.map { $0["port"] }, [443, 80, 8080])
    }

    func testMergeKeyMatchesNumbersByValue() {
        let live = j(#"{"spec":{"containers":[{"name":"c","ports":[{"containerPort":80,"protocol":"TCP"}]}]}}"#)
        let result = smp(live, #"{"spec":{"containers":[{"name":"c","ports":[{"containerPort":80.0,"name":"http"}]}]}}"#, kind: "Pod")
        XCTAssertEqual(result["spec"]["containers"][0]["ports"].elements.count, 1)
        XCTAssertEqual(result["spec"]["containers"][0]["ports"][0]["name"], "http")
        XCTAssertEqual(result["spec"]["containers"][0]["ports"][0]["protocol"], "TCP")
    }

    // MARK: - Pod spec lists

    private let livePod = patchFixture(#"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","finalizers":["a","b"],
           "ownerReferences":[{"uid":"u1","kind":"ReplicaSet","name":"rs1"},{"uid":"u2","kind":"Job","name":"j"}]},
         "spec":{"containers":[{"name":"app","image":"nginx",
             "env":[{"name":"A","value":"1"},{"name":"B","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}}],
             "volumeMounts":[{"name":"data","mountPath":"/data"},{"name":"cfg","mountPath":"/etc/cfg","readOnly":true}],
             "volumeDevices":[{"name":"raw","devicePath":"/dev/xvda"}]},
           {"name":"log","image":"busybox"}],
           "initContainers":[{"name":"init","image":"busybox","command":["sh","-c","true"]}],
           "volumes":[{"name":"data","emptyDir":{}},{"name":"cfg","configMap":{"name":"c"}}],
           "imagePullSecrets":[{"name":"s1"}],"hostAliases":[{"ip":"10.0.0.1","hostnames":["a"]}],
           "tolerations":[{"key":"k1","operator":"Exists"},{"key":"k2","operator":"Exists"}]},
         "status":{"phase":"Running","conditions":[{"type":"Ready","status":"False"},{"type":"PodScheduled","status":"True"}],
           "podIPs":[{"ip":"10.244.0.5"}],"containerStatuses":[{"name":"app","ready":false},{"name":"log","ready":false}]}}
        """#)

    func testContainerFieldsMergeByTheirKeys() {
        let result = smp(livePod, #"""
            {"spec":{"containers":[{"name":"app",
               "env":[{"name":"B","value":"x","valueFrom":null},{"name":"C","value":"3"}],
               "volumeMounts":[{"mountPath":"/etc/cfg","readOnly":false}],
               "volumeDevices":[{"devicePath":"/dev/xvda","name":"raw2"}]}],
             "initContainers":[{"name":"init","image":"alpine"}],
             "volumes":[{"name":"extra","emptyDir":{"medium":"Memory"}}],
             "imagePullSecrets":[{"name":"s2"}],
             "hostAliases":[{"ip":"10.0.0.1","hostnames":["b"]}]}}
            """#, kind: "Pod")
        let app = result["spec"]["containers"][0]
        XCTAssertEqual(app["env"], j(#"[{"name":"A","value":"1"},{"name":"B","value":"x"},{"name":"C","value":"3"}]"#))
        XCTAssertEqual(app["volumeMounts"], j(#"[{"name":"data","mountPath":"/data"},{"name":"cfg","mountPath":"/etc/cfg","readOnly":false}]"#))
        XCTAssertEqual(app["volumeDevices"], j(#"[{"name":"raw2","devicePath":"/dev/xvda"}]"#))
        XCTAssertEqual(app["image"], "nginx")
        XCTAssertEqual(names(result["spec"]["containers"]), ["app", "log"])
        XCTAssertEqual(result["spec"]["initContainers"], j(#"[{"name":"init","image":"alpine","command":["sh","-c","true"]}]"#))
        XCTAssertEqual(names(result["spec"]["volumes"]), ["extra", "data", "cfg"])
        XCTAssertEqual(names(result["spec"]["imagePullSecrets"]), ["s2", "s1"])
        XCTAssertEqual(result["spec"]["hostAliases"], j(#"[{"ip":"10.0.0.1","hostnames":["b"]}]"#))
    }

    func testListsWithoutStrategyAreReplaced() {
        let result = smp(livePod, #"{"spec":{"tolerations":[{"key":"k3","operator":"Exists"}]},"status":{"containerStatuses":[{"name":"app","ready":true}]}}"#, kind: "Pod")
        XCTAssertEqual(result["spec"]["tolerations"], j(#"[{"key":"k3","operator":"Exists"}]"#))
        XCTAssertEqual(result["status"]["containerStatuses"], j(#"[{"name":"app","ready":true}]"#))
        // The command list of a container is atomic too.
        let command = smp(livePod, #"{"spec":{"initContainers":[{"name":"init","command":["true"]}]}}"#, kind: "Pod")
        XCTAssertEqual(command["spec"]["initContainers"][0]["command"], ["true"])
    }

    func testStatusConditionsMergeByType() {
        let result = smp(
            livePod, #"{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"podIPs":[{"ip":"10.244.0.5"}]}}"#,
            kind: "Pod")
        XCTAssertEqual(result["status"]["conditions"], j(#"[{"type":"Ready","status":"True"},{"type":"PodScheduled","status":"True"}]"#))
        XCTAssertEqual(result["status"]["podIPs"], j(#"[{"ip":"10.244.0.5"}]"#))

        let node = j(#"""
            {"kind":"Node","metadata":{"name":"n"},"spec":{"podCIDRs":["10.244.0.0/24"]},
             "status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"False","reason":"Starting"}],
               "addresses":[{"type":"InternalIP","address":"192.0.2.1"},{"type":"Hostname","address":"n"}]}}
            """#)
        let patchedNode = smp(
            node, #"{"status":{"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady"}],"addresses":[{"type":"InternalIP","address":"192.0.2.9"}]}}"#,
            kind: "Node")
        XCTAssertEqual(
            patchedNode["status"]["conditions"],
            j(#"[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True","reason":"KubeletReady"}]"#))
        XCTAssertEqual(patchedNode["status"]["addresses"], j(#"[{"type":"InternalIP","address":"192.0.2.9"},{"type":"Hostname","address":"n"}]"#))
        let cidrs = smp(node, #"{"spec":{"podCIDRs":["10.244.0.0/24","fd00::/64"]}}"#, kind: "Node")
        XCTAssertEqual(cidrs["spec"]["podCIDRs"], ["10.244.0.0/24", "fd00::/64"])

        let deployment = smp(liveDeployment, #"{"status":{"conditions":[{"type":"Progressing","status":"False"}],"replicas":3}}"#, kind: "Deployment")
        XCTAssertEqual(deployment["status"]["conditions"], j(#"[{"type":"Available","status":"True"},{"type":"Progressing","status":"False"}]"#))
        XCTAssertEqual(deployment["status"]["replicas"], 3)
    }

    func testMetadataFinalizersAndOwnerReferences() {
        let added = smp(livePod, #"{"metadata":{"finalizers":["c","a"]}}"#, kind: "Pod")
        XCTAssertEqual(added["metadata"]["finalizers"], ["c", "a", "b"])
        let deleted = smp(livePod, #"{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}"#, kind: "Pod")
        XCTAssertEqual(deleted["metadata"]["finalizers"], ["b"])
        let ordered = smp(
            livePod, #"{"metadata":{"$setElementOrder/finalizers":["b","c","a"],"finalizers":["c"]}}"#, kind: "Pod")
        XCTAssertEqual(ordered["metadata"]["finalizers"], ["b", "c", "a"])
        let both = smp(
            livePod, #"{"metadata":{"$setElementOrder/finalizers":["c","b"],"$deleteFromPrimitiveList/finalizers":["a"],"finalizers":["c"]}}"#,
            kind: "Pod")
        XCTAssertEqual(both["metadata"]["finalizers"], ["c", "b"])
        let cleared = smp(livePod, #"{"metadata":{"finalizers":null}}"#, kind: "Pod")
        XCTAssertNil(cleared["metadata"].object?["finalizers"])

        let owners = smp(livePod, #"{"metadata":{"ownerReferences":[{"uid":"u2","name":"j2"},{"$patch":"delete","uid":"u1"}]}}"#, kind: "Pod")
        XCTAssertEqual(owners["metadata"]["ownerReferences"], j(#"[{"uid":"u2","kind":"Job","name":"j2"}]"#))

        // Every kind, known or not, gets the ObjectMeta rules.
        let widget = j(#"{"kind":"Widget","metadata":{"finalizers":["x"]},"spec":{"items":[1,2]}}"#)
        let patchedWidget = smp(widget, #"{"metadata":{"finalizers":["y"]},"spec":{"items":[3]}}"#, kind: "Widget")
        XCTAssertEqual(patchedWidget["metadata"]["finalizers"], ["y", "x"])
        XCTAssertEqual(patchedWidget["spec"]["items"], [3])
    }

    func testTemplatesOfOtherWorkloads() {
        for kind in ["ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController"] {
            let live = j(#"{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"1"},{"name":"b","image":"1"}]}}}}"#)
            let result = smp(live, #"{"spec":{"template":{"spec":{"containers":[{"name":"b","image":"2"}]}}}}"#, kind: kind)
            XCTAssertEqual(
                result["spec"]["template"]["spec"]["containers"], j(#"[{"name":"a","image":"1"},{"name":"b","image":"2"}]"#), kind)
        }
        let cronJob = j(#"{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"1","env":[{"name":"X","value":"1"}]}]}}}}}}"#)
        let result = smp(cronJob, #"{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"a","env":[{"name":"Y","value":"2"}]}]}}}}}}"#, kind: "CronJob")
        XCTAssertEqual(result["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"].elements.count, 2)
        let podTemplate = j(#"{"template":{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}}"#)
        let patchedTemplate = smp(podTemplate, #"{"template":{"spec":{"containers":[{"name":"b","image":"x"}]}}}"#, kind: "PodTemplate")
        XCTAssertEqual(names(patchedTemplate["template"]["spec"]["containers"]), ["a", "b"])
    }

    func testEndpointsAndSlicesAreReplaced() {
        let endpoints = j(#"{"kind":"Endpoints","subsets":[{"addresses":[{"ip":"10.244.0.1"}],"ports":[{"port":80}]}]}"#)
        let result = smp(endpoints, #"{"subsets":[{"addresses":[{"ip":"10.244.0.2"}],"ports":[{"port":80}]}]}"#, kind: "Endpoints")
        XCTAssertEqual(result["subsets"], j(#"[{"addresses":[{"ip":"10.244.0.2"}],"ports":[{"port":80}]}]"#))
        let slice = j(#"{"kind":"EndpointSlice","endpoints":[{"addresses":["10.244.0.1"]}],"ports":[{"port":80}]}"#)
        let patchedSlice = smp(slice, #"{"endpoints":[{"addresses":["10.244.0.9"]}]}"#, kind: "EndpointSlice")
        XCTAssertEqual(patchedSlice["endpoints"], j(#"[{"addresses":["10.244.0.9"]}]"#))
        XCTAssertEqual(patchedSlice["ports"], slice["ports"])
    }

    // MARK: - Directives

    func testPatchReplaceAndDeleteOnMaps() {
        let replaced = smp(liveDeployment, #"{"spec":{"selector":{"$patch":"replace","matchLabels":{"app":"y"}}}}"#, kind: "Deployment")
        XCTAssertEqual(replaced["spec"]["selector"], j(#"{"matchLabels":{"app":"y"}}"#))
        let replacedLabels = smp(
            liveDeployment, #"{"spec":{"template":{"metadata":{"labels":{"$patch":"replace","a":"b","gone":null}}}}}"#, kind: "Deployment")
        XCTAssertEqual(replacedLabels["spec"]["template"]["metadata"]["labels"], ["a": "b"])
        let deleted = smp(liveDeployment, #"{"spec":{"strategy":{"$patch":"delete"}}}"#, kind: "Deployment")
        XCTAssertEqual(deleted["spec"]["strategy"], .emptyObject)
        let merged = smp(liveDeployment, #"{"spec":{"selector":{"$patch":"merge","matchLabels":{"app":"y"}}}}"#, kind: "Deployment")
        XCTAssertEqual(merged["spec"]["selector"], j(#"{"matchLabels":{"run":"my-nginx","app":"y"}}"#))
        let whole = smp(liveDeployment, #"{"$patch":"replace","kind":"Deployment","metadata":{"name":"x"}}"#, kind: "Deployment")
        XCTAssertEqual(whole, j(#"{"kind":"Deployment","metadata":{"name":"x"}}"#))
    }

    func testPatchReplaceAndDeleteInLists() {
        let replaced = smp(
            liveDeployment, #"{"spec":{"template":{"spec":{"containers":[{"name":"only","image":"x","ports":null},{"$patch":"replace"}]}}}}"#,
            kind: "Deployment")
        XCTAssertEqual(replaced["spec"]["template"]["spec"]["containers"], j(#"[{"name":"only","image":"x"}]"#))
        let emptied = smp(liveDeployment, #"{"spec":{"template":{"spec":{"containers":[{"$patch":"replace"}]}}}}"#, kind: "Deployment")
        XCTAssertEqual(emptied["spec"]["template"]["spec"]["containers"], .array([]))
        let deletedMissing = smp(liveDeployment, #"{"spec":{"template":{"spec":{"containers":[{"$patch":"delete","name":"nope"}]}}}}"#, kind: "Deployment")
        XCTAssertEqual(deletedMissing["spec"]["template"], liveDeployment["spec"]["template"])
    }

    func testRetainKeys() {
        let recreate = smp(liveDeployment, #"{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":null}}}"#, kind: "Deployment")
        XCTAssertEqual(recreate["spec"]["strategy"], j(#"{"type":"Recreate"}"#))
        let volume = smp(
            livePod, #"{"spec":{"volumes":[{"name":"data","hostPath":{"path":"/x"},"$retainKeys":["hostPath","name"]}]}}"#, kind: "Pod")
        XCTAssertEqual(volume["spec"]["volumes"], j(#"[{"name":"data","hostPath":{"path":"/x"}},{"name":"cfg","configMap":{"name":"c"}}]"#))
    }

    func testSetElementOrderAlone() {
        let reordered = smp(
            livePod, #"{"spec":{"$setElementOrder/containers":[{"name":"log"},{"name":"app"}]}}"#, kind: "Pod")
        XCTAssertEqual(names(reordered["spec"]["containers"]), ["log", "app"])
        XCTAssertEqual(reordered["spec"]["containers"][1], livePod["spec"]["containers"][0])

        // Live-only elements keep their place relative to the named ones.
        let live = j(#"{"spec":{"containers":[{"name":"a"},{"name":"s"},{"name":"b"}]}}"#)
        let result = smp(
            live, #"{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],"containers":[{"name":"b","image":"new"}]}}"#,
            kind: "Pod")
        XCTAssertEqual(names(result["spec"]["containers"]), ["s", "b", "a"])
        XCTAssertEqual(result["spec"]["containers"][1]["image"], "new")

        // The list did not exist yet.
        let fresh = smp(
            j(#"{"spec":{}}"#), #"{"spec":{"$setElementOrder/containers":[{"name":"x"},{"name":"y"}],"containers":[{"name":"y"},{"name":"x"}]}}"#,
            kind: "Pod")
        XCTAssertEqual(names(fresh["spec"]["containers"]), ["x", "y"])
    }

    func testNullsAndDirectivesNeverReachTheObject() {
        let result = smp(
            j(#"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"}]}}"#),
            #"""
            {"metadata":{"annotations":{"a":null,"b":"1"},"labels":{"$patch":"replace","x":"y"}},
             "spec":{"containers":[{"name":"new","image":"x","ports":null,"env":[{"name":"E","value":"1"},{"$patch":"delete","name":"F"}]}],
               "volumes":[{"name":"v","emptyDir":null,"$retainKeys":["name"]}]}}
            """#,
            kind: "Pod")
        XCTAssertEqual(result["metadata"], j(#"{"name":"p","annotations":{"b":"1"},"labels":{"x":"y"}}"#))
        XCTAssertEqual(result["spec"]["containers"], j(#"[{"name":"new","image":"x","env":[{"name":"E","value":"1"}]},{"name":"a"}]"#))
        XCTAssertEqual(result["spec"]["volumes"], j(#"[{"name":"v"}]"#))
        XCTAssertFalse(result.jsonString.contains("$"))
        XCTAssertFalse(result.jsonString.contains("null"))
    }

    func testTypeChangesTakeThePatchValue() {
        let live = j(#"{"spec":{"x":{"a":1},"y":[1],"z":"s"}}"#)
        let result = smp(live, #"{"spec":{"x":[1,{"b":null}],"y":{"c":1,"d":null},"z":{"e":1}}}"#, kind: "Widget")
        XCTAssertEqual(result["spec"], j(#"{"x":[1,{}],"y":{"c":1},"z":{"e":1}}"#))
    }

    func testStrategiesAreInferredForFieldsTheTableLacks() {
        let live = j(#"{"spec":{"items":[{"name":"a","v":1},{"name":"b","v":1}],"tags":["x","y"]}}"#)
        let ordered = smp(
            live, #"{"spec":{"$setElementOrder/items":[{"name":"a"},{"name":"b"}],"items":[{"name":"b","v":2}]}}"#, kind: "Widget")
        XCTAssertEqual(ordered["spec"]["items"], j(#"[{"name":"a","v":1},{"name":"b","v":2}]"#))
        let deleted = smp(live, #"{"spec":{"items":[{"$patch":"delete","name":"a"}]}}"#, kind: "Widget")
        XCTAssertEqual(deleted["spec"]["items"], j(#"[{"name":"b","v":1}]"#))
        let tags = smp(live, #"{"spec":{"$setElementOrder/tags":["z","x","y"],"tags":["z"]}}"#, kind: "Widget")
        XCTAssertEqual(tags["spec"]["tags"], ["z", "x", "y"])
    }

    // MARK: - Errors

    func testErrors() {
        var error = smpError(livePod, #"{"spec":{"containers":[{"image":"x"}]}}"#, kind: "Pod")
        XCTAssertEqual(error?.message, #"map: {"image":"x"} does not contain declared merge key: name"#)
        XCTAssertEqual(error?.field, "spec.containers")
        XCTAssertEqual(error?.httpStatus, 500)

        error = smpError(livePod, #"{"spec":{"containers":[{"$patch":"delete","image":"x"}]}}"#, kind: "Pod")
        XCTAssertEqual(error?.message, #"map: {"$patch":"delete","image":"x"} does not contain declared merge key: name"#)

        error = smpError(livePod, #"{"spec":{"$patch":"frob","x":1}}"#, kind: "Pod")
        XCTAssertEqual(error?.message, #"unknown patch type: frob in map: {"$patch":"frob","x":1}"#)
        XCTAssertEqual(error?.field, "spec")

        error = smpError(livePod, #"{"spec":{"containers":[{"$patch":"frob","name":"app"}]}}"#, kind: "Pod")
        XCTAssertEqual(error?.message, #"unknown patch type: frob in map: {"$patch":"frob","name":"app"}"#)

        error = smpError(livePod, #"{"spec":{"$setElementOrder/containers":"x"}}"#, kind: "Pod")
        XCTAssertEqual(error?.message, "invalid patch format of setElementOrder list")
        XCTAssertEqual(error?.httpStatus, 400)

        error = smpError(livePod, #"{"metadata":{"$deleteFromPrimitiveList/finalizers":"a"}}"#, kind: "Pod")
        XCTAssertEqual(error?.message, "invalid patch format of primitive list")
        XCTAssertEqual(error?.field, "metadata")

        error = smpError(liveDeployment, #"{"spec":{"strategy":{"$retainKeys":"type"}}}"#, kind: "Deployment")
        XCTAssertEqual(error?.message, "invalid patch format of retainKeys")

        error = smpError(liveDeployment, #"{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{}}}}"#, kind: "Deployment")
        XCTAssertEqual(error?.message, "patch content doesn't match retainKeys list")
        XCTAssertEqual(error?.httpStatus, 422)

        error = smpError(livePod, #"{"spec":{"containers":["app"]}}"#, kind: "Pod")
        XCTAssertEqual(error?.message, #"expected a list of objects merged by "name", found string element "app""#)

        error = smpError(livePod, #"[1]"#, kind: "Pod")
        XCTAssertEqual(error?.message, "invalid JSON document")
        XCTAssertEqual(error?.httpStatus, 400)
    }

    func testListOrderNormalisation() {
        // Named elements in the desired order; live-only ones woven in by live position.
        let merged: [JSON] = ["a", "b", "c", "d"]
        XCTAssertEqual(ListOrder.normalize(merged, desiredOrder: ["d", "b"], liveOrder: ["a", "b", "c", "d"], identity: { $0 }), ["a", "c", "d", "b"])
        XCTAssertEqual(ListOrder.normalize(merged, desiredOrder: [], liveOrder: ["a", "b", "c", "d"], identity: { $0 }), merged)
        XCTAssertEqual(ListOrder.normalize(["a", "n"], desiredOrder: ["n"], liveOrder: ["a"], identity: { $0 }), ["n", "a"])
    }
}

/// Parses a fixture written in the test source.
private func patchFixture(_ text: String) -> JSON {
    do { return try JSON.parse(text) } catch { fatalError("bad fixture: \(error)") }
}
