import KubeAPI
import XCTest

final class DeletionFinalizersTests: XCTestCase {
    func testPolicyAddsItsFinalizerAfterOthers() {
        XCTAssertEqual(DeletionFinalizers.afterDelete([], propagationPolicy: "Foreground"), ["foregroundDeletion"])
        XCTAssertEqual(DeletionFinalizers.afterDelete(["example.com/keep"], propagationPolicy: "Orphan"), ["example.com/keep", "orphan"])
        XCTAssertEqual(DeletionFinalizers.afterDelete(["example.com/keep"], propagationPolicy: "Background"), ["example.com/keep"])
    }

    func testAnExplicitPolicyReplacesTheOtherGarbageCollectorFinalizer() {
        XCTAssertEqual(DeletionFinalizers.afterDelete(["foregroundDeletion"], propagationPolicy: "Background"), [])
        XCTAssertEqual(DeletionFinalizers.afterDelete(["foregroundDeletion", "x/y"], propagationPolicy: "Orphan"), ["x/y", "orphan"])
        XCTAssertEqual(DeletionFinalizers.afterDelete(["orphan"], propagationPolicy: "Foreground"), ["foregroundDeletion"])
        XCTAssertEqual(DeletionFinalizers.afterDelete(["orphan"], propagationPolicy: "Orphan"), ["orphan"])
    }

    func testWithoutAPolicyTheObjectKeepsItsFinalizers() {
        XCTAssertEqual(DeletionFinalizers.afterDelete(["foregroundDeletion", "x/y"], propagationPolicy: nil), ["foregroundDeletion", "x/y"])
        XCTAssertEqual(DeletionFinalizers.afterDelete([], propagationPolicy: nil), [])
    }
}
