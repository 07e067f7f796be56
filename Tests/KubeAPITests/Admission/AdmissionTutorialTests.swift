import XCTest
@testable import KubeAPI

/// The tutorial's manifests (/work/shared/tutorial/*.yaml), hand-converted to JSON, through the
/// whole write path: strict decoding, decode errors, defaulting, validation, the 422 Status.
final class AdmissionTutorialTests: XCTestCase {
    // base64 of "-----BEGIN CERTIFICATE-----\n" and "-----BEGIN PRIVATE KEY-----\n".
    static let certB64: JSON = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="
    static let keyB64: JSON = "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCg=="

    /// nginxsecrets.yaml as printed: `type` sits (wrongly) under metadata.
    static let secretAsPrinted: JSON = [
        "apiVersion": "v1", "kind": "Secret",
        "metadata": ["name": "nginxsecret", "namespace": "default", "type": "kubernetes.io/tls"],
        "data": ["nginx.crt": certB64, "nginx.key": keyB64],
    ]

    /// Runs the server's sequence for a create and returns the defaulted object and the problems.
    func admitCreate(_ key: String, _ object: JSON) -> (JSON, [FieldError]) {
        var o = object
        Admission.prepareForCreate(kind: key, object: &o)
        Admission.applyDefaults(kind: key, to: &o)
        return (o, Admission.validate(kind: key, object: o, old: nil))
    }

