/// Parses frames from a byte stream delivered in arbitrary chunks (a WebSocket message may hold part of a frame,
/// or several). Header blocks share one inflate stream, so a session uses one decoder for everything it receives.
public final class SPDYFrameDecoder {
    private let inflater: HeaderInflater
    private var buffer: [UInt8] = []
    private var consumed = 0
    /// Frames larger than this are refused rather than buffered (a port-forward client sends small frames).
    public let maxFrameSize: Int

    public init(maxFrameSize: Int = 16 << 20) throws {
        inflater = try HeaderInflater()
        self.maxFrameSize = maxFrameSize
    }

    /// Appends bytes and returns every frame they complete (possibly none).
    public func feed(_ bytes: [UInt8]) throws -> [SPDYFrame] {
        buffer.append(contentsOf: bytes)
        var frames: [SPDYFrame] = []
        while let frame = try next() { frames.append(frame) }
        // Drop what was parsed once it is worth the copy, so a long session does not grow the buffer forever.
        if consumed > 0 && (consumed == buffer.count || consumed > 64 << 10) {
            buffer.removeFirst(consumed)
            consumed = 0
        }
        return frames
    }

    private func next() throws -> SPDYFrame? {
        let available = buffer.count - consumed
        guard available >= 8 else { return nil }
        let head = buffer[consumed..<consumed + 8]
        let word0 = head.readUInt32(at: 0), word1 = head.readUInt32(at: 4)
        let flags = UInt8(word1 >> 24)
        let length = Int(word1 & 0x00ff_ffff)
        guard length <= maxFrameSize else { throw SPDYError.malformedFrame("frame of \(length) bytes exceeds \(maxFrameSize)") }
        guard available >= 8 + length else { return nil }
        let body = buffer[consumed + 8..<consumed + 8 + length]
        consumed += 8 + length

        if word0 & 0x8000_0000 == 0 {
            return .data(streamID: word0 & 0x7fff_ffff, flags: flags, payload: Array(body))
        }
        let version = UInt16((word0 >> 16) & 0x7fff)
        guard version == SPDYFrame.version else { throw SPDYError.unsupportedVersion(version) }
        let rawType = UInt16(word0 & 0xffff)
        guard let type = SPDYFrame.ControlType(rawValue: rawType) else {
            return .unknownControl(type: rawType, flags: flags, payload: Array(body))
        }
        func need(_ n: Int) throws {
            guard body.count >= n else { throw SPDYError.malformedFrame("\(type) needs \(n) bytes, has \(body.count)") }
        }
        switch type {
        case .synStream:
            try need(10)
            let headers = try decodeHeaders(body.dropFirst(10))
            return .synStream(streamID: body.readUInt32(at: 0) & 0x7fff_ffff,
                              associatedToStreamID: body.readUInt32(at: 4) & 0x7fff_ffff,
                              priority: body[body.startIndex + 8] >> 5, slot: body[body.startIndex + 9],
                              flags: flags, headers: headers)
        case .synReply:
            try need(4)
            return .synReply(streamID: body.readUInt32(at: 0) & 0x7fff_ffff, flags: flags,
                             headers: try decodeHeaders(body.dropFirst(4)))
        case .headers:
            try need(4)
            return .headers(streamID: body.readUInt32(at: 0) & 0x7fff_ffff, flags: flags,
                            headers: try decodeHeaders(body.dropFirst(4)))
        case .rstStream:
            try need(8)
            return .rstStream(streamID: body.readUInt32(at: 0) & 0x7fff_ffff, status: body.readUInt32(at: 4))
        case .settings:
            try need(4)
            let count = Int(body.readUInt32(at: 0))
            guard count <= (body.count - 4) / 8 else { throw SPDYError.malformedFrame("SETTINGS count \(count) exceeds its length") }
            let entries = (0..<count).map { i -> SPDYSetting in
                let idWord = body.readUInt32(at: 4 + 8 * i)
                return SPDYSetting(flags: UInt8(idWord >> 24), id: idWord & 0x00ff_ffff, value: body.readUInt32(at: 8 + 8 * i))
            }
            return .settings(flags: flags, entries: entries)
        case .ping:
            try need(4)
            return .ping(id: body.readUInt32(at: 0))
        case .goAway:
            try need(4)
            // Some peers send the older 4-byte GOAWAY; treat a missing status as OK (0).
            let status = body.count >= 8 ? body.readUInt32(at: 4) : 0
            return .goAway(lastGoodStreamID: body.readUInt32(at: 0) & 0x7fff_ffff, status: status)
        case .windowUpdate:
            try need(8)
            return .windowUpdate(streamID: body.readUInt32(at: 0) & 0x7fff_ffff,
                                 deltaWindowSize: body.readUInt32(at: 4) & 0x7fff_ffff)
        }
    }

    private func decodeHeaders(_ compressed: ArraySlice<UInt8>) throws -> [String: String] {
        // Always inflate, even for frames we ignore: the zlib context spans every block of the session.
        // An absent block (zero bytes) means no headers; it leaves the zlib context untouched.
        if compressed.isEmpty { return [:] }
        return try HeaderBlock.decode(inflater.decompress(compressed))
    }
}
