import XCTest
@testable import KubeAPI

final class ResourceQuantityTests: XCTestCase {
    func testValuesAndMilliValuesRoundUpLikeKubernetes() {
        XCTAssertEqual(ResourceQuantity.milliValue("100m"), 100)
        XCTAssertEqual(ResourceQuantity.milliValue("1.5"), 1500)
        XCTAssertEqual(ResourceQuantity.milliValue("0.1"), 100, "exact decimals: not 100.000000001")
        XCTAssertEqual(ResourceQuantity.milliValue(JSON.int(2)), 2000, "a bare number from YAML")
        XCTAssertEqual(ResourceQuantity.value("128Mi"), 134_217_728)
        XCTAssertEqual(ResourceQuantity.value("1.5Gi"), 1_610_612_736)
        XCTAssertEqual(ResourceQuantity.value("1G"), 1_000_000_000)
        XCTAssertEqual(ResourceQuantity.value("1e3"), 1000)
        XCTAssertEqual(ResourceQuantity.value("1.5k"), 1500)
        XCTAssertEqual(ResourceQuantity.value("1m"), 1, "whole units round up")
        XCTAssertEqual(ResourceQuantity.value("-1m"), 0, "up is towards +infinity")
        XCTAssertEqual(ResourceQuantity.value(nil as String?), nil)
    }

    func testWhatIsNotAQuantity() {
        for bad in ["", "abc", "lots", "1Z", "1ki", ".", "1..2", "Mi"] {
            XCTAssertNil(ResourceQuantity.parse(bad), bad)
        }
    }
}
