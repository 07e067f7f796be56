import XCTest
@testable import SPDY

final class SPDYFrameCodecTests: XCTestCase {
    func testDictionaryMatchesSpecChecksum() {
        // Length and Adler-32 as published for the SPDY/3 dictionary; zlib peers compare the Adler-32.
        XCTAssertEqual(SPDYDictionary.bytes.count, 1423)
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in SPDYDictionary.bytes { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        XCTAssertEqual(b << 16 | a, 0xe3c6_a7c2)
    }

    func testRoundTripEveryFrameType() throws {
        let frames: [SPDYFrame] = [
            .synStream(streamID: 1, associatedToStreamID: 0, priority: 0, slot: 0, flags: 0,
                       headers: ["streamtype": "error", "port": "80", "requestid": "0"]),
            .synStream(streamID: 3, associatedToStreamID: 0, priority: 7, slot: 2, flags: SPDYFrame.flagFin,
                       headers: ["streamtype": "data", "port": "80", "requestid": "0"]),
            .synReply(streamID: 1, flags: 0, headers: [:]),
            .synReply(streamID: 3, flags: SPDYFrame.flagFin, headers: ["status": "200"]),
            .rstStream(streamID: 5, status: SPDYStreamStatus.cancel),
            .settings(flags: 1, entries: [SPDYSetting(flags: 1, id: 7, value: 65536), SPDYSetting(id: 4, value: 100)]),
            .ping(id: 0xffff_fffe),
            .goAway(lastGoodStreamID: 9, status: 0),
            .headers(streamID: 3, flags: 0, headers: ["x-a": "b\u{0}c"]),
            .windowUpdate(streamID: 3, deltaWindowSize: 0x7fff_ffff),
            .data(streamID: 3, flags: 0, payload: Array("GET / HTTP/1.1\r\n\r\n".utf8)),
            .data(streamID: 1, flags: SPDYFrame.flagFin, payload: []),
            .unknownControl(type: 42, flags: 3, payload: [1, 2, 3]),
        ]
        let encoder = try SPDYFrameEncoder(), decoder = try SPDYFrameDecoder()
        let wire = try frames.flatMap { try encoder.encode($0) }
        XCTAssertEqual(try decoder.feed(wire), frames)

        // Same stream again, split at every byte: frames must come out whole and in order.
        let encoder2 = try SPDYFrameEncoder(), decoder2 = try SPDYFrameDecoder()
        let wire2 = try frames.flatMap { try encoder2.encode($0) }
        var decoded: [SPDYFrame] = []
        for byte in wire2 { decoded += try decoder2.feed([byte]) }
        XCTAssertEqual(decoded, frames)
    }

    func testControlFrameLayout() throws {
        let bytes = try SPDYFrameEncoder().encode(.ping(id: 7))
        XCTAssertEqual(bytes, [0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 7])
        let data = try SPDYFrameEncoder().encode(.data(streamID: 3, flags: SPDYFrame.flagFin, payload: [0xAA]))
        XCTAssertEqual(data, [0, 0, 0, 3, 0x01, 0, 0, 1, 0xAA])
        let rst = try SPDYFrameEncoder().encode(.rstStream(streamID: 5, status: 5))
        XCTAssertEqual(rst, [0x80, 0x03, 0x00, 0x03, 0, 0, 0, 8, 0, 0, 0, 5, 0, 0, 0, 5])
    }

    func testRejectsOtherVersions() throws {
        let v2Ping: [UInt8] = [0x80, 0x02, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 1]
        XCTAssertThrowsError(try SPDYFrameDecoder().feed(v2Ping)) { error in
            XCTAssertEqual(error as? SPDYError, .unsupportedVersion(2))
        }
    }

    func testHeaderBlockPlainFormat() throws {
        let block = HeaderBlock.encode(["port": "80"])
        XCTAssertEqual(block, [0, 0, 0, 1, 0, 0, 0, 4] + Array("port".utf8) + [0, 0, 0, 2] + Array("80".utf8))
        XCTAssertEqual(try HeaderBlock.decode(block), ["port": "80"])
        XCTAssertThrowsError(try HeaderBlock.decode([0, 0, 0, 1, 0, 0, 0, 9, 65]))
    }
}
