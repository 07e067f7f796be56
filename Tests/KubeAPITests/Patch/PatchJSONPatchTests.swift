import XCTest

@testable import KubeAPI

final class PatchJSONPatchTests: XCTestCase {
    private func j(_ text: String) -> JSON { try! JSON.parse(text) }

    private func apply(_ doc: String, _ ops: String) throws -> JSON {
        try j(doc).applyingJSONPatch(j(ops))
    }

    private func assertFails(
        _ doc: String, _ ops: String, _ message: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try apply(doc, ops), file: file, line: line) { error in
            XCTAssertEqual((error as? JSONPatchError)?.message, message, file: file, line: line)
        }
    }

    /// RFC 6902 appendix A.
    func testRFC6902Examples() throws {
        XCTAssertEqual(try apply(#"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux"}]"#), j(#"{"baz":"qux","foo":"bar"}"#))
        XCTAssertEqual(try apply(#"{"foo":["bar","baz"]}"#, #"[{"op":"add","path":"/foo/1","value":"qux"}]"#), j(#"{"foo":["bar","qux","baz"]}"#))
        XCTAssertEqual(try apply(#"{"baz":"qux","foo":"bar"}"#, #"[{"op":"remove","path":"/baz"}]"#), j(#"{"foo":"bar"}"#))
        XCTAssertEqual(try apply(#"{"foo":["bar","qux","baz"]}"#, #"[{"op":"remove","path":"/foo/1"}]"#), j(#"{"foo":["bar","baz"]}"#))
        XCTAssertEqual(try apply(#"{"baz":"qux","foo":"bar"}"#, #"[{"op":"replace","path":"/baz","value":"boo"}]"#), j(#"{"baz":"boo","foo":"bar"}"#))
        XCTAssertEqual(
            try apply(#"{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}"#, #"[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]"#),
            j(#"{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}"#))
        XCTAssertEqual(try apply(#"{"foo":["all","grass","cows","eat"]}"#, #"[{"op":"move","from":"/foo/1","path":"/foo/3"}]"#), j(#"{"foo":["all","cows","eat","grass"]}"#))
        XCTAssertEqual(
            try apply(#"{"baz":"qux","foo":["a",2,"c"]}"#, #"[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]"#),
            j(#"{"baz":"qux","foo":["a",2,"c"]}"#))
        assertFails(#"{"baz":"qux"}"#, #"[{"op":"test","path":"/baz","value":"bar"}]"#, #"test operation failed: the value at "/baz" is not the expected value"#)
        XCTAssertEqual(try apply(#"{"foo":"bar"}"#, #"[{"op":"add","path":"/child","value":{"grandchild":{}}}]"#), j(#"{"foo":"bar","child":{"grandchild":{}}}"#))
        assertFails(#"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz/bat","value":"qux"}]"#, #"add operation does not apply: doc is missing path: "/baz/bat""#)
        XCTAssertEqual(try apply(#"{"/":9,"~1":10}"#, #"[{"op":"test","path":"/~01","value":10}]"#), j(#"{"/":9,"~1":10}"#))
        XCTAssertEqual(try apply(#"{"/":9,"~1":10}"#, #"[{"op":"test","path":"/~1","value":9}]"#), j(#"{"/":9,"~1":10}"#))
        assertFails(#"{"/":9,"~1":10}"#, #"[{"op":"test","path":"/~01","value":"10"}]"#, #"test operation failed: the value at "/~01" is not the expected value"#)
        XCTAssertEqual(try apply(#"{"foo":["bar"]}"#, #"[{"op":"add","path":"/foo/-","value":["abc","def"]}]"#), j(#"{"foo":["bar",["abc","def"]]}"#))
    }

    func testKubernetesStylePatches() throws {
        let pod = #"{"metadata":{"name":"p","labels":{"app":"x"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}"#
        let patched = try apply(pod, #"""
            [{"op":"replace","path":"/spec/containers/0/image","value":"nginx:1.27"},
             {"op":"add","path":"/metadata/labels/tier","value":"web"},
             {"op":"add","path":"/metadata/annotations","value":{"a.b/c":"d"}},
             {"op":"add","path":"/metadata/annotations/x~1y","value":"z"},
             {"op":"remove","path":"/metadata/labels/app"},
             {"op":"copy","from":"/spec/containers/0","path":"/spec/containers/-"},
             {"op":"replace","path":"/spec/containers/1/name","value":"c2"}]
            """#)
        XCTAssertEqual(patched["spec"]["containers"][0]["image"], "nginx:1.27")
        XCTAssertEqual(patched["spec"]["containers"][1], j(#"{"name":"c2","image":"nginx:1.27"}"#))
        XCTAssertEqual(patched.labels, ["tier": "web"])
        XCTAssertEqual(patched.annotations, ["a.b/c": "d", "x/y": "z"])
    }

    func testRootAndNullValues() throws {
        XCTAssertEqual(try apply(#"{"a":1}"#, #"[{"op":"replace","path":"","value":[1]}]"#), [1])
        XCTAssertEqual(try apply(#"{"a":1}"#, #"[{"op":"add","path":"","value":{"b":2}}]"#), ["b": 2])
        XCTAssertEqual(try apply(#"{"a":1}"#, #"[{"op":"add","path":"/b","value":null}]"#), j(#"{"a":1,"b":null}"#))
        XCTAssertEqual(try apply(#"{"a":null}"#, #"[{"op":"test","path":"/a","value":null}]"#), j(#"{"a":null}"#))
        XCTAssertEqual(try apply(#"{"a":1}"#, #"[{"op":"test","path":"/a","value":1.0}]"#), j(#"{"a":1}"#))
        XCTAssertEqual(try apply(#"{"a":{"b":[1,{"c":2.0}]}}"#, #"[{"op":"test","path":"","value":{"a":{"b":[1.0,{"c":2}]}}}]"#)["a"]["b"][0], 1)
        XCTAssertEqual(try apply(#"[1,2]"#, #"[{"op":"add","path":"/0","value":0},{"op":"add","path":"/3","value":3}]"#), [0, 1, 2, 3])
    }

    func testErrorsNameTheOperationAndPath() {
        assertFails(#"{"spec":{}}"#, #"[{"op":"remove","path":"/spec/x"}]"#, #"remove operation does not apply: doc is missing path: "/spec/x""#)
        assertFails(#"{"spec":{}}"#, #"[{"op":"replace","path":"/spec/x","value":1}]"#, #"replace operation does not apply: doc is missing path: "/spec/x""#)
        assertFails(#"{"a":[1]}"#, #"[{"op":"remove","path":"/a/1"}]"#, #"remove operation does not apply: index 1 is out of bounds for an array of length 1 in path "/a/1""#)
        assertFails(#"{"a":[1]}"#, #"[{"op":"add","path":"/a/2","value":0}]"#, #"add operation does not apply: index 2 is out of bounds for an array of length 1 in path "/a/2""#)
        assertFails(#"{"a":[1]}"#, #"[{"op":"add","path":"/a/01","value":0}]"#, #"add operation does not apply: "01" is not a valid array index in path "/a/01""#)
        assertFails(#"{"a":[1]}"#, #"[{"op":"remove","path":"/a/-"}]"#, #"remove operation does not apply: doc is missing path: "/a/-""#)
        assertFails(#"{"a":1}"#, #"[{"op":"add","path":"/a/b","value":0}]"#, #"add operation does not apply: doc is missing path: "/a/b""#)
        assertFails(#"{"a":1}"#, #"[{"op":"move","from":"/x","path":"/y"}]"#, #"move operation does not apply: doc is missing path: "/x""#)
        assertFails(#"{"a":{"b":1}}"#, #"[{"op":"move","from":"/a","path":"/a/b/c"}]"#, #"move operation does not apply: cannot move "/a" into its own child "/a/b/c""#)
        assertFails(#"{"a":1}"#, #"[{"op":"copy","from":"/x","path":"/y"}]"#, #"copy operation does not apply: doc is missing from path: "/x""#)
        assertFails(#"{"a":1}"#, #"[{"op":"test","path":"/x","value":1}]"#, #"test operation does not apply: doc is missing path: "/x""#)
        assertFails(#"{}"#, #"[{"op":"frobnicate","path":"/a"}]"#, #"JSON patch operation 0 has unknown op "frobnicate": must be add, remove, replace, move, copy or test"#)
        assertFails(#"{}"#, #"[{"path":"/a"}]"#, #"JSON patch operation 0 is missing the "op" field"#)
        assertFails(#"{}"#, #"[{"op":"add","path":"/a"}]"#, #"add operation is missing the "value" field for path "/a""#)
        assertFails(#"{}"#, #"[{"op":"add","value":1}]"#, #"add operation is missing the "path" field"#)
        assertFails(#"{}"#, #"[{"op":"move","path":"/a"}]"#, #"move operation is missing the "from" field"#)
        assertFails(#"{}"#, #"[{"op":"add","path":"a","value":1}]"#, #"add operation has an invalid path "a": a JSON pointer must start with "/""#)
        assertFails(#"{}"#, #"[{"op":"add","path":"/a~2","value":1}]"#, #"add operation has an invalid path "/a~2": "~" must be followed by 0 or 1"#)
        assertFails(#"{}"#, #"{"op":"add"}"#, "a JSON patch must be a list of operations, got object")
        assertFails(#"{}"#, #"[1]"#, "JSON patch operation 0 must be an object, got number")
    }

    func testFailedPatchLeavesNoPartialResult() throws {
        let doc = j(#"{"a":1}"#)
        XCTAssertThrowsError(try doc.applyingJSONPatch(j(#"[{"op":"add","path":"/b","value":2},{"op":"remove","path":"/zzz"}]"#)))
        XCTAssertEqual(doc, ["a": 1])
    }

    func testPointerTokens() throws {
        XCTAssertEqual(try JSONPointer.tokens("", operation: "x"), [])
        XCTAssertEqual(try JSONPointer.tokens("/", operation: "x"), [""])
        XCTAssertEqual(try JSONPointer.tokens("/a//b", operation: "x"), ["a", "", "b"])
        XCTAssertEqual(try JSONPointer.tokens("/a~1b/~0c~01", operation: "x"), ["a/b", "~c~1"])
        XCTAssertEqual(JSONPointer.index("0"), 0)
        XCTAssertEqual(JSONPointer.index("12"), 12)
        XCTAssertNil(JSONPointer.index("01"))
        XCTAssertNil(JSONPointer.index("-1"))
        XCTAssertNil(JSONPointer.index(""))
        XCTAssertNil(JSONPointer.index("1a"))
    }
}
