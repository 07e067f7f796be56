import KubeAPI
import XCTest
@testable import KubeYAML

final class YAMLToJSONTests: XCTestCase {
    func testRepeatedKeysKeepTheLastValueAndAreReportedWithTheirLine() throws {
        let text = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: a
              name: b
            spec:
              paused: true
              paused: false
              template:
                spec:
                  containers:
                  - name: nginx
                    imagePullPolicy: Always
                    imagePullPolicy: Never
            """
        let (value, repeats) = try YAMLToJSON.convertReportingDuplicates(text)
        XCTAssertEqual(value["metadata"]["name"], "b")
        XCTAssertEqual(value["spec"]["paused"], false)
        XCTAssertEqual(value["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"], "Never")
        XCTAssertEqual(repeats.map(\.message), [#"line 5: key "name" already set in map"#,
                                                #"line 8: key "paused" already set in map"#,
                                                #"line 14: key "imagePullPolicy" already set in map"#])
    }

    func testPlainScalarsResolveQuotedOnesStayStrings() throws {
        let value = try YAMLToJSON.convert("a: 1\nb: '1'\nc: true\nd: ~\ne: 1.5\nf: -3\ng: hello\nh: \"true\"\ni: [x, 2]\n")
        XCTAssertEqual(value, ["a": 1, "b": "1", "c": true, "d": .null, "e": 1.5, "f": -3, "g": "hello", "h": "true",
                               "i": ["x", 2]] as JSON)
    }

    func testEmptyDocumentIsNull() throws {
        XCTAssertTrue(try YAMLToJSON.convert("").isNull)
        XCTAssertTrue(try YAMLToJSON.convert("# only a comment\n").isNull)
    }

    func testMalformedYAMLIsWordedAsGoYAMLWordsIt() {
        XCTAssertThrowsError(try YAMLToJSON.convert("a: b\nc: d: e\n")) { error in
            XCTAssertEqual("\(error)", "error converting YAML to JSON: yaml: line 2: mapping values are not allowed in this context")
        }
    }

    func testSecondDocumentAndAliasesAreRefused() {
        XCTAssertThrowsError(try YAMLToJSON.convert("a: 1\n---\nb: 2\n"))
        XCTAssertThrowsError(try YAMLToJSON.convert("a: &x 1\nb: *x\n"))
    }
}
