import Foundation
import XCTest

@testable import KubeAPI

final class PatchJSONParseTests: XCTestCase {
    private func parseError(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> JSONParseError? {
        do {
            let value = try JSON.parse(text)
            XCTFail("expected an error, parsed \(value)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    private func assertError(
        _ text: String, _ message: String, offset: Int? = nil, file: StaticString = #filePath, line: UInt = #line
    ) {
        guard let error = parseError(text, file: file, line: line) else { return }
        XCTAssertEqual(error.message, message, "for input \(text.debugDescription)", file: file, line: line)
        XCTAssertEqual(error.description, message, file: file, line: line)
        if let offset { XCTAssertEqual(error.offset, offset, "offset for \(text.debugDescription)", file: file, line: line) }
    }

    // MARK: Values

    func testScalarsAndContainers() throws {
        XCTAssertEqual(try JSON.parse("null"), .null)
        XCTAssertEqual(try JSON.parse("true"), .bool(true))
        XCTAssertEqual(try JSON.parse(" false "), .bool(false))
        XCTAssertEqual(try JSON.parse("\"hi\""), .string("hi"))
        XCTAssertEqual(try JSON.parse("[]"), .array([]))
        XCTAssertEqual(try JSON.parse("{}"), .object([:]))
        XCTAssertEqual(try JSON.parse(" \t\r\n[ 1 , \"a\" , { } , [ ] , null ]\n"), [1, "a", .object([:]), .array([]), .null])
        let pod = try JSON.parse(#"{"kind":"Pod","metadata":{"name":"web","labels":{"app":"x"}},"spec":{"containers":[{"name":"c","ports":[{"containerPort":80}]}]}}"#)
        XCTAssertEqual(pod.kind, "Pod")
        XCTAssertEqual(pod.name, "web")
        XCTAssertEqual(pod.labels, ["app": "x"])
        XCTAssertEqual(pod["spec"]["containers"][0]["ports"][0]["containerPort"], .int(80))
    }

    func testParsesByteCollections() throws {
        let text = #"{"a":[1,2.5,"x"]}"#
        let expected: JSON = ["a": [1, 2.5, "x"]]
        XCTAssertEqual(try JSON.parse(Array(text.utf8)), expected)
        XCTAssertEqual(try JSON.parse(ContiguousArray(text.utf8)), expected)
        XCTAssertEqual(try JSON.parse(Data(text.utf8)), expected)
        XCTAssertEqual(try JSON.parse(Array(text.utf8)[...]), expected)
        XCTAssertEqual(try JSON.parse(text.utf8), expected)
        // A collection without contiguous storage takes the copying path.
        XCTAssertEqual(try JSON.parse(Array(text.utf8).lazy.map { $0 }), expected)
    }

    // MARK: Numbers

    func testIntegersBecomeInt() throws {
        XCTAssertEqual(try JSON.parse("0"), .int(0))
        XCTAssertEqual(try JSON.parse("-0"), .int(0))
        XCTAssertEqual(try JSON.parse("42"), .int(42))
        XCTAssertEqual(try JSON.parse("-17"), .int(-17))
        XCTAssertEqual(try JSON.parse("9223372036854775807"), .int(Int64.max))
        XCTAssertEqual(try JSON.parse("-9223372036854775808"), .int(Int64.min))
        XCTAssertEqual(try JSON.parse("1000000000000000000"), .int(1_000_000_000_000_000_000))
    }

    func testOtherNumbersBecomeDouble() throws {
        XCTAssertEqual(try JSON.parse("9223372036854775808"), .double(9223372036854775808.0))
        XCTAssertEqual(try JSON.parse("-9223372036854775809"), .double(-9223372036854775809.0))
        XCTAssertEqual(try JSON.parse("123456789012345678901234567890"), .double(123456789012345678901234567890.0))
        XCTAssertEqual(try JSON.parse("1.0"), .double(1.0))
        XCTAssertEqual(try JSON.parse("80.0"), .double(80))
        XCTAssertEqual(try JSON.parse("1e2"), .double(100))
        XCTAssertEqual(try JSON.parse("1E+2"), .double(100))
        XCTAssertEqual(try JSON.parse("0.5"), .double(0.5))
        XCTAssertEqual(try JSON.parse("-2.5e-3"), .double(-0.0025))
        XCTAssertEqual(try JSON.parse("0.1"), .double(0.1))
        XCTAssertEqual(try JSON.parse("12345.6789e-3"), .double(12.3456789))
        XCTAssertEqual(try JSON.parse("0.30000000000000004"), .double(0.30000000000000004))
        XCTAssertEqual(try JSON.parse("3.141592653589793238462643383279"), .double(3.141592653589793))
        XCTAssertEqual(try JSON.parse("1.7976931348623157e308"), .double(.greatestFiniteMagnitude))
        XCTAssertEqual(try JSON.parse("5e-324"), .double(.leastNonzeroMagnitude))
        XCTAssertEqual(try JSON.parse("0.000000000000000000000000000001"), .double(1e-30))
        guard case .double(let negativeZero) = try JSON.parse("-0.0") else { return XCTFail("not a double") }
        XCTAssertEqual(negativeZero.sign, .minus)
    }

    func testDoublesRoundTripThroughText() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let d = Double(bitPattern: generator.next() & 0x7FEF_FFFF_FFFF_FFFF)  // finite, positive
            XCTAssertEqual(try JSON.parse(d.description), .double(d), "parsing \(d.description)")
            let printed = String(decoding: JSON.double(d).serialized(), as: UTF8.self)
            let back = try JSON.parse(printed)
            XCTAssertEqual(back.double, d, "Go-style \(printed) for \(d)")
        }
        for text in ["1.5", "2.25", "1234.5678", "0.001", "9007199254740993", "1e22", "1e23", "4.35e-5"] {
            XCTAssertEqual(try JSON.parse(text).double, Double(text), text)
        }
    }

    func testOutOfRangeFloatIsAnError() {
        assertError("1e400", "json: cannot unmarshal number 1e400 into Go value of type float64")
    }

    // MARK: Strings

    func testStringEscapes() throws {
        XCTAssertEqual(try JSON.parse(#""a\"b\\c\/d\be\ff\ng\rh\ti""#), .string("a\"b\\c/d\u{8}e\u{C}f\ng\rh\ti"))
        XCTAssertEqual(try JSON.parse(#""\u00e9\u00E9""#), .string("éé"))
        XCTAssertEqual(try JSON.parse(#""\u003chtml\u003e \u0026""#), .string("<html> &"))
        XCTAssertEqual(try JSON.parse(#""\ud83d\ude00""#), .string("😀"))
        XCTAssertEqual(try JSON.parse(#""x\u2028y""#), .string("x\u{2028}y"))
        XCTAssertEqual(try JSON.parse(#""\u0000""#), .string("\u{0}"))
        XCTAssertEqual(try JSON.parse("\"héllo 世界 😀\""), .string("héllo 世界 😀"))
    }

    func testLoneSurrogatesBecomeReplacementCharacter() throws {
        XCTAssertEqual(try JSON.parse(#""\ud83d""#), .string("\u{FFFD}"))
        XCTAssertEqual(try JSON.parse(#""\ud83dx""#), .string("\u{FFFD}x"))
        XCTAssertEqual(try JSON.parse(#""\ude00""#), .string("\u{FFFD}"))
        XCTAssertEqual(try JSON.parse(#""\ud83d\u0041""#), .string("\u{FFFD}A"))
        XCTAssertEqual(try JSON.parse(#""\ud83d\ud83d\ude00""#), .string("\u{FFFD}😀"))
    }

    func testInvalidUTF8BecomesReplacementCharacter() throws {
        let bytes: [UInt8] = [0x22, 0x61, 0xFF, 0x62, 0x22]
        XCTAssertEqual(try JSON.parse(bytes), .string("a\u{FFFD}b"))
    }

    // MARK: Errors, worded like Go's encoding/json

    func testEndOfInputErrors() {
        for text in ["", "   ", "{", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":1,", "[", "[1", "[1,", "\"abc", "\"a\\", "\"\\u12",
            "tru", "nul", "fals", "-", "1.", "1e", "1e+"]
        {
            assertError(text, "unexpected end of JSON input", offset: text.utf8.count)
        }
    }

    func testInvalidCharacterErrors() {
        assertError(#"{"a":1,}"#, "invalid character '}' looking for beginning of object key string", offset: 8)
        assertError("{,}", "invalid character ',' looking for beginning of object key string", offset: 2)
        assertError("{'a':1}", #"invalid character '\'' looking for beginning of object key string"#)
        assertError(#"{"a" 1}"#, "invalid character '1' after object key", offset: 6)
        assertError(#"{"a":1 "b":2}"#, #"invalid character '"' after object key:value pair"#, offset: 8)
        assertError("[1 2]", "invalid character '2' after array element", offset: 4)
        assertError("[1,]", "invalid character ']' looking for beginning of value", offset: 4)
        assertError("[,]", "invalid character ',' looking for beginning of value")
        assertError("'a'", #"invalid character '\'' looking for beginning of value"#, offset: 1)
        assertError("x", "invalid character 'x' looking for beginning of value", offset: 1)
        assertError(#"{"a":}"#, "invalid character '}' looking for beginning of value")
        assertError(#"{"a":1}x"#, "invalid character 'x' after top-level value", offset: 8)
        assertError(#"{"a":1}}"#, "invalid character '}' after top-level value")
        assertError("1 2", "invalid character '2' after top-level value", offset: 3)
        assertError("01", "invalid character '1' after top-level value", offset: 2)
        assertError("[01]", "invalid character '1' after array element")
        assertError("trux", "invalid character 'x' in literal true (expecting 'e')", offset: 4)
        assertError("nulx", "invalid character 'x' in literal null (expecting 'l')")
        assertError("falsy", "invalid character 'y' in literal false (expecting 'e')")
        assertError("tRue", "invalid character 'R' in literal true (expecting 'r')", offset: 2)
        assertError("-a", "invalid character 'a' in numeric literal", offset: 2)
        assertError("1.x", "invalid character 'x' after decimal point in numeric literal", offset: 3)
        assertError("1ex", "invalid character 'x' in exponent of numeric literal")
        assertError("1e+x", "invalid character 'x' in exponent of numeric literal")
        assertError("+1", "invalid character '+' looking for beginning of value")
        assertError(".5", "invalid character '.' looking for beginning of value")
        assertError("\"a\nb\"", #"invalid character '\n' in string literal"#, offset: 3)
        assertError("\"a\tb\"", #"invalid character '\t' in string literal"#)
        assertError("\"\u{1}\"", #"invalid character '\x01' in string literal"#)
        assertError(#""\q""#, "invalid character 'q' in string escape code", offset: 3)
        assertError(#""\u12x4""#, #"invalid character 'x' in \u hexadecimal character escape"#, offset: 6)
        assertError(#""\ud83d\uzzzz""#, #"invalid character 'z' in \u hexadecimal character escape"#)
    }

    func testNonASCIIBytesAreQuotedAsGoDoes() throws {
        // A UTF-8 byte order mark: Go shows the first byte as the rune U+00EF.
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF, 0x7B, 0x7D]
        XCTAssertThrowsError(try JSON.parse(bom)) { error in
            XCTAssertEqual((error as? JSONParseError)?.message, "invalid character 'ï' looking for beginning of value")
        }
        XCTAssertEqual(JSONParseError.quoteChar(0x7F), #"'\x7f'"#)
        XCTAssertEqual(JSONParseError.quoteChar(0x85), #"'\u0085'"#)
        XCTAssertEqual(JSONParseError.quoteChar(0x00), #"'\x00'"#)
        XCTAssertEqual(JSONParseError.quoteChar(UInt8(ascii: "\\")), #"'\\'"#)
        XCTAssertEqual(JSONParseError.quoteChar(UInt8(ascii: "\"")), #"'"'"#)
    }

    func testNestingDepthIsLimited() throws {
        let ok = String(repeating: "[", count: 1_000) + String(repeating: "]", count: 1_000)
        XCTAssertNoThrow(try JSON.parse(ok))
        let tooDeep = String(repeating: "[", count: 1_001) + String(repeating: "]", count: 1_001)
        XCTAssertThrowsError(try JSON.parse(tooDeep)) { error in
            XCTAssertEqual((error as? JSONParseError)?.message, "invalid character '[' exceeded max depth")
        }
    }

    // MARK: Duplicate keys

    func testDuplicateKeysLastWinsWithoutError() throws {
        XCTAssertEqual(try JSON.parse(#"{"a":1,"a":2}"#), ["a": 2])
    }

    func testDuplicateKeysAreReportedWithKubernetesPaths() throws {
        var duplicates: [String] = []
        let value = try JSON.parse(
            #"{"metadata":{"name":"a","labels":{"x":"1"},"name":"b"},"spec":{"containers":[{"name":"c","image":"a","image":"b"},{"name":"d","env":[{"name":"E","name":"F"}]}]},"kind":"Pod","kind":"Pod"}"#,
            duplicateKeys: &duplicates)
        XCTAssertEqual(
            duplicates.sorted(),
            ["kind", "metadata.name", "spec.containers[0].image", "spec.containers[1].env[0].name"])
        XCTAssertEqual(value.name, "b")
        XCTAssertEqual(value["spec"]["containers"][0]["image"], "b")
        XCTAssertEqual(value["spec"]["containers"][1]["env"][0]["name"], "F")
    }

    func testDuplicateKeysFromBytesAndRepeatedReportsOnce() throws {
        var duplicates: [String] = ["earlier"]
        _ = try JSON.parse(Array(#"[{"a":1,"a":2,"a":3},{"b":{"c":1,"c":2}}]"#.utf8), duplicateKeys: &duplicates)
        XCTAssertEqual(duplicates, ["earlier", "[0].a", "[1].b.c"])
        var none: [String] = []
        _ = try JSON.parse(#"{"a":{"a":{"a":1}}}"#, duplicateKeys: &none)
        XCTAssertEqual(none, [])
    }
}