    func testSecretAsPrintedFailsStrictDecoding() {
        let problems = Admission.unknownFields(kind: "Secret", object: Self.secretAsPrinted)
        XCTAssertEqual(problems, ["metadata.type"])
        XCTAssertEqual(Admission.decodeErrors(kind: "Secret", object: Self.secretAsPrinted), [])
        let report = StrictDecodingReport.forBody(unknown: problems, jsonDuplicates: [], keyOrder: [], yamlDuplicates: [])
        XCTAssertEqual(
            Admission.decodeErrorMessage(kind: "Secret", version: "v1", error: report.strictDecodingError),
            #"Secret in version "v1" cannot be handled as a Secret: strict decoding error: unknown field "metadata.type""#)
        XCTAssertEqual(report.warnings, [#"unknown field "metadata.type""#])
        let status = Admission.badRequestStatus(message: "m")
        XCTAssertEqual(status["code"], 400)
        XCTAssertEqual(status["reason"], "BadRequest")
    }

    func testSecretWithUnreplacedPlaceholdersIsNotBase64() {
        var secret = Self.secretAsPrinted
        secret["data"] = ["nginx.crt": "REPLACE_WITH_BASE64_OF_nginx.crt", "nginx.key": "REPLACE_WITH_BASE64_OF_nginx.key"]
        let errors = Admission.decodeErrors(kind: "Secret", object: secret)
        XCTAssertEqual(errors.first, "illegal base64 data at input byte 7")
        XCTAssertEqual(Admission.decodeErrorMessage(kind: "Secret", version: "v1", error: errors[0]),
                       #"Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 7"#)
    }

    func testSecretWithTypeAtTopIsInvalidForTLS() {
        var secret = Self.secretAsPrinted
        secret["metadata"]["type"] = .null
        secret["type"] = "kubernetes.io/tls"
        XCTAssertEqual(Admission.unknownFields(kind: "Secret", object: secret), [])
        let (_, errors) = admitCreate("Secret", secret)
        XCTAssertEqual(errors.map(\.description), ["data[tls.crt]: Required value", "data[tls.key]: Required value"])
        let status = Admission.invalidStatus(kind: "Secret", group: "", name: "nginxsecret", errors: errors)
        let expected: JSON = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
            "message": #"Secret "nginxsecret" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]"#,
            "reason": "Invalid", "code": 422,
            "details": [
                "name": "nginxsecret", "kind": "Secret",
                "causes": [
                    ["reason": "FieldValueRequired", "message": "Required value", "field": "data[tls.crt]"],
                    ["reason": "FieldValueRequired", "message": "Required value", "field": "data[tls.key]"],
                ],
            ],
        ]
        XCTAssertEqual(status, expected)
        XCTAssertNil(status["details"]["group"].string, "the core group is left out")
    }

    func testSecretWithTLSKeysIsValid() {
        let secret: JSON = [
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": ["name": "nginxsecret", "namespace": "default"],
            "data": ["tls.crt": Self.certB64, "tls.key": Self.keyB64],
        ]
        XCTAssertEqual(admitCreate("Secret", secret).1, [])
    }

    func testSecretWithoutTypeIsValidAndOpaque() {
        var secret = Self.secretAsPrinted
        secret["metadata"]["type"] = .null
        XCTAssertEqual(Admission.unknownFields(kind: "Secret", object: secret), [])
        let (defaulted, errors) = admitCreate("Secret", secret)
        XCTAssertEqual(errors, [])
        XCTAssertEqual(defaulted["type"], "Opaque")
    }

    static let runMyNginx: JSON = [
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": ["name": "my-nginx", "namespace": "default"],
        "spec": [
            "selector": ["matchLabels": ["run": "my-nginx"]],
            "replicas": 2,
            "template": [
                "metadata": ["labels": ["run": "my-nginx"]],
                "spec": ["containers": [["name": "my-nginx", "image": "nginx", "ports": [["containerPort": 80]]]]],
            ],
        ],
    ]

    func testRunMyNginxIsValidAndDefaulted() {
        XCTAssertEqual(Admission.unknownFields(kind: "Deployment", object: Self.runMyNginx), [])
        XCTAssertEqual(Admission.decodeErrors(kind: "Deployment", object: Self.runMyNginx), [])
        let (d, errors) = admitCreate("Deployment", Self.runMyNginx)
        XCTAssertEqual(errors, [])
        XCTAssertEqual(d["spec"]["replicas"], 2)
        XCTAssertEqual(d["spec"]["strategy"], ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": "25%", "maxSurge": "25%"]])
        XCTAssertEqual(d["spec"]["revisionHistoryLimit"], 10)
        XCTAssertEqual(d["spec"]["progressDeadlineSeconds"], 600)
        XCTAssertEqual(d["metadata"]["generation"], 1)
        let spec = d["spec"]["template"]["spec"]
        XCTAssertEqual(spec["restartPolicy"], "Always")
        XCTAssertEqual(spec["dnsPolicy"], "ClusterFirst")
        XCTAssertEqual(spec["schedulerName"], "default-scheduler")
        XCTAssertEqual(spec["terminationGracePeriodSeconds"], 30)
        XCTAssertEqual(spec["securityContext"], [:])
        XCTAssertTrue(spec["enableServiceLinks"].isNull, "templates do not get Pod-only defaults")
        XCTAssertTrue(spec["serviceAccountName"].isNull)
        let c = spec["containers"][0]
        XCTAssertEqual(c["imagePullPolicy"], "Always")
        XCTAssertEqual(c["terminationMessagePath"], "/dev/termination-log")
        XCTAssertEqual(c["terminationMessagePolicy"], "File")
        XCTAssertEqual(c["resources"], [:])
        XCTAssertEqual(c["ports"][0]["protocol"], "TCP")
    }

    static let nginxSecureService: JSON = [
        "apiVersion": "v1", "kind": "Service",
        "metadata": ["name": "my-nginx", "namespace": "default", "labels": ["run": "my-nginx"]],
        "spec": [
            "type": "NodePort",
            "ports": [
                ["port": 8080, "targetPort": 80, "protocol": "TCP", "name": "http"],
                ["port": 443, "protocol": "TCP", "name": "https"],
            ],
            "selector": ["run": "my-nginx"],
        ],
    ]

    static let nginxSecureDeployment: JSON = [
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": ["name": "my-nginx", "namespace": "default"],
        "spec": [
            "selector": ["matchLabels": ["run": "my-nginx"]],
            "replicas": 1,
            "template": [
                "metadata": ["labels": ["run": "my-nginx"]],
                "spec": [
                    "volumes": [["name": "secret-volume", "secret": ["secretName": "nginxsecret"]]],
                    "containers": [[
                        "name": "nginxhttps", "image": "bprashanth/nginxhttps:1.0",
                        "ports": [["containerPort": 443], ["containerPort": 80]],
                        "volumeMounts": [["mountPath": "/etc/nginx/ssl", "name": "secret-volume"]],
                    ]],
                ],
            ],
        ],
    ]

    func testNginxSecureAppIsValid() {
        for (key, object) in [("Service", Self.nginxSecureService), ("Deployment", Self.nginxSecureDeployment)] {
            XCTAssertEqual(Admission.unknownFields(kind: key, object: object), [], key)
            XCTAssertEqual(Admission.decodeErrors(kind: key, object: object), [], key)
            XCTAssertEqual(admitCreate(key, object).1, [], key)
        }
        let (svc, _) = admitCreate("Service", Self.nginxSecureService)
        XCTAssertEqual(svc["spec"]["ports"][1]["targetPort"], 443, "targetPort defaults to port")
        XCTAssertEqual(svc["spec"]["externalTrafficPolicy"], "Cluster")
        XCTAssertEqual(svc["spec"]["sessionAffinity"], "None")
        XCTAssertEqual(svc["spec"]["ipFamilies"], ["IPv4"])
        XCTAssertEqual(svc["spec"]["ipFamilyPolicy"], "SingleStack")
        XCTAssertEqual(svc["spec"]["internalTrafficPolicy"], "Cluster")
        let (d, _) = admitCreate("Deployment", Self.nginxSecureDeployment)
        let c = d["spec"]["template"]["spec"]["containers"][0]
        XCTAssertEqual(c["imagePullPolicy"], "IfNotPresent", "a tagged image is pulled if not present")
        XCTAssertEqual(d["spec"]["template"]["spec"]["volumes"][0]["secret"]["defaultMode"], 420)
    }

    func testNginxServiceAndCurlPodAreValid() {
        let svc: JSON = [
            "apiVersion": "v1", "kind": "Service",
            "metadata": ["name": "my-nginx", "namespace": "default", "labels": ["run": "my-nginx"]],
            "spec": ["ports": [["port": 80, "protocol": "TCP"]], "selector": ["run": "my-nginx"]],
        ]
        let (defaulted, errors) = admitCreate("Service", svc)
        XCTAssertEqual(errors, [])
        XCTAssertEqual(defaulted["spec"]["type"], "ClusterIP")
        XCTAssertTrue(defaulted["spec"]["externalTrafficPolicy"].isNull)
        XCTAssertEqual(defaulted["status"], ["loadBalancer": [:]])

        let curl: JSON = [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "curl-deployment", "namespace": "default"],
            "spec": [
                "selector": ["matchLabels": ["app": "curlpod"]],
                "replicas": 1,
                "template": [
                    "metadata": ["labels": ["app": "curlpod"]],
                    "spec": [
                        "volumes": [["name": "secret-volume", "secret": ["secretName": "nginxsecret"]]],
                        "containers": [[
                            "name": "curlpod", "image": "radial/busyboxplus:curl",
                            "command": ["sh", "-c", "while true; do sleep 1; done"],
                            "volumeMounts": [["mountPath": "/etc/nginx/ssl", "name": "secret-volume"]],
                        ]],
                    ],
                ],
            ],
        ]
        XCTAssertEqual(Admission.unknownFields(kind: "Deployment", object: curl), [])
        XCTAssertEqual(admitCreate("Deployment", curl).1, [])
    }
}
