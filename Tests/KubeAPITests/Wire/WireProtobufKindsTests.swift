import XCTest

@testable import KubeAPI

/// Hand-built bodies for each kind beyond Secret and ConfigMap, reaching the fields kubectl's own
/// `create` flags never set (statuses, references, scheduling, probes…). The JSON each must give
/// follows the Go struct tags: omitempty zero values left out, pointers kept even when zero.
final class WireProtobufKindsTests: XCTestCase {
    private func decode(
        _ apiVersion: String, _ kind: String, _ build: (inout WireProtobufTestWriter) -> Void
    ) throws -> JSON {
        var raw = WireProtobufTestWriter()
        build(&raw)
        return try KubeProtobuf.decodeObject(
            WireProtobufTestWriter.envelope(apiVersion: apiVersion, kind: kind, raw: raw.bytes))
    }

    private func assertJSON(_ actual: JSON, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            let want = try WireTestJSON.parse(expected)
            if let difference = WireTestJSON.firstDifference(actual, want) {
                XCTFail(difference, file: file, line: line)
            }
        } catch {
            XCTFail("bad expected JSON: \(error)", file: file, line: line)
        }
    }

    private func name(_ w: inout WireProtobufTestWriter, _ name: String) {
        w.message(1) { meta in meta.string(1, name) }
    }

    // MARK: core/v1

    func testNamespaceSpecAndStatus() throws {
        let object = try decode("v1", "Namespace") { ns in
            name(&ns, "team-a")
            ns.message(2) { spec in spec.string(1, "kubernetes") }
            ns.message(3) { status in
                status.string(1, "Terminating")
                status.message(2) { c in
                    c.string(1, "NamespaceDeletionContentFailure")
                    c.string(2, "False")
                    c.time(4, seconds: 1_700_000_000)
                    c.string(5, "ContentDeleted")
                    c.string(6, "")
                }
            }
        }
        assertJSON(object, #"""
            {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a"},
             "spec":{"finalizers":["kubernetes"]},
             "status":{"phase":"Terminating","conditions":[{"type":"NamespaceDeletionContentFailure","status":"False",
               "lastTransitionTime":"2023-11-14T22:13:20Z","reason":"ContentDeleted"}]}}
            """#)
    }

    /// ServiceAccount numbers imagePullSecrets 3 and automountServiceAccountToken 4; the latter is
    /// a *bool, so an explicit false must survive.
    func testServiceAccountReferencesAndExplicitFalse() throws {
        let object = try decode("v1", "ServiceAccount") { sa in
            name(&sa, "builder")
            sa.message(2) { ref in
                ref.string(1, "Secret")
                ref.string(2, "")
                ref.string(3, "builder-token")
            }
            sa.message(3) { ref in ref.string(1, "regcred") }
            sa.bool(4, false)
        }
        assertJSON(object, #"""
            {"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"builder"},
             "secrets":[{"kind":"Secret","name":"builder-token"}],"imagePullSecrets":[{"name":"regcred"}],
             "automountServiceAccountToken":false}
            """#)

        let unset = try decode("v1", "ServiceAccount") { sa in name(&sa, "builder") }
        XCTAssertEqual(unset, ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "builder"]])
    }

    func testServiceWithEveryKindOfPortAndStatus() throws {
        let object = try decode("v1", "Service") { svc in
            name(&svc, "dns")
            svc.message(2) { spec in
                spec.message(1) { port in
                    port.string(1, "dns")
                    port.string(2, "UDP")
                    port.int64(3, 53)
                    port.intOrString(4, "dns-udp")
                    port.int64(5, 30053)
                    port.string(6, "dns")
                }
                spec.stringMapEntry(2, "k8s-app", "kube-dns")
                spec.string(3, "")
                spec.string(4, "NodePort")
                spec.string(7, "ClientIP")
                spec.string(10, "")
                spec.string(11, "Local")
                spec.int64(12, 0)
                spec.bool(13, false)
                spec.message(14) { affinity in affinity.message(1) { clientIP in clientIP.int64(1, 10800) } }
                spec.string(17, "SingleStack")
                spec.string(19, "IPv4")
                spec.bool(20, false)
                spec.string(22, "Cluster")
            }
            svc.message(3) { status in
                status.message(1) { lb in
                    lb.message(1) { ingress in
                        ingress.string(1, "203.0.113.7")
                        ingress.string(2, "")
                        ingress.string(3, "VIP")
                        ingress.message(4) { p in
                            p.int64(1, 53)
                            p.string(2, "UDP")
                        }
                    }
                }
            }
        }
        assertJSON(object, #"""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"dns"},
             "spec":{"ports":[{"name":"dns","protocol":"UDP","appProtocol":"dns","port":53,"targetPort":"dns-udp","nodePort":30053}],
               "selector":{"k8s-app":"kube-dns"},"type":"NodePort","sessionAffinity":"ClientIP",
               "sessionAffinityConfig":{"clientIP":{"timeoutSeconds":10800}},"ipFamilies":["IPv4"],
               "ipFamilyPolicy":"SingleStack","externalTrafficPolicy":"Local","allocateLoadBalancerNodePorts":false,
               "internalTrafficPolicy":"Cluster"},
             "status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.7","ipMode":"VIP","ports":[{"port":53,"protocol":"UDP"}]}]}}}
            """#)
    }

    func testResourceQuotaScopeSelectorAndStatus() throws {
        let object = try decode("v1", "ResourceQuota") { quota in
            name(&quota, "compute")
            quota.message(2) { spec in
                spec.quantityMapEntry(1, "requests.cpu", "2")
                spec.quantityMapEntry(1, "count/pods", "10")
                spec.message(3) { selector in
                    selector.message(1) { req in
                        req.string(1, "PriorityClass")
                        req.string(2, "In")
                        req.string(3, "high")
                    }
                }
            }
            quota.message(3) { status in
                status.quantityMapEntry(1, "requests.cpu", "2")
                status.quantityMapEntry(2, "requests.cpu", "500m")
                status.quantityMapEntry(2, "count/pods", "")  // the zero quantity
            }
        }
        assertJSON(object, #"""
            {"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"compute"},
             "spec":{"hard":{"requests.cpu":"2","count/pods":"10"},
               "scopeSelector":{"matchExpressions":[{"scopeName":"PriorityClass","operator":"In","values":["high"]}]}},
             "status":{"hard":{"requests.cpu":"2"},"used":{"requests.cpu":"500m","count/pods":"0"}}}
            """#)
    }

    // MARK: apps/v1 and the pod template

    func testDeploymentWithAFullPodTemplate() throws {
        let object = try decode("apps/v1", "Deployment") { d in
            name(&d, "web")
            d.message(2) { spec in
                spec.int64(1, 0)  // *int32: an explicit zero is kept
                spec.message(2) { selector in
                    selector.stringMapEntry(1, "app", "web")
                    selector.message(2) { req in
                        req.string(1, "tier")
                        req.string(2, "In")
                        req.string(3, "front")
                        req.string(3, "edge")
                    }
                }
                spec.message(3) { template in
                    template.message(1) { meta in meta.stringMapEntry(11, "app", "web") }
                    template.message(2) { pod in Self.writeWebPodSpec(&pod) }
                }
                spec.message(4) { strategy in
                    strategy.string(1, "RollingUpdate")
                    strategy.message(2) { rolling in
                        rolling.intOrString(1, "25%")
                        rolling.intOrString(2, 1)
                    }
                }
                spec.int64(5, 0)
                spec.int64(6, 5)
                spec.bool(7, false)
            }
            d.message(3) { status in
                status.int64(1, 0)
                status.int64(2, 0)
            }
        }
        assertJSON(object, #"""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
             "spec":{"replicas":0,
               "selector":{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["front","edge"]}]},
               "template":{"metadata":{"labels":{"app":"web"}},"spec":\#(Self.webPodSpecJSON)},
               "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":1}},
               "revisionHistoryLimit":5},
             "status":{}}
            """#)
    }

    /// A pod spec touching volumes (with inlined references), containers (env, resources,
    /// probes with an inlined handler, mounts), a restartable init container, and scheduling.
    private static func writeWebPodSpec(_ pod: inout WireProtobufTestWriter) {
        pod.message(1) { volume in
            volume.string(1, "config")
            volume.message(2) { source in
                source.message(19) { configMap in
                    configMap.message(1) { ref in ref.string(1, "web-config") }
                    configMap.message(2) { item in
                        item.string(1, "app.conf")
                        item.string(2, "app.conf")
                        item.int64(3, 0o600)
                    }
                    configMap.int64(3, 0o644)
                }
            }
        }
        pod.message(1) { volume in
            volume.string(1, "scratch")
            volume.message(2) { source in
                source.message(2) { emptyDir in
                    emptyDir.string(1, "Memory")
                    emptyDir.quantity(2, "64Mi")
                }
            }
        }
        pod.message(2) { c in
            c.string(1, "web")
            c.string(2, "nginx:1.27")
            c.string(3, "nginx")
            c.string(4, "-g")
            c.string(4, "daemon off;")
            c.string(5, "")
            c.message(6) { port in
                port.string(1, "http")
                port.int64(2, 0)
                port.int64(3, 80)
                port.string(4, "TCP")
                port.string(5, "")
            }
            c.message(7) { env in
                env.string(1, "MODE")
                env.string(2, "prod")
            }
            c.message(7) { env in
                env.string(1, "PASSWORD")
                env.string(2, "")
                env.message(3) { from in
                    from.message(4) { key in
                        key.message(1) { ref in ref.string(1, "db") }
                        key.string(2, "password")
                        key.bool(3, false)
                    }
                }
            }
            c.message(8) { resources in
                resources.quantityMapEntry(1, "cpu", "500m")
                resources.quantityMapEntry(2, "memory", "64Mi")
            }
            c.message(9) { mount in
                mount.string(1, "config")
                mount.bool(2, true)
                mount.string(3, "/etc/web")
                mount.string(4, "")
            }
            c.message(10) { probe in
                probe.message(1) { handler in
                    handler.message(2) { get in
                        get.string(1, "/healthz")
                        get.intOrString(2, "http")
                        get.string(3, "")
                        get.string(4, "HTTP")
                    }
                }
                probe.int64(2, 0)
                probe.int64(3, 1)
                probe.int64(4, 10)
                probe.int64(5, 1)
                probe.int64(6, 3)
            }
            c.message(11) { probe in
                probe.message(1) { handler in
                    handler.message(1) { exec in
                        exec.string(1, "cat")
                        exec.string(1, "/tmp/ready")
                    }
                }
            }
            c.string(13, "/dev/termination-log")
            c.string(14, "IfNotPresent")
            c.bool(16, false)
            c.bool(17, false)
            c.bool(18, false)
            c.string(20, "File")
        }
        pod.string(3, "Always")
        pod.int64(4, 30)
        pod.string(6, "ClusterFirst")
        pod.stringMapEntry(7, "disk", "ssd")
        pod.string(8, "web")
        pod.bool(11, false)
        pod.message(14) { security in
            security.bool(3, true)
            security.int64(4, 1000)
            security.int64(4, 1001)
            security.int64(5, 2000)
        }
        pod.string(19, "default-scheduler")
        pod.message(20) { c in
            c.string(1, "proxy")
            c.string(2, "envoy")
            c.string(24, "Always")
        }
        pod.bool(21, false)
        pod.message(22) { toleration in
            toleration.string(1, "node.kubernetes.io/not-ready")
            toleration.string(2, "Exists")
            toleration.string(3, "")
            toleration.string(4, "NoExecute")
            toleration.int64(5, 300)
        }
        pod.bool(30, true)
    }

    private static let webPodSpecJSON = #"""
        {"volumes":[
           {"name":"config","configMap":{"name":"web-config","items":[{"key":"app.conf","path":"app.conf","mode":384}],"defaultMode":420}},
           {"name":"scratch","emptyDir":{"medium":"Memory","sizeLimit":"64Mi"}}],
         "containers":[{"name":"web","image":"nginx:1.27","command":["nginx"],"args":["-g","daemon off;"],
           "ports":[{"name":"http","containerPort":80,"protocol":"TCP"}],
           "env":[{"name":"MODE","value":"prod"},
                  {"name":"PASSWORD","valueFrom":{"secretKeyRef":{"name":"db","key":"password","optional":false}}}],
           "resources":{"limits":{"cpu":"500m"},"requests":{"memory":"64Mi"}},
           "volumeMounts":[{"name":"config","readOnly":true,"mountPath":"/etc/web"}],
           "livenessProbe":{"httpGet":{"path":"/healthz","port":"http","scheme":"HTTP"},
             "timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},
           "readinessProbe":{"exec":{"command":["cat","/tmp/ready"]}},
           "terminationMessagePath":"/dev/termination-log","imagePullPolicy":"IfNotPresent","terminationMessagePolicy":"File"}],
         "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst",
         "nodeSelector":{"disk":"ssd"},"serviceAccountName":"web",
         "securityContext":{"runAsNonRoot":true,"supplementalGroups":[1000,1001],"fsGroup":2000},
         "schedulerName":"default-scheduler",
         "initContainers":[{"name":"proxy","image":"envoy","restartPolicy":"Always"}],
         "automountServiceAccountToken":false,
         "tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],
         "enableServiceLinks":true}
        """#

    // MARK: batch/v1

    func testCronJobWithFailureAndSuccessPolicies() throws {
        let object = try decode("batch/v1", "CronJob") { cj in
            name(&cj, "nightly")
            cj.message(2) { spec in
                spec.string(1, "0 3 * * *")
                spec.int64(2, 200)
                spec.string(3, "Forbid")
                spec.bool(4, false)
                spec.message(5) { template in
                    template.message(1) { meta in meta.stringMapEntry(11, "team", "data") }
                    template.message(2) { job in
                        job.int64(1, 2)
                        job.int64(2, 4)
                        job.message(6) { podTemplate in
                            podTemplate.message(2) { pod in
                                pod.message(2) { c in
                                    c.string(1, "main")
                                    c.string(2, "busybox")
                                }
                                pod.string(3, "Never")
                            }
                        }
                        job.int64(7, 0)
                        job.string(9, "Indexed")
                        job.message(11) { policy in
                            policy.message(1) { rule in
                                rule.string(1, "FailJob")
                                rule.message(2) { codes in
                                    codes.string(1, "main")
                                    codes.string(2, "In")
                                    codes.bytesField(3, [0x01, 0x02, 0x2a])  // packed 1, 2, 42
                                }
                            }
                            policy.message(1) { rule in
                                rule.string(1, "Ignore")
                                rule.message(3) { pattern in
                                    pattern.string(1, "DisruptionTarget")
                                    pattern.string(2, "True")
                                }
                            }
                        }
                        job.message(16) { success in
                            success.message(1) { rule in
                                rule.string(1, "0-2")
                                rule.int64(2, 1)
                            }
                        }
                    }
                }
                spec.int64(6, 3)
                spec.int64(7, 1)
                spec.string(8, "Etc/UTC")
            }
            cj.message(3) { status in
                status.message(1) { ref in
                    ref.string(1, "Job")
                    ref.string(3, "nightly-28000000")
                }
                status.time(4, seconds: 1_700_000_000)
            }
        }
        assertJSON(object, #"""
            {"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"nightly"},
             "spec":{"schedule":"0 3 * * *","startingDeadlineSeconds":200,"concurrencyPolicy":"Forbid","suspend":false,
               "jobTemplate":{"metadata":{"labels":{"team":"data"}},
                 "spec":{"parallelism":2,"completions":4,
                   "template":{"spec":{"containers":[{"name":"main","image":"busybox"}],"restartPolicy":"Never"}},
                   "backoffLimit":0,"completionMode":"Indexed",
                   "podFailurePolicy":{"rules":[
                     {"action":"FailJob","onExitCodes":{"containerName":"main","operator":"In","values":[1,2,42]}},
                     {"action":"Ignore","onPodConditions":[{"type":"DisruptionTarget","status":"True"}]}]},
                   "successPolicy":{"rules":[{"succeededIndexes":"0-2","succeededCount":1}]}}},
               "successfulJobsHistoryLimit":3,"failedJobsHistoryLimit":1,"timeZone":"Etc/UTC"},
             "status":{"active":[{"kind":"Job","name":"nightly-28000000"}],"lastScheduleTime":"2023-11-14T22:13:20Z"}}
            """#)
    }

    /// Numbers may come packed or one per tag; an embedded struct that was not sent still shows
    /// its always-written fields; ephemeral containers inline their common part.
    func testJobRepeatedNumbersInlineDefaultsAndEphemeralContainers() throws {
        let object = try decode("batch/v1", "Job") { job in
            name(&job, "once")
            job.message(2) { spec in
                spec.message(11) { policy in
                    policy.message(1) { rule in
                        rule.message(2) { codes in
                            codes.int64(3, 7)
                            codes.bytesField(3, [0x08, 0x09])
                            codes.int64(3, -1)
                        }
                    }
                }
                spec.message(6) { template in
                    template.message(2) { pod in
                        pod.message(1) { volume in volume.string(1, "bare") }
                        pod.message(34) { ephemeral in
                            ephemeral.message(1) { common in
                                common.string(1, "debugger")
                                common.string(2, "busybox")
                                common.bool(16, true)
                            }
                            ephemeral.string(2, "main")
                        }
                        pod.message(34) { ephemeral in ephemeral.string(2, "main") }
                    }
                }
            }
        }
        assertJSON(object, #"""
            {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"once"},
             "spec":{"podFailurePolicy":{"rules":[{"action":"","onExitCodes":{"operator":"","values":[7,8,9,-1]}}]},
               "template":{"spec":{"volumes":[{"name":"bare"}],
                 "ephemeralContainers":[{"name":"debugger","image":"busybox","stdin":true,"targetContainerName":"main"},
                                        {"name":"","targetContainerName":"main"}]}}}}
            """#)
    }

    // MARK: rbac.authorization.k8s.io/v1

    func testRolesAndBindings() throws {
        let role = try decode("rbac.authorization.k8s.io/v1", "Role") { r in
            name(&r, "reader")
            r.message(2) { rule in
                rule.string(1, "get")
                rule.string(1, "watch")
                rule.string(2, "")
                rule.string(3, "pods")
                rule.string(3, "pods/log")
            }
        }
        assertJSON(role, #"""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"reader"},
             "rules":[{"verbs":["get","watch"],"apiGroups":[""],"resources":["pods","pods/log"]}]}
            """#)

        let clusterRole = try decode("rbac.authorization.k8s.io/v1", "ClusterRole") { r in
            name(&r, "monitoring")
            r.message(3) { aggregation in
                aggregation.message(1) { selector in
                    selector.message(2) { req in
                        req.string(1, "rbac.example.com/aggregate-to-monitoring")
                        req.string(2, "Exists")
                    }
                }
            }
        }
        assertJSON(clusterRole, #"""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"monitoring"},
             "aggregationRule":{"clusterRoleSelectors":[{"matchExpressions":[
               {"key":"rbac.example.com/aggregate-to-monitoring","operator":"Exists"}]}]}}
            """#)

        let binding = try decode("rbac.authorization.k8s.io/v1", "RoleBinding") { b in
            name(&b, "builders")
            b.message(2) { s in
                s.string(1, "ServiceAccount")
                s.string(2, "")
                s.string(3, "builder")
                s.string(4, "ci")
            }
            b.message(3) { ref in
                ref.string(1, "rbac.authorization.k8s.io")
                ref.string(2, "ClusterRole")
                ref.string(3, "edit")
            }
        }
        assertJSON(binding, #"""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"builders"},
             "subjects":[{"kind":"ServiceAccount","name":"builder","namespace":"ci"}],
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"}}
            """#)

        // RoleRef's and Subject's required strings are written even when nothing was sent.
        let bare = try decode("rbac.authorization.k8s.io/v1", "ClusterRoleBinding") { b in
            name(&b, "bare")
            b.message(2) { _ in }
            b.message(3) { _ in }
        }
        assertJSON(bare, #"""
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"bare"},
             "subjects":[{"kind":"","name":""}],"roleRef":{"apiGroup":"","kind":"","name":""}}
            """#)
    }

    // MARK: scheduling, policy, networking, authentication

    func testPriorityClassValueIsAlwaysWritten() throws {
        let zero = try decode("scheduling.k8s.io/v1", "PriorityClass") { pc in
            name(&pc, "low")
            pc.bool(3, false)
            pc.string(4, "")
        }
        assertJSON(zero, #"{"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass","metadata":{"name":"low"},"value":0}"#)

        let negative = try decode("scheduling.k8s.io/v1", "PriorityClass") { pc in
            name(&pc, "lowest")
            pc.int64(2, -10)  // int32 travels sign-extended to 64 bits
            pc.string(5, "PreemptLowerPriority")
        }
        assertJSON(negative, #"""
            {"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass","metadata":{"name":"lowest"},
             "value":-10,"preemptionPolicy":"PreemptLowerPriority"}
            """#)
    }

    func testPodDisruptionBudgetStatus() throws {
        let object = try decode("policy/v1", "PodDisruptionBudget") { pdb in
            name(&pdb, "web")
            pdb.message(2) { spec in
                spec.message(2) { selector in selector.stringMapEntry(1, "app", "web") }
                spec.intOrString(3, 0)
                spec.string(4, "AlwaysAllow")
            }
            pdb.message(3) { status in
                status.int64(1, 2)
                status.message(2) { entry in
                    entry.string(1, "web-1")
                    entry.time(2, seconds: 1_700_000_000)
                }
                status.int64(3, 1)
                status.int64(4, 3)
                status.int64(5, 2)
                status.int64(6, 3)
                status.message(7) { c in
                    c.string(1, "DisruptionAllowed")
                    c.string(2, "True")
                    c.int64(3, 2)
                    c.time(4, seconds: 1_700_000_000)
                    c.string(5, "SufficientPods")
                    c.string(6, "")
                }
            }
        }
        assertJSON(object, #"""
            {"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"web"},
             "spec":{"selector":{"matchLabels":{"app":"web"}},"maxUnavailable":0,"unhealthyPodEvictionPolicy":"AlwaysAllow"},
             "status":{"observedGeneration":2,"disruptedPods":{"web-1":"2023-11-14T22:13:20Z"},
               "disruptionsAllowed":1,"currentHealthy":3,"desiredHealthy":2,"expectedPods":3,
               "conditions":[{"type":"DisruptionAllowed","status":"True","observedGeneration":2,
                 "lastTransitionTime":"2023-11-14T22:13:20Z","reason":"SufficientPods","message":""}]}}
            """#)
    }

    func testIngressResourceBackendAndStatus() throws {
        let object = try decode("networking.k8s.io/v1", "Ingress") { ing in
            name(&ing, "assets")
            ing.message(2) { spec in
                spec.message(1) { backend in
                    backend.message(3) { ref in
                        ref.string(1, "k8s.example.com")
                        ref.string(2, "StorageBucket")
                        ref.string(3, "static-assets")
                    }
                }
                spec.message(3) { rule in
                    rule.string(1, "")
                    rule.message(2) { value in
                        value.message(1) { http in
                            http.message(1) { path in
                                path.string(1, "")
                                path.message(2) { backend in
                                    backend.message(4) { service in
                                        service.string(1, "web")
                                        service.message(2) { port in
                                            port.string(1, "")
                                            port.int64(2, 80)
                                        }
                                    }
                                }
                                path.string(3, "ImplementationSpecific")
                            }
                        }
                    }
                }
            }
            ing.message(3) { status in
                status.message(1) { lb in
                    lb.message(1) { ingress in
                        ingress.string(1, "")
                        ingress.string(2, "lb.example.com")
                        ingress.message(4) { port in
                            port.int64(1, 443)
                            port.string(2, "TCP")
                            port.string(3, "Pending")
                        }
                    }
                }
            }
        }
        assertJSON(object, #"""
            {"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"assets"},
             "spec":{"defaultBackend":{"resource":{"apiGroup":"k8s.example.com","kind":"StorageBucket","name":"static-assets"}},
               "rules":[{"http":{"paths":[{"pathType":"ImplementationSpecific",
                 "backend":{"service":{"name":"web","port":{"number":80}}}}]}}]},
             "status":{"loadBalancer":{"ingress":[{"hostname":"lb.example.com",
               "ports":[{"port":443,"protocol":"TCP","error":"Pending"}]}]}}}
            """#)
    }

    /// The body `kubectl create token sa1 --duration=10m --audience=aud1 --bound-object-kind=Pod
    /// --bound-object-name=p1 --bound-object-uid=u1` posted to …/serviceaccounts/sa1/token.
    /// (BoundObjectReference's proto field is named uID; its JSON name is uid.)
    func testTokenRequestFromKubectl() throws {
        let body = WireTestJSON.bytes(hex: """
            6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e5265717565737412360a100a\
            0012001a0022002a00320038004200121c0a04617564311a110a03506f64120276311a0270312202753120d8041a040a001200\
            1a002200
            """)
        assertJSON(try KubeProtobuf.decodeObject(body), #"""
            {"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","metadata":{},
             "spec":{"audiences":["aud1"],"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"p1","uid":"u1"},
               "expirationSeconds":600},
             "status":{"token":""}}
            """#)
    }

    // MARK: robustness

    func testUnknownFieldsAreSkippedAtEveryLevel() throws {
        func deployment(withExtras: Bool) throws -> JSON {
            try decode("apps/v1", "Deployment") { d in
                func extras(_ w: inout WireProtobufTestWriter) {
                    guard withExtras else { return }
                    w.int64(900, 1)
                    w.fixed32(901, 0xdead_beef)
                    w.fixed64(902, 42)
                    w.string(903, "from a newer release")
                    w.message(904) { m in m.string(1, "nested") }
                }
                name(&d, "web")
                extras(&d)
                d.message(2) { spec in
                    extras(&spec)
                    spec.message(3) { template in
                        extras(&template)
                        template.message(2) { pod in
                            extras(&pod)
                            pod.message(2) { c in
                                c.string(1, "web")
                                extras(&c)
                                c.message(8) { r in
                                    extras(&r)
                                    r.quantityMapEntry(1, "cpu", "1")
                                }
                            }
                        }
                    }
                }
            }
        }
        let plain = try deployment(withExtras: false)
        XCTAssertEqual(try deployment(withExtras: true), plain)
        assertJSON(plain, #"""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
             "spec":{"template":{"spec":{"containers":[{"name":"web","resources":{"limits":{"cpu":"1"}}}]}}}}
            """#)
    }

    func testMalformedNestedFieldsNameTheMessage() {
        func message(_ apiVersion: String, _ kind: String, _ build: (inout WireProtobufTestWriter) -> Void) -> String? {
            do {
                _ = try decode(apiVersion, kind, build)
                return nil
            } catch let error as ProtobufDecodeError {
                XCTAssertEqual(error.reason, .malformed)
                return error.message
            } catch {
                return "unexpected \(error)"
            }
        }

        XCTAssertEqual(message("apps/v1", "Deployment") { d in
            d.message(2) { spec in spec.message(3) { t in t.message(2) { pod in pod.int64(2, 1) } } }
        }, "invalid protobuf in PodSpec: wrong wire type 0 for field containers")

        XCTAssertEqual(message("v1", "Service") { svc in
            svc.message(2) { spec in spec.message(1) { port in
                port.message(4) { v in v.int64(1, 2) }
            } }
        }, "invalid protobuf in ServicePort.targetPort: IntOrString type 2 is neither 0 (int) nor 1 (string)")

        XCTAssertEqual(message("v1", "ResourceQuota") { q in
            q.message(2) { spec in
                spec.tag(1, wireType: 2)
                spec.varint(4)
                spec.raw([0x0a, 0x01, 0x61, 0x12])  // the entry's value has no length
            }
        }, "invalid protobuf in ResourceQuotaSpec.hard: unexpected end of data in varint")

        XCTAssertEqual(message("scheduling.k8s.io/v1", "PriorityClass") { pc in pc.string(2, "high") },
                       "invalid protobuf in PriorityClass: wrong wire type 2 for field value")
    }
}
