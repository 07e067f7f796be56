import XCTest

@testable import KubeAPI

final class ObjectFieldsTests: XCTestCase {
    private func j(_ text: String) -> JSON { try! JSON.parse(text) }

    private func specified(_ config: String, kind: String = "Deployment") -> JSON {
        do { return try ObjectFields.specified(by: j(config), kind: kind).fieldsV1 } catch {
            XCTFail("\(error)")
            return .null
        }
    }

    func testAppliedDeploymentFieldsAtFullDepth() {
        let fields = specified(#"""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},
             "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
               "template":{"metadata":{"labels":{"app":"web"}},
                 "spec":{"containers":[{"name":"nginx","image":"nginx:1.25","ports":[{"containerPort":80}],
                   "env":[{"name":"A","value":"1"}],"args":["-g","daemon off;"]}]}}}}
            """#)
        XCTAssertEqual(fields, j(#"""
            {"f:apiVersion":{},"f:kind":{},"f:metadata":{"f:name":{},"f:labels":{"f:app":{}}},
             "f:spec":{"f:replicas":{},"f:selector":{},
               "f:template":{"f:metadata":{"f:labels":{"f:app":{}}},
                 "f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:name":{},"f:image":{},"f:args":{},
                   "f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}},
                   "f:env":{"k:{\"name\":\"A\"}":{".":{},"f:name":{},"f:value":{}}}}}}}}}
            """#), "label selectors and untagged lists are atomic; ports are keyed by port and (defaulted) protocol")
    }

    func testAppliedSetListsEmptyObjectsAndNulls() {
        let fields = specified(#"{"metadata":{"finalizers":["a","b"],"annotations":{}},"data":{"k":"v"},"binaryData":null}"#,
                               kind: "ConfigMap")
        XCTAssertEqual(fields, j(#"""
            {"f:metadata":{"f:finalizers":{"v:\"a\"":{},"v:\"b\"":{}},"f:annotations":{}},"f:data":{"f:k":{}},"f:binaryData":{}}
            """#))
    }

    func testServicePortsAndAtomicSelector() {
        let fields = specified(#"{"spec":{"selector":{"app":"web"},"ports":[{"port":53,"protocol":"UDP","name":"dns"}]}}"#,
                               kind: "Service")
        XCTAssertEqual(fields, j(#"""
            {"f:spec":{"f:selector":{},"f:ports":{"k:{\"port\":53,\"protocol\":\"UDP\"}":{".":{},"f:port":{},"f:protocol":{},"f:name":{}}}}}
            """#))
    }

    func testAppliedItemWithoutItsKeyIsRefused() {
        XCTAssertThrowsError(try ObjectFields.specified(by: j(#"{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}"#),
                                                        kind: "Deployment")) { error in
            XCTAssertEqual("\(error)", #".spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn't have default value)"#)
        }
    }

    func testCompareFindsModifiedAddedAndRemovedWithEverythingBelow() {
        let old = j(#"""
            {"metadata":{"labels":{"a":"1"}},"spec":{"replicas":1,"template":{"spec":{"containers":[
              {"name":"c","image":"x","env":[{"name":"E","value":"1"}]}]}}}}
            """#)
        let new = j(#"""
            {"metadata":{"labels":{"a":"1"},"annotations":{"n":"v"}},"spec":{"replicas":3,"template":{"spec":{"containers":[
              {"name":"c","image":"x"},{"name":"d","image":"y"}]}}}}
            """#)
        let c = ObjectFields.compare(old, new, kind: "Deployment")
        XCTAssertEqual(c.modified.paths.map(\.pathText), [".spec.replicas"])
        XCTAssertEqual(c.added.paths.map(\.pathText), [
            ".metadata.annotations", ".metadata.annotations.n",
            #".spec.template.spec.containers[name="d"]"#, #".spec.template.spec.containers[name="d"].image"#,
            #".spec.template.spec.containers[name="d"].name"#,
        ])
        XCTAssertEqual(c.removed.paths.map(\.pathText), [
            #".spec.template.spec.containers[name="c"].env"#, #".spec.template.spec.containers[name="c"].env[name="E"]"#,
            #".spec.template.spec.containers[name="c"].env[name="E"].name"#,
            #".spec.template.spec.containers[name="c"].env[name="E"].value"#,
        ])
        XCTAssertTrue(ObjectFields.compare(old, old, kind: "Deployment").isSame)
    }

    func testCompareTreatsAtomicValuesAsLeaves() {
        let old = j(#"{"spec":{"selector":{"matchLabels":{"a":"1"}},"template":{"spec":{"containers":[{"name":"c","args":["1"]}]}}}}"#)
        let new = j(#"{"spec":{"selector":{"matchLabels":{"a":"2"}},"template":{"spec":{"containers":[{"name":"c","args":["1","2"]}]}}}}"#)
        XCTAssertEqual(ObjectFields.compare(old, new, kind: "Deployment").modified.paths.map(\.pathText),
                       [".spec.selector", #".spec.template.spec.containers[name="c"].args"#])
        XCTAssertTrue(ObjectFields.compare(j(#"{"a":1}"#), j(#"{"a":1.0}"#), kind: "ConfigMap").isSame,
                      "1 and 1.0 are the same JSON number")
    }
}
