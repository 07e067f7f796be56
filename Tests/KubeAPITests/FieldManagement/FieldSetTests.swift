import XCTest

@testable import KubeAPI

final class FieldSetTests: XCTestCase {
    private func j(_ text: String) -> JSON { try! JSON.parse(text) }

    private let replicas: FieldPath = [.field("spec"), .field("replicas")]
    private let container: FieldPath = [.field("spec"), .field("containers"), .keyed([("name", "nginx")])]

    func testFieldsV1MarksPathsThatAreMembersAndPrefixes() {
        let set = FieldSet([replicas, container, container + [.field("image")]])
        XCTAssertEqual(set.fieldsV1, j(#"""
            {"f:spec":{"f:replicas":{},"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{}}}}}
            """#))
        XCTAssertEqual(FieldSet(fieldsV1: set.fieldsV1), set, "FieldsV1 reads back to the same set")
        XCTAssertFalse(set.contains([.field("spec")]), "an object with member fields is not itself a member")
        XCTAssertTrue(set.contains(container))
    }

    func testFieldsV1KeysOfEveryElementKind() {
        XCTAssertEqual(PathElement.keyed([("protocol", "TCP"), ("containerPort", 80)]).fieldsV1Key,
                       #"k:{"containerPort":80,"protocol":"TCP"}"#, "key fields in name order")
        XCTAssertEqual(PathElement.keyed([("containerPort", 80.0)]), PathElement.keyed([("containerPort", 80)]))
        XCTAssertEqual(PathElement.item("foregroundDeletion").fieldsV1Key, #"v:"foregroundDeletion""#)
        XCTAssertEqual(PathElement.index(3).fieldsV1Key, "i:3")
        for e in [PathElement.field("a.b/c"), .keyed([("port", 53), ("protocol", "UDP")]), .item(7), .index(2)] {
            XCTAssertEqual(PathElement(fieldsV1Key: e.fieldsV1Key), e)
        }
        XCTAssertNil(PathElement(fieldsV1Key: "."))
    }

    func testPathTextAsConflictMessagesPrintIt() {
        XCTAssertEqual((container + [.field("image")]).pathText, #".spec.containers[name="nginx"].image"#)
        XCTAssertEqual(([.field("spec"), .field("ports"), .keyed([("port", 80), ("protocol", "TCP")])] as FieldPath).pathText,
                       #".spec.ports[port=80,protocol="TCP"]"#)
        XCTAssertEqual(([.field("metadata"), .field("finalizers"), .item("x")] as FieldPath).pathText,
                       #".metadata.finalizers[="x"]"#)
    }

    func testSubtractingIsExactAndDropsEmptiedBranches() {
        let a = FieldSet([replicas, container, container + [.field("image")]])
        let b = FieldSet([container])
        let rest = a.subtracting(b)
        XCTAssertFalse(rest.contains(container))
        XCTAssertTrue(rest.contains(container + [.field("image")]), "a member does not take the paths below it")
        XCTAssertEqual(a.subtracting(a), FieldSet())
        XCTAssertTrue(a.subtracting(a).isEmpty)
        XCTAssertEqual(a.subtracting(a).fieldsV1, .emptyObject)
    }

    func testUnionAndIntersection() {
        let a = FieldSet([replicas, container])
        let b = FieldSet([container, container + [.field("image")]])
        XCTAssertEqual(a.union(b), FieldSet([replicas, container, container + [.field("image")]]))
        XCTAssertEqual(a.intersection(b), FieldSet([container]))
        XCTAssertTrue(FieldSet([replicas]).intersection(b).isEmpty)
    }

    func testSubtreesKeptAndRemoved() {
        let status: FieldPath = [.field("status"), .field("phase")]
        let set = FieldSet([replicas, status, [.field("status")]])
        XCTAssertEqual(set.removingSubtree(at: [.field("status")]), FieldSet([replicas]))
        XCTAssertEqual(set.keepingSubtree(at: [.field("status")]), FieldSet([status, [.field("status")]]))
        XCTAssertEqual(set.keepingSubtree(at: replicas), FieldSet([replicas]))
        XCTAssertTrue(set.intersects(subtreeAt: [.field("spec")]))
        XCTAssertFalse(set.intersects(subtreeAt: [.field("metadata")]))
    }

    func testPathsListParentsFirstInFieldOrder() {
        let set = FieldSet([container + [.field("name")], container, replicas, [.field("metadata"), .field("labels"), .field("app")]])
        XCTAssertEqual(set.paths.map(\.pathText), [
            ".metadata.labels.app", #".spec.containers[name="nginx"]"#, #".spec.containers[name="nginx"].name"#,
            ".spec.replicas",
        ])
    }
}
