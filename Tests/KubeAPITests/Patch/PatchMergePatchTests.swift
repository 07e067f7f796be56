import XCTest

@testable import KubeAPI

final class PatchMergePatchTests: XCTestCase {
    private func j(_ text: String) -> JSON { try! JSON.parse(text) }

    /// The examples of RFC 7386, appendix A.
    func testRFC7386Examples() {
        let cases: [(String, String, String)] = [
            (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
            (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
            (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
            (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
            (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
            (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
            (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
            (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
            (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
            (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
            (#"{"a":"foo"}"#, "null", "null"),
            (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
            (#"{"e":null}"#, #"{"a":1}"#, #"{"a":1,"e":null}"#),
            (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
            (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
        ]
        for (target, patch, expected) in cases {
            XCTAssertEqual(j(target).applyingMergePatch(j(patch)), j(expected), "\(target) + \(patch)")
        }
    }

    func testScaleSubresourcePatch() {
        let deployment = j(#"{"kind":"Deployment","metadata":{"name":"my-nginx"},"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"c"}]}}}}"#)
        let scaled = deployment.applyingMergePatch(j(#"{"spec":{"replicas":0}}"#))
        XCTAssertEqual(scaled["spec"]["replicas"], 0)
        XCTAssertEqual(scaled["spec"]["template"], deployment["spec"]["template"])
        XCTAssertEqual(scaled.name, "my-nginx")
    }

    func testListsAreReplacedNotMerged() {
        let pod = j(#"{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b"}]}}"#)
        let patched = pod.applyingMergePatch(j(#"{"spec":{"containers":[{"name":"a","image":"y"}]}}"#))
        XCTAssertEqual(patched, j(#"{"spec":{"containers":[{"name":"a","image":"y"}]}}"#))
    }

    func testInPlaceFormAndOriginalUntouched() {
        let original = j(#"{"metadata":{"labels":{"a":"1","b":"2"}}}"#)
        var copy = original
        copy.applyMergePatch(j(#"{"metadata":{"labels":{"a":null,"c":"3"}}}"#))
        XCTAssertEqual(copy, j(#"{"metadata":{"labels":{"b":"2","c":"3"}}}"#))
        XCTAssertEqual(original, j(#"{"metadata":{"labels":{"a":"1","b":"2"}}}"#))
    }
}
