import XCTest
@testable import KubeAPI

final class TablesDurationTests: XCTestCase {
    func testHumanDurationThresholds() {
        let cases: [(TimeInterval, String)] = [
            (-5, "<invalid>"), (-2, "<invalid>"), (-1.5, "0s"), (-0.3, "0s"), (0, "0s"), (0.9, "0s"),
            (5, "5s"), (59, "59s"), (60, "60s"), (119.9, "119s"),
            (120, "2m"), (150, "2m30s"), (179, "2m59s"), (540, "9m"), (599, "9m59s"),
            (600, "10m"), (659, "10m"), (10_799, "179m"),
            (10_800, "3h"), (12_600, "3h30m"), (28_799, "7h59m"),
            (28_800, "8h"), (172_799, "47h"),
            (172_800, "2d"), (190_800, "2d5h"), (691_199, "7d23h"),
            (691_200, "8d"), (63_071_999, "729d"),
            (63_072_000, "2y"), (63_072_000 + 86_400 * 30, "2y30d"), (252_288_000 - 1, "7y364d"),
            (252_288_000, "8y"), (315_360_000, "10y"),
        ]
        for (seconds, expected) in cases {
            XCTAssertEqual(humanDuration(seconds), expected, "humanDuration(\(seconds))")
        }
    }

    func testParseRFC3339Forms() throws {
        XCTAssertEqual(parseRFC3339("1970-01-01T00:00:00Z")?.timeIntervalSince1970, 0)
        XCTAssertEqual(parseRFC3339("2024-01-02T03:04:05Z")?.timeIntervalSince1970, 1_704_164_645)
        XCTAssertEqual(parseRFC3339("2024-05-01T12:00:00Z"), TablesFixture.now)
        XCTAssertEqual(parseRFC3339("2024-05-01T14:00:00+02:00"), TablesFixture.now)
        XCTAssertEqual(parseRFC3339("2024-05-01T11:30:00-00:30"), TablesFixture.now)
        let micro = try XCTUnwrap(parseRFC3339("2024-01-02T03:04:05.123456Z"))
        XCTAssertEqual(micro.timeIntervalSince1970, 1_704_164_645.123456, accuracy: 1e-6)
        XCTAssertEqual(parseRFC3339("2000-02-29T00:00:00Z")?.timeIntervalSince1970, 951_782_400)
        XCTAssertEqual(parseRFC3339("1969-12-31T23:59:59Z")?.timeIntervalSince1970, -1)
    }

    func testParseRFC3339RejectsMalformedText() {
        for bad in ["", "2024-01-02", "2024-01-02T03:04:05", "2024-01-02 03:04:05Z", "2024-13-02T03:04:05Z",
                    "2023-02-29T00:00:00Z", "2024-01-02T24:00:00Z", "2024-01-02T03:04:05.Z",
                    "2024-01-02T03:04:05Zjunk", "2024-01-02T03:04:05+0200", "x024-01-02T03:04:05Z"] {
            XCTAssertNil(parseRFC3339(bad), bad)
        }
    }

    func testParseRFC3339AgreesWithFoundation() throws {
        let formatter = ISO8601DateFormatter()
        for seconds in stride(from: -2_000_000_000.0, to: 4_000_000_000.0, by: 77_777_777.0) {
            let date = Date(timeIntervalSince1970: seconds)
            let text = formatter.string(from: date)
            XCTAssertEqual(try XCTUnwrap(parseRFC3339(text)).timeIntervalSince1970, seconds, text)
        }
    }

    func testAgeCellIsUnknownWithoutTimestamp() {
        let cells = TablesFixture.cells("ConfigMap", ["metadata": ["name": "cm"]])
        XCTAssertEqual(cells.last, "<unknown>")
        let bad = TablesFixture.cells("ConfigMap", ["metadata": ["name": "cm", "creationTimestamp": "yesterday"]])
        XCTAssertEqual(bad.last, "<unknown>")
    }
}
