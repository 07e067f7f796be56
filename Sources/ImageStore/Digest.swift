import Crypto
import Foundation

/// `sha256:<64 hex>` digests: the only algorithm OCI registries and archives use in practice.
enum Digest {
    static let prefix = "sha256:"

    /// True for a well-formed sha256 digest (lowercase hex, as the OCI spec requires).
    static func isValid(_ s: String) -> Bool {
        guard s.hasPrefix(prefix) else { return false }
        let hex = s.utf8.dropFirst(prefix.utf8.count)
        return hex.count == 64 && hex.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// The hex part, used as a file name in the content store.
    static func hex(_ digest: String) -> String {
        String(digest.dropFirst(prefix.count))
    }

    static func of(_ data: Data) -> String {
        prefix + SHA256.hash(data: data).hexString
    }

    /// Hashes a file in 1 MiB chunks (blobs can be large); returns the digest and the byte count.
    static func ofFile(_ path: String) throws -> (digest: String, size: Int64) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImageStoreError.sys("open", path) }
        defer { close(fd) }
        var hasher = DigestStream()
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buf.deallocate() }
        while true {
            let n = read(fd, buf.baseAddress, buf.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw ImageStoreError.sys("read", path)
            }
            if n == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buf[0..<n]))
        }
        return (hasher.finalize(), hasher.count)
    }
}

/// Incremental sha256 over a stream (downloads, decompressed layers), counting bytes as it goes.
struct DigestStream {
    private var hasher = SHA256()
    private(set) var count: Int64 = 0

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
        count += Int64(bytes.count)
    }

    mutating func update(_ data: Data) {
        data.withUnsafeBytes { update($0) }
    }

    func finalize() -> String {
        Digest.prefix + hasher.finalize().hexString
    }
}

extension Sequence where Element == UInt8 {
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for b in self {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
