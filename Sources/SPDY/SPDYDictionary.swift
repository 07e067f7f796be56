/// The zlib preset dictionary that SPDY/3 mandates for header blocks (draft 3, section 2.6.10.1).
///
/// The spec prints it as 1423 raw bytes. It is rebuilt here from its structure: a run of words, each prefixed by
/// its 32-bit big-endian length (the same shape as a header block entry, so names compress well), followed by
/// one unprefixed run of status codes, reason phrases, dates and common values.
/// Both peers must use exactly these bytes: zlib checks the dictionary's Adler-32 (0xe3c6a7c2).
public enum SPDYDictionary {
    static let lengthPrefixedWords: [String] = [
        "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding",
        "accept-language", "accept-ranges", "age", "allow", "authorization", "cache-control", "connection",
        "content-base", "content-encoding", "content-language", "content-length", "content-location", "content-md5",
        "content-range", "content-type", "date", "etag", "expect", "expires", "from", "host", "if-match",
        "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified", "location",
        "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization", "range", "referer", "retry-after",
        "server", "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via", "warning",
        "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url", "public",
        "set-cookie", "keep-alive", "origin",
    ]

    static let trailingText: String =
        "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
        + "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"
        + "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"
        + "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
        + "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
        + "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0."

    /// The 1423 dictionary bytes.
    public static let bytes: [UInt8] = {
        var out: [UInt8] = []
        out.reserveCapacity(1423)
        for word in lengthPrefixedWords {
            out.appendUInt32(UInt32(word.utf8.count))
            out.append(contentsOf: word.utf8)
        }
        out.append(contentsOf: trailingText.utf8)
        return out
    }()
}

extension Array where Element == UInt8 {
    /// Appends `value` in network byte order (every SPDY integer is big-endian).
    mutating func appendUInt32(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    mutating func appendUInt16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }
}

extension ArraySlice where Element == UInt8 {
    /// Big-endian 32-bit integer at `offset` (relative to startIndex); the caller checks the length.
    func readUInt32(at offset: Int) -> UInt32 {
        let i = startIndex + offset
        return UInt32(self[i]) << 24 | UInt32(self[i + 1]) << 16 | UInt32(self[i + 2]) << 8 | UInt32(self[i + 3])
    }
}
