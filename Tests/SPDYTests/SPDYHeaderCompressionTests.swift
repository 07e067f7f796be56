import Foundation
import XCTest
@testable import SPDY

/// Interop with a real zlib (CPython's) using the SPDY/3 dictionary, in both directions.
final class SPDYHeaderCompressionTests: XCTestCase {
    private func python(_ script: String, input: [UInt8]) throws -> (status: Int32, out: [UInt8], err: String) {
        let dictURL = FileManager.default.temporaryDirectory.appendingPathComponent("spdy3-\(UUID().uuidString).dict")
        try Data(SPDYDictionary.bytes).write(to: dictURL)
        defer { try? FileManager.default.removeItem(at: dictURL) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, dictURL.path]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, Array(out), String(decoding: err, as: UTF8.self))
    }

    /// Python builds two SYN_STREAM frames the way kubectl does (one deflate context, sync flush per block).
    func testDecodesFramesCompressedByRealZlib() throws {
        let script = #"""
import sys, struct, zlib
zdict = open(sys.argv[1], 'rb').read()
assert len(zdict) == 1423 and zlib.adler32(zdict) == 0xe3c6a7c2
c = zlib.compressobj(9, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY, zdict)
def block(h):
    b = struct.pack('>I', len(h))
    for k, v in h:
        b += struct.pack('>I', len(k)) + k.encode() + struct.pack('>I', len(v)) + v.encode()
    return c.compress(b) + c.flush(zlib.Z_SYNC_FLUSH)
def syn(sid, flags, h):
    body = struct.pack('>IIBB', sid, 0, 0, 0) + block(h)
    return struct.pack('>HHI', 0x8003, 1, (flags << 24) | len(body)) + body
out = syn(1, 0, [('streamtype', 'error'), ('port', '80'), ('requestid', '0')])
out += syn(3, 0, [('streamtype', 'data'), ('port', '80'), ('requestid', '0')])
sys.stdout.buffer.write(out)
"""#
        let result = try python(script, input: [])
        XCTAssertEqual(result.status, 0, result.err)
        let frames = try SPDYFrameDecoder().feed(result.out)
        XCTAssertEqual(frames, [
            .synStream(streamID: 1, associatedToStreamID: 0, priority: 0, slot: 0, flags: 0,
                       headers: ["streamtype": "error", "port": "80", "requestid": "0"]),
            .synStream(streamID: 3, associatedToStreamID: 0, priority: 0, slot: 0, flags: 0,
                       headers: ["streamtype": "data", "port": "80", "requestid": "0"]),
        ])
    }

    /// Our SYN_REPLY frames must inflate with a real zlib that knows only the dictionary.
    func testRealZlibDecodesOurHeaderBlocks() throws {
        let encoder = try SPDYFrameEncoder()
        let wire = try encoder.encode(.synReply(streamID: 1, flags: 0, headers: [:]))
            + encoder.encode(.synReply(streamID: 3, flags: 0, headers: ["status": "200 OK", "version": "HTTP/1.1"]))
        let script = #"""
import sys, struct, zlib
zdict = open(sys.argv[1], 'rb').read()
d = zlib.decompressobj(15, zdict)
data = sys.stdin.buffer.read()
while data:
    w0, w1 = struct.unpack('>II', data[:8]); n = w1 & 0xffffff
    body = data[8:8+n]; data = data[8+n:]
    sid, = struct.unpack('>I', body[:4]); plain = d.decompress(body[4:])
    count, = struct.unpack('>I', plain[:4]); off = 4; pairs = []
    for _ in range(count):
        l, = struct.unpack('>I', plain[off:off+4]); k = plain[off+4:off+4+l].decode(); off += 4 + l
        l, = struct.unpack('>I', plain[off:off+4]); v = plain[off+4:off+4+l].decode(); off += 4 + l
        pairs.append(k + '=' + v)
    print(hex(w0), sid, ','.join(pairs))
"""#
        let result = try python(script, input: wire)
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertEqual(String(decoding: result.out, as: UTF8.self),
                       "0x80030002 1 \n0x80030002 3 status=200 OK,version=HTTP/1.1\n")
    }
}
