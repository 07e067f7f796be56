import XCTest
@testable import KubeAPI

final class AdmissionValidationTests: XCTestCase {
    static let subdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let labelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    static let dns1035Message = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"

    /// Defaults then validates a create, as the server does.
    func errors(_ key: String, _ object: JSON) -> [String] {
        var o = object
        Admission.prepareForCreate(kind: key, object: &o)
        Admission.applyDefaults(kind: key, to: &o)
        return Admission.validate(kind: key, object: o, old: nil).map(\.description)
    }

    func update(_ key: String, _ new: JSON, _ old: JSON) -> [String] {
        var o = new, previous = old
        Admission.applyDefaults(kind: key, to: &previous)
        Admission.prepareForUpdate(kind: key, object: &o, old: previous)
        Admission.applyDefaults(kind: key, to: &o)
        return Admission.validate(kind: key, object: o, old: previous).map(\.description)
    }

    static func service(_ name: String = "web", ports: [JSON] = [["port": 80]]) -> JSON {
        ["apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name), "namespace": "default"],
         "spec": ["selector": ["app": "web"], "ports": .array(ports)]]
    }

    static func deployment(selector: JSON?, labels: JSON?) -> JSON {
        var d: JSON = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "namespace": "default"],
                       "spec": ["template": ["spec": ["containers": [["name": "c", "image": "nginx"]]]]]]
        if let selector { d["spec"]["selector"] = selector }
        if let labels { d["spec"]["template"]["metadata"] = ["labels": labels] }
        return d
    }

    func testFieldErrorRendering() {
        XCTAssertEqual(FieldError.invalid("spec.ports[0].port", 0, "must be between 1 and 65535, inclusive").description,
                       "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive")
        XCTAssertEqual(FieldError.required("metadata.name", "name or generateName is required").description,
                       "metadata.name: Required value: name or generateName is required")
        XCTAssertEqual(FieldError.required("data[tls.crt]").description, "data[tls.crt]: Required value")
        XCTAssertEqual(FieldError.notSupported("spec.type", "Foo", Admission.serviceTypes).description,
                       #"spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort""#)
        XCTAssertEqual(FieldError.notFound("spec.containers[0].volumeMounts[0].name", "x").description,
                       #"spec.containers[0].volumeMounts[0].name: Not found: "x""#)
        XCTAssertEqual(FieldError.duplicate("spec.ports[1].name", "http").description, #"spec.ports[1].name: Duplicate value: "http""#)
        XCTAssertEqual(FieldError.forbidden("spec", "nope").description, "spec: Forbidden: nope")
        XCTAssertEqual(FieldError.tooLong("metadata.annotations", maxBytes: 262144).description,
                       "metadata.annotations: Too long: may not be more than 262144 bytes")
        XCTAssertEqual(FieldError.tooMany("endpoints", actual: 1001, max: 1000).description,
                       "endpoints: Too many: 1001: must have at most 1000 items")
        XCTAssertEqual(FieldError.invalid("x", "a\"b\n", "d").description, #"x: Invalid value: "a\"b\n": d"#)
        XCTAssertEqual(FieldError.invalid("x", nil, "d").description, "x: Invalid value: null: d")
        XCTAssertEqual(FieldError.invalid("x", ["b": "2", "a": "1"], "d").description, #"x: Invalid value: map[string]string{"a":"1", "b":"2"}: d"#)
        XCTAssertEqual(FieldError.required("x").type.rawValue, "FieldValueRequired")
    }

    func testBadNames() {
        var secret: JSON = ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "Nginx_Secret", "namespace": "default"]]
        XCTAssertEqual(errors("Secret", secret), [#"metadata.name: Invalid value: "Nginx_Secret": "# + Self.subdomainMessage])
        secret["metadata"]["name"] = .null
        XCTAssertEqual(errors("Secret", secret), ["metadata.name: Required value: name or generateName is required"])
        secret["metadata"]["generateName"] = "nginx-"
        secret["metadata"]["name"] = "nginx-abcde"
        XCTAssertEqual(errors("Secret", secret), [])
        secret["metadata"]["namespace"] = .null
        XCTAssertEqual(errors("Secret", secret), ["metadata.namespace: Required value"])

        let ns: JSON = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "my.ns"]]
        XCTAssertEqual(errors("Namespace", ns), [#"metadata.name: Invalid value: "my.ns": "# + Self.labelMessage])

        XCTAssertEqual(errors("Service", Self.service("1web")), [#"metadata.name: Invalid value: "1web": "# + Self.dns1035Message])
        let long = String(repeating: "a", count: 64)
        XCTAssertEqual(errors("Service", Self.service(long)), [#"metadata.name: Invalid value: "\#(long)": must be no more than 63 characters"#])
    }

    func testLabelsAndAnnotations() {
        var cm: JSON = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c", "namespace": "default",
                        "labels": ["bad key!": "ok", "app": "-bad-"]]]
        XCTAssertEqual(errors("ConfigMap", cm), [
            #"metadata.labels: Invalid value: "-bad-": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"#,
            #"metadata.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"#,
        ])
        cm["metadata"]["labels"] = ["example.com/app": "x", "/x": "y"]
        XCTAssertEqual(errors("ConfigMap", cm), [#"metadata.labels: Invalid value: "/x": prefix part must be non-empty"#])
        cm["metadata"]["labels"] = .null
        cm["metadata"]["annotations"] = ["big": .string(String(repeating: "x", count: 262_144))]
        XCTAssertEqual(errors("ConfigMap", cm), ["metadata.annotations: Too long: may not be more than 262144 bytes"])
        cm["metadata"]["annotations"] = ["Example.COM/Mixed": "fine"]
        XCTAssertEqual(errors("ConfigMap", cm), [])
    }

    func testServicePortZeroAndFriends() {
        XCTAssertEqual(errors("Service", Self.service(ports: [["port": 0]])), [
            "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
        ])
        XCTAssertEqual(errors("Service", Self.service(ports: [["port": 80], ["port": 443]])), [
            "spec.ports[0].name: Required value", "spec.ports[1].name: Required value",
        ])
        XCTAssertEqual(errors("Service", Self.service(ports: [["port": 80, "name": "web"], ["port": 81, "name": "web"]])),
                       [#"spec.ports[1].name: Duplicate value: "web""#])
        XCTAssertEqual(errors("Service", Self.service(ports: [["port": 80, "protocol": "HTTP"]])),
                       [#"spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP""#])
        XCTAssertEqual(errors("Service", Self.service(ports: [["port": 80, "targetPort": "8080"]])),
                       [#"spec.ports[0].targetPort: Invalid value: "8080": must contain at least one letter (a-z)"#])
        XCTAssertEqual(errors("Service", Self.service(ports: [["port": 80, "name": "a"], ["port": 80, "name": "b"]])),
                       [#"spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}"#])
        XCTAssertEqual(errors("Service", Self.service(ports: [])), ["spec.ports: Required value"])
        var svc = Self.service()
        svc["spec"]["type"] = "Foo"
        XCTAssertEqual(errors("Service", svc), [#"spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort""#])
        svc["spec"]["type"] = "ClusterIP"
        svc["spec"]["ports"] = [["port": 80, "nodePort": 30080]]
        XCTAssertEqual(errors("Service", svc), ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"])
        svc["spec"]["ports"] = [["port": 80, "nodePort": 80]]
        svc["spec"]["type"] = "NodePort"
        XCTAssertEqual(errors("Service", svc), [], "the node port range is the allocator's business")
        svc["spec"]["clusterIP"] = "10.96.0.300"
        XCTAssertEqual(errors("Service", svc), [#"spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"#])
    }

    func testServiceClusterIPIsImmutable() {
        var old = Self.service()
        old["spec"]["clusterIP"] = "10.96.0.10"
        var new = old
        new["spec"]["clusterIP"] = "10.96.0.11"
        new["spec"]["clusterIPs"] = ["10.96.0.11"]
        old["metadata"]["resourceVersion"] = "1"
        new["metadata"]["resourceVersion"] = "1"
        XCTAssertEqual(update("Service", new, old), [#"spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set"#])
        // Leaving the IP out keeps it (the strategy copies it over).
        var omitted = old
        omitted["spec"]["clusterIP"] = .null
        XCTAssertEqual(update("Service", omitted, old), [])
        // Becoming ExternalName releases it.
        var external = old
        external["spec"] = ["type": "ExternalName", "externalName": "example.com"]
        XCTAssertEqual(update("Service", external, old), [])
    }

    func testDeploymentSelectorRules() {
        XCTAssertEqual(errors("Deployment", Self.deployment(selector: ["matchLabels": ["app": "web"]], labels: ["app": "x"])),
                       [#"spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`"#])
        XCTAssertEqual(errors("Deployment", Self.deployment(selector: nil, labels: ["app": "x"])), [
            "spec.selector: Required value",
            #"spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`"#,
        ])
        XCTAssertEqual(errors("Deployment", Self.deployment(selector: [:], labels: ["app": "x"])),
                       ["spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"])
        XCTAssertEqual(errors("Deployment", Self.deployment(
            selector: ["matchExpressions": [["key": "app", "operator": "In", "values": ["web", "api"]]]], labels: ["app": "api"])), [])
        var onFailure = Self.deployment(selector: ["matchLabels": ["app": "web"]], labels: ["app": "web"])
        onFailure["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
        XCTAssertEqual(errors("Deployment", onFailure), [#"spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always""#])

        let old = Self.deployment(selector: ["matchLabels": ["app": "web"]], labels: ["app": "web"])
        var new = Self.deployment(selector: ["matchLabels": ["app": "web2"]], labels: ["app": "web2"])
        new["spec"]["replicas"] = 3
        XCTAssertEqual(update("Deployment", new, old), [
            #"spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"#,
        ])
        var scaled = old
        scaled["spec"]["replicas"] = 5
        XCTAssertEqual(update("Deployment", scaled, old), [])
        var renamed = old
        renamed["metadata"]["name"] = "other"
        XCTAssertEqual(update("Deployment", renamed, old), [#"metadata.name: Invalid value: "other": field is immutable"#])
    }

    func testDeploymentInvalidStatusNamesTheGroup() {
        let errs = Admission.validate(kind: "Deployment", object: {
            var d = Self.deployment(selector: ["matchLabels": ["app": "web"]], labels: ["app": "x"])
            Admission.applyDefaults(kind: "Deployment", to: &d)
            return d
        }(), old: nil)
        let status = Admission.invalidStatus(kind: "Deployment", group: "apps", name: "web", errors: errs)
        XCTAssertEqual(status["message"], #"Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`"#)
        XCTAssertEqual(status["details"]["group"], "apps")
        XCTAssertEqual(status["details"]["kind"], "Deployment")
        XCTAssertEqual(status["details"]["causes"][0]["message"],
                       #"Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`"#)
        XCTAssertEqual(status["details"]["causes"][0]["field"], "spec.template.metadata.labels")
        XCTAssertEqual(status["details"]["causes"][0]["reason"], "FieldValueInvalid")
    }

    func testPodSpecProblems() {
        let pod: JSON = [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p", "namespace": "default"],
            "spec": [
                "volumes": [["name": "data", "emptyDir": [:]], ["name": "data", "emptyDir": [:]], ["name": "Bad"]],
                "containers": [
                    ["name": "app", "image": "nginx",
                     "ports": [["containerPort": 70000], ["containerPort": 80, "name": "http"], ["containerPort": 81, "name": "http"]],
                     "volumeMounts": [["name": "x", "mountPath": "/x"], ["name": "data", "mountPath": "/x"]],
                     "env": [["name": "A=B", "value": "1"]]],
                    ["name": "app"],
                ],
            ],
        ]
        XCTAssertEqual(errors("Pod", pod), [
            #"spec.volumes[1].name: Duplicate value: "data""#,
            #"spec.volumes[2].name: Invalid value: "Bad": "# + Self.labelMessage,
            "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
            #"spec.containers[0].ports[2].name: Duplicate value: "http""#,
            #"spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='"#,
            #"spec.containers[0].volumeMounts[0].name: Not found: "x""#,
            #"spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/x": must be unique"#,
            "spec.containers[1].image: Required value",
            #"spec.containers[1].name: Duplicate value: "app""#,
        ])
        let empty: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p", "namespace": "default"], "spec": [:]]
        XCTAssertEqual(errors("Pod", empty), ["spec.containers: Required value"])
    }

    func testPodProbesAndPolicies() {
        var pod: JSON = [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p", "namespace": "default"],
            "spec": ["restartPolicy": "Sometimes", "containers": [[
                "name": "c", "image": "i", "imagePullPolicy": "Maybe",
                "livenessProbe": ["successThreshold": 2, "httpGet": ["port": 80], "exec": ["command": ["true"]]],
                "readinessProbe": ["periodSeconds": 3],
            ]]],
        ]
        XCTAssertEqual(errors("Pod", pod), [
            #"spec.containers[0].imagePullPolicy: Unsupported value: "Maybe": supported values: "Always", "IfNotPresent", "Never""#,
            "spec.containers[0].livenessProbe.httpGet: Forbidden: may not specify more than 1 handler type",
            "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
            "spec.containers[0].readinessProbe: Required value: must specify a handler type",
            #"spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never""#,
        ])
        pod["spec"] = ["containers": [["name": "c", "image": "i", "resources": ["limits": ["cpu": "1"], "requests": ["cpu": "2", "gpu": "1"]]]]]
        XCTAssertEqual(errors("Pod", pod), [
            #"spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1"#,
            #"spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers"#,
        ])
    }

    func testPodUpdatesAreMostlyForbidden() {
        let old: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p", "namespace": "default", "uid": "u"],
                         "spec": ["containers": [["name": "c", "image": "nginx:1", "ports": [["containerPort": 80]]]]]]
        var image = old
        image["spec"]["containers"][0]["image"] = "nginx:2"
        image["spec"]["activeDeadlineSeconds"] = 30
        image["spec"]["tolerations"] = [["key": "k", "operator": "Exists", "effect": "NoSchedule"]]
        XCTAssertEqual(update("Pod", image, old), [], "image, activeDeadlineSeconds and new tolerations may change")

        var port = old
        port["spec"]["containers"][0]["ports"][0]["containerPort"] = 81
        let errs = update("Pod", port, old)
        XCTAssertEqual(errs.count, 1)
        XCTAssertTrue(errs[0].hasPrefix("spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n"), errs[0])
        XCTAssertTrue(errs[0].contains("spec.containers[0].ports[0].containerPort"))

        var added = old
        added["spec"]["containers"] = [["name": "c", "image": "nginx:1"], ["name": "d", "image": "x"]]
        XCTAssertEqual(update("Pod", added, old), ["spec.containers: Forbidden: pod updates may not add or remove containers"])
    }

    func testSecretAndConfigMapRules() {
        let secret: JSON = ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s", "namespace": "default"],
                            "type": "kubernetes.io/basic-auth", "data": ["bad/key": "eA=="]]
        XCTAssertEqual(errors("Secret", secret), [
            #"data[bad/key]: Invalid value: "bad/key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"#,
            "data[username]: Required value", "data[password]: Required value",
        ])
        let token: JSON = ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "t", "namespace": "default"],
                           "type": "kubernetes.io/service-account-token"]
        XCTAssertEqual(errors("Secret", token), ["metadata.annotations[kubernetes.io/service-account.name]: Required value"])

        var old: JSON = ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s", "namespace": "default"],
                         "data": ["a": "eA=="], "immutable": true]
        var new = old
        new["type"] = "kubernetes.io/tls"
        new["data"] = ["tls.crt": "eA==", "tls.key": "eA=="]
        XCTAssertEqual(update("Secret", new, old), [
            #"type: Invalid value: "kubernetes.io/tls": field is immutable"#,
            "data: Forbidden: field is immutable when `immutable` is set",
        ])
        old["immutable"] = .null
        new = old
        new["data"] = ["a": "eQ=="]
        XCTAssertEqual(update("Secret", new, old), [])

        let cm: JSON = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c", "namespace": "default"],
                        "data": ["..x": "1", "k": "v"], "binaryData": ["k": "AA=="]]
        XCTAssertEqual(errors("ConfigMap", cm), [
            #"data[..x]: Invalid value: "..x": must not start with '..'"#,
            #"data[k]: Invalid value: "k": duplicate of key present in binaryData"#,
            #"binaryData[k]: Invalid value: "k": duplicate of key present in data"#,
        ])
    }

    func testOtherKinds() {
        let binding: JSON = ["apiVersion": "v1", "kind": "Binding", "metadata": ["name": "p"], "target": ["kind": "Pod"]]
        XCTAssertEqual(errors("Binding", binding), [
            #"target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>""#, "target.name: Required value",
        ])
        let scale: JSON = ["apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": ["name": "web", "namespace": "default"],
                           "spec": ["replicas": -1]]
        XCTAssertEqual(errors("Scale", scale), ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"])
        let lease: JSON = ["apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": ["name": "n", "namespace": "kube-node-lease"],
                           "spec": ["holderIdentity": "n", "leaseDurationSeconds": 0]]
        XCTAssertEqual(errors("Lease", lease), ["spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"])
        let endpoints: JSON = ["apiVersion": "v1", "kind": "Endpoints", "metadata": ["name": "web", "namespace": "default"],
                               "subsets": [["addresses": [["ip": "10.244.0.5"], ["ip": "127.0.0.1"]], "ports": [["port": 80]]]]]
        XCTAssertEqual(errors("Endpoints", endpoints), [
            #"subsets[0].addresses[1].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)"#,
        ])
        let slice: JSON = ["apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                           "metadata": ["name": "web-abc", "namespace": "default"], "addressType": "IPv4",
                           "endpoints": [["addresses": ["10.244.0.5"], "conditions": ["ready": true]], ["addresses": []]],
                           "ports": [["name": "http", "port": 80]]]
        XCTAssertEqual(errors("EndpointSlice", slice), ["endpoints[1].addresses: Required value: must contain at least 1 address"])
        let event: JSON = ["apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": ["name": "e", "namespace": "default"],
                           "eventTime": "2024-01-01T00:00:00.000000Z", "regarding": ["kind": "Pod", "namespace": "default", "name": "p"],
                           "reportingController": "swiftlet/kubelet", "reportingInstance": "node1", "action": "Pulling",
                           "reason": "Pulling", "type": "Normal", "note": "pulling image"]
        XCTAssertEqual(errors("events.k8s.io/Event", event), [])
        var coreEvent: JSON = ["apiVersion": "v1", "kind": "Event", "metadata": ["name": "e", "namespace": "default"],
                               "involvedObject": ["kind": "Pod", "namespace": "other", "name": "p"], "reason": "Started"]
        XCTAssertEqual(errors("Event", coreEvent), [#"involvedObject.namespace: Invalid value: "other": does not match event.namespace"#])
        coreEvent["involvedObject"]["namespace"] = "default"
        XCTAssertEqual(errors("Event", coreEvent), [])
        let unnamed: JSON = ["apiVersion": "v1", "kind": "Event", "metadata": ["namespace": "default"],
                             "involvedObject": ["kind": "Pod", "namespace": "default", "name": "p"]]
        XCTAssertEqual(errors("Event", unnamed), ["metadata.name: Required value: name or generateName is required"])
        var hostNet: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p", "namespace": "default"],
                             "spec": ["hostNetwork": true, "containers": [["name": "c", "image": "i", "ports": [["containerPort": 53, "hostPort": 54]]]]]]
        XCTAssertEqual(errors("Pod", hostNet), ["spec.containers[0].ports[0].hostPort: Invalid value: 54: must match `containerPort` when `hostNetwork` is true"])
        hostNet["spec"]["containers"][0]["ports"][0]["hostPort"] = .null
        XCTAssertEqual(errors("Pod", hostNet), [], "the host port defaults to the container port")
        let node: JSON = ["apiVersion": "v1", "kind": "Node", "metadata": ["name": "node1"],
                          "spec": ["podCIDR": "10.244.0.0/24", "podCIDRs": ["10.244.0.0/24"], "taints": [["key": "k", "effect": "Sometimes"]]]]
        XCTAssertEqual(errors("Node", node), [#"spec.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute""#])
        let sa: JSON = ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "default", "namespace": "default"]]
        XCTAssertEqual(errors("ServiceAccount", sa), [])
    }

    func testInvalidStatusWithOneErrorHasNoBrackets() {
        let status = Admission.invalidStatus(kind: "Service", group: "", name: "web",
                                             errors: [.invalid("spec.ports[0].port", 0, "must be between 1 and 65535, inclusive")])
        XCTAssertEqual(status["message"], #"Service "web" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"#)
        XCTAssertEqual(status["code"], 422)
        XCTAssertEqual(status["reason"], "Invalid")
        XCTAssertEqual(status["status"], "Failure")
        let repeated = Admission.invalidStatus(kind: "Secret", group: "", name: "s",
                                               errors: [.required("a"), .required("a"), .required("b")])
        XCTAssertEqual(repeated["message"], #"Secret "s" is invalid: [a: Required value, b: Required value]"#)
        XCTAssertEqual(repeated["details"]["causes"].elements.count, 3)
    }
}
