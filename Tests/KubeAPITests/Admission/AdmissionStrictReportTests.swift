import XCTest
@testable import KubeAPI

/// Strict field validation's report, checked against the messages Kubernetes' own integration test
/// (test/integration/apiserver/field_validation_test.go) expects for the same bodies.
final class AdmissionStrictReportTests: XCTestCase {
    /// A Deployment with unknown fields, keys given twice, and one key that is both.
    static let invalidDeploymentJSON = """
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "dep", "name": "dep", "unknownMeta": "x", "labels": {"app": "nginx"}},
         "spec": {"unknown1": "val1", "unknownDupe": "valDupe", "unknownDupe": "valDupe2",
                  "paused": true, "paused": false,
                  "selector": {"matchLabels": {"app": "nginx"}},
                  "template": {"metadata": {"labels": {"app": "nginx"}},
                               "spec": {"containers": [{"name": "nginx", "image": "nginx:latest",
                                                        "unknownNested": "val1",
                                                        "imagePullPolicy": "Always", "imagePullPolicy": "Never"}]}}}}
        """

    func report(_ text: String) throws -> StrictDecodingReport {
        var repeats: [String] = []
        let object = try JSON.parse(text, duplicateKeys: &repeats)
        return .forBody(unknown: Admission.unknownFields(kind: "Deployment", object: object), jsonDuplicates: repeats,
                        keyOrder: JSON.keyPathsInDocumentOrder(Array(text.utf8)), yamlDuplicates: [])
    }

    func testJSONProblemsComeInDocumentOrderAndUnknownWinsOverRepeated() throws {
        let r = try report(Self.invalidDeploymentJSON)
        XCTAssertEqual(r.errors.joined(separator: ", "),
                       #"duplicate field "metadata.name", unknown field "metadata.unknownMeta", unknown field "spec.unknown1", unknown field "spec.unknownDupe", duplicate field "spec.paused", unknown field "spec.template.spec.containers[0].unknownNested", duplicate field "spec.template.spec.containers[0].imagePullPolicy""#)
        XCTAssertEqual(r.warnings, r.errors)
    }

    func testValidBodyHasNothingToReport() throws {
        XCTAssertTrue(try report(#"{"metadata": {"name": "d"}, "spec": {"paused": true}}"#).isEmpty)
    }

    func testYAMLRepeatsAreOneErrorAndOneWarningEach() {
        let r = StrictDecodingReport.forBody(
            unknown: ["metadata.unknownMeta", "spec.unknown1"], jsonDuplicates: [], keyOrder: [],
            yamlDuplicates: [#"line 5: key "name" already set in map"#, #"line 14: key "paused" already set in map"#])
        XCTAssertEqual(r.errors.joined(separator: ", "), """
            yaml: unmarshal errors:
              line 5: key "name" already set in map
              line 14: key "paused" already set in map, unknown field "metadata.unknownMeta", unknown field "spec.unknown1"
            """)
        XCTAssertEqual(r.warnings, [#"line 5: key "name" already set in map"#, #"line 14: key "paused" already set in map"#,
                                    #"unknown field "metadata.unknownMeta""#, #"unknown field "spec.unknown1""#])
    }

    func testPatchRepeatsInPatchOrderThenUnknownFieldsSorted() throws {
        let patch = """
            {"spec": {"unknown1": "val1", "unknownDupe": "valDupe", "unknownDupe": "valDupe2", "paused": true, "paused": false,
                      "template": {"spec": {"containers": [{"name": "nginx", "unknownNested": "val1",
                                                            "imagePullPolicy": "Always", "imagePullPolicy": "Never"}]}}}}
            """
        var repeats: [String] = []
        let parsed = try JSON.parse(patch, duplicateKeys: &repeats)
        let r = StrictDecodingReport.forPatch(patchDuplicates: repeats, keyOrder: JSON.keyPathsInDocumentOrder(Array(patch.utf8)),
                                              unknown: Admission.unknownFields(kind: "Deployment", object: parsed))
        XCTAssertEqual(r.errors.joined(separator: ", "),
                       #"duplicate field "spec.unknownDupe", duplicate field "spec.paused", duplicate field "spec.template.spec.containers[0].imagePullPolicy", unknown field "spec.template.spec.containers[0].unknownNested", unknown field "spec.unknown1", unknown field "spec.unknownDupe""#)
    }

    func testKeyPathsInDocumentOrderKeepRepeats() {
        XCTAssertEqual(JSON.keyPathsInDocumentOrder(Array(#"{"a": {"b": 1, "b": 2}, "c": [{"d": 1}]}"#.utf8)),
                       ["a", "a.b", "a.b", "c", "c[0].d"])
        XCTAssertEqual(JSON.keyPathsInDocumentOrder(Array(#"{"a": "#.utf8)), [])
    }

    func testGoPlainValueIsPercentPlusV() {
        let value: JSON = ["spec": ["replicas": 3, "paused": true, "x": .null, "list": ["a", 1.5]], "a": "b"]
        XCTAssertEqual(Admission.goPlainValue(value), "map[a:b spec:map[list:[a 1.5] paused:true replicas:3 x:<nil>]]")
    }

    func testUnknownFieldsAreDroppedKnownOnesKept() throws {
        var object = try JSON.parse(Self.invalidDeploymentJSON)
        Admission.dropUnknownFields(kind: "Deployment", object: &object)
        XCTAssertEqual(Admission.unknownFields(kind: "Deployment", object: object), [])
        XCTAssertEqual(object["metadata"]["labels"], ["app": "nginx"])
        XCTAssertEqual(object["spec"]["paused"], false)
        XCTAssertEqual(object["spec"]["template"]["spec"]["containers"][0], ["name": "nginx", "image": "nginx:latest", "imagePullPolicy": "Never"])
        var unknownKind: JSON = ["whatever": 1]
        Admission.dropUnknownFields(kind: "Nope", object: &unknownKind)
        XCTAssertEqual(unknownKind, ["whatever": 1])
    }
}
