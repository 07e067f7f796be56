import CZlib

/// Compresses header blocks for one direction of a session. SPDY keeps a single zlib stream per direction for
/// the whole connection, so this object must live as long as the session and see every block in order.
final class HeaderDeflater {
    private let stream: UnsafeMutablePointer<z_stream>

    init() throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard czlib_deflate_init(stream, Z_DEFAULT_COMPRESSION) == Z_OK else {
            stream.deallocate()
            throw SPDYError.compression("deflateInit failed")
        }
        let status = SPDYDictionary.bytes.withUnsafeBufferPointer {
            deflateSetDictionary(stream, $0.baseAddress, uInt($0.count))
        }
        guard status == Z_OK else {
            deflateEnd(stream)
            stream.deallocate()
            throw SPDYError.compression("deflateSetDictionary failed (\(status))")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Compresses `plain` and sync-flushes, so the peer can decode this block without waiting for more bytes.
    func compress(_ plain: [UInt8]) throws -> [UInt8] {
        var input = plain
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        try input.withUnsafeMutableBufferPointer { inBuf in
            stream.pointee.next_in = inBuf.baseAddress
            stream.pointee.avail_in = uInt(inBuf.count)
            repeat {
                let produced = try chunk.withUnsafeMutableBufferPointer { outBuf -> Int in
                    stream.pointee.next_out = outBuf.baseAddress
                    stream.pointee.avail_out = uInt(outBuf.count)
                    let status = deflate(stream, Z_SYNC_FLUSH)
                    guard status == Z_OK || status == Z_BUF_ERROR else {
                        throw SPDYError.compression("deflate failed (\(status))")
                    }
                    return outBuf.count - Int(stream.pointee.avail_out)
                }
                out.append(contentsOf: chunk[0..<produced])
            } while stream.pointee.avail_out == 0 // a full output buffer means zlib may hold more
            stream.pointee.next_in = nil
        }
        return out
    }
}

/// Decompresses header blocks received from the peer (one zlib stream for the whole session).
final class HeaderInflater {
    private let stream: UnsafeMutablePointer<z_stream>
    /// Bounds a single decoded block so a hostile peer cannot make us allocate without limit.
    let maxBlockSize: Int

    init(maxBlockSize: Int = 1 << 20) throws {
        self.maxBlockSize = maxBlockSize
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard czlib_inflate_init(stream) == Z_OK else {
            stream.deallocate()
            throw SPDYError.compression("inflateInit failed")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    func decompress(_ compressed: ArraySlice<UInt8>) throws -> [UInt8] {
        var input = Array(compressed)
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        try input.withUnsafeMutableBufferPointer { inBuf in
            stream.pointee.next_in = inBuf.baseAddress
            stream.pointee.avail_in = uInt(inBuf.count)
            defer { stream.pointee.next_in = nil }
            while true {
                let (produced, status) = chunk.withUnsafeMutableBufferPointer { outBuf -> (Int, Int32) in
                    stream.pointee.next_out = outBuf.baseAddress
                    stream.pointee.avail_out = uInt(outBuf.count)
                    let status = inflate(stream, Z_SYNC_FLUSH)
                    return (outBuf.count - Int(stream.pointee.avail_out), status)
                }
                out.append(contentsOf: chunk[0..<produced])
                if out.count > maxBlockSize { throw SPDYError.headerBlockTooLarge(maxBlockSize) }
                switch status {
                case Z_NEED_DICT:
                    // The first block announces (by Adler-32) that it was compressed with the SPDY dictionary.
                    let set = SPDYDictionary.bytes.withUnsafeBufferPointer {
                        inflateSetDictionary(stream, $0.baseAddress, uInt($0.count))
                    }
                    guard set == Z_OK else { throw SPDYError.compression("peer used a dictionary other than SPDY/3's") }
                case Z_OK, Z_BUF_ERROR:
                    // Done once all input is consumed and zlib did not fill the output (nothing left pending).
                    if stream.pointee.avail_in == 0 && produced < chunk.count { return }
                    if status == Z_BUF_ERROR && produced == 0 { return }
                case Z_STREAM_END:
                    return
                default:
                    let msg = stream.pointee.msg.map { String(cString: $0) } ?? "status \(status)"
                    throw SPDYError.compression("inflate failed: \(msg)")
                }
            }
        }
        return out
    }
}
