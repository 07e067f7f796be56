import CArchive
import Foundation

/// Unpacks one layer blob (tar, tar+gzip, tar+zstd, … — libarchive detects the filter) into a directory that
/// overlayfs can use as a lower dir, and computes the layer's diff_id on the way, in a single pass.
///
/// Whiteouts are translated to overlayfs' form: `.wh.NAME` → a 0/0 character device NAME, `.wh..wh..opq` →
/// `trusted.overlay.opaque=y` on the directory. Ownership, modes, times, symlinks, hardlinks and xattrs are kept
/// (this runs as root). The caller unpacks into a fresh temporary directory and renames it into place.
enum LayerUnpacker {
    struct Result {
        /// sha256 of the uncompressed tar stream.
        var diffID: String
        /// Bytes of the regular files written.
        var unpackedSize: Int64
    }

    static let whiteoutPrefix = ".wh."
    static let opaqueMarker = ".wh..wh..opq"
    static let opaqueXattr = "trusted.overlay.opaque"

    /// `dest` must exist, be empty and be a real path (no symlinks: libarchive refuses to write through them).
    static func unpack(blob path: String, into dest: String, what: String) throws -> Result {
        let source = try DecompressedSource(path: path, what: what)
        guard let tar = archive_read_new() else { throw ImageStoreError(.io, "\(what): archive_read_new failed") }
        defer { archive_read_free(tar) }
        archive_read_support_format_tar(tar)
        let ctx = Unmanaged.passUnretained(source).toOpaque()
        guard archive_read_open(tar, ctx, nil, decompressedRead, nil) == ARCHIVE_OK else {
            throw source.failure ?? archiveError(tar, "\(what): read tar")
        }
        guard let disk = archive_write_disk_new() else { throw ImageStoreError(.io, "\(what): archive_write_disk_new failed") }
        defer { archive_write_free(disk) }
        // Numeric uid/gid (no name lookup: the host's /etc/passwd is not the image's). No FFLAGS: an immutable
        // file would make the layer impossible to garbage-collect.
        let flags = ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR
            | ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT
            | ARCHIVE_EXTRACT_SPARSE
        archive_write_disk_set_options(disk, flags)

        var opaqueDirs: [[UInt8]] = []
        var unpacked: Int64 = 0
        let destBytes = Array(dest.utf8)
        func absolute(_ rel: [UInt8]) -> [CChar] {
            (destBytes + [UInt8(ascii: "/")] + rel + [0]).map { CChar(bitPattern: $0) }
        }

        var entry: OpaquePointer?
        while true {
            let r = archive_read_next_header(tar, &entry)
            if r == ARCHIVE_EOF { break }
            guard r == ARCHIVE_OK || r == ARCHIVE_WARN, let entry else {
                throw source.failure ?? archiveError(tar, "\(what): read tar")
            }
            guard let rawName = archive_entry_pathname(entry),
                  let rel = try sanitizeEntryPath(rawName, what: what) else { continue }
            let slash = rel.lastIndex(of: UInt8(ascii: "/"))
            let base = Array(slash.map { rel[rel.index(after: $0)...] } ?? rel[...])
            let parent = slash.map { Array(rel[..<$0]) }

            if base.starts(with: Array(whiteoutPrefix.utf8)) {
                if base == Array(opaqueMarker.utf8) {
                    opaqueDirs.append(parent ?? [])
                    continue
                }
                if base.starts(with: Array("\(whiteoutPrefix)\(whiteoutPrefix)".utf8)) { continue }  // aufs metadata
                let hidden = Array(base.dropFirst(whiteoutPrefix.utf8.count))
                let target = (parent.map { $0 + [UInt8(ascii: "/")] } ?? []) + hidden
                // overlayfs whiteout: a character device with device number 0/0, no permission bits.
                absolute(target).withUnsafeBufferPointer { archive_entry_set_pathname(entry, $0.baseAddress) }
                archive_entry_set_filetype(entry, UInt32(0o020000))
                archive_entry_set_perm(entry, 0)
                archive_entry_set_rdev(entry, 0)
                archive_entry_set_size(entry, 0)
                archive_entry_set_hardlink(entry, nil)
                archive_entry_set_symlink(entry, nil)
                try writeHeader(disk, entry, what: what, name: target)
                guard archive_write_finish_entry(disk) >= ARCHIVE_WARN else {
                    throw archiveError(disk, "\(what): whiteout \(String(decoding: target, as: UTF8.self))", kind: .io)
                }
                continue
            }

            absolute(rel).withUnsafeBufferPointer { archive_entry_set_pathname(entry, $0.baseAddress) }
            if let link = archive_entry_hardlink(entry) {
                guard let linkRel = try sanitizeEntryPath(link, what: what) else {
                    throw ImageStoreError(.invalidArchive, "\(what): hardlink \(String(decoding: rel, as: UTF8.self)) points at the layer root")
                }
                absolute(linkRel).withUnsafeBufferPointer { archive_entry_set_hardlink(entry, $0.baseAddress) }
            } else if archive_entry_filetype(entry) == UInt32(0o100000) {
                unpacked += archive_entry_size(entry)
            }
            try writeHeader(disk, entry, what: what, name: rel)
            if archive_entry_size_is_set(entry) != 0 && archive_entry_size(entry) > 0 {
                try copyData(from: tar, to: disk, source: source, what: what, name: rel)
            }
            let f = archive_write_finish_entry(disk)
            guard f == ARCHIVE_OK || f == ARCHIVE_WARN else {
                throw archiveError(disk, "\(what): write \(String(decoding: rel, as: UTF8.self))", kind: .io)
            }
        }
        // Directory modes and times are fixed up at close, after their contents were written.
        guard archive_write_close(disk) == ARCHIVE_OK else { throw archiveError(disk, "\(what): finish unpacking", kind: .io) }
        // The tar reader stops at the end-of-archive blocks; the diff_id covers the whole stream, padding included.
        try source.drain()
        if let failure = source.failure { throw failure }

        for dir in opaqueDirs {
            let path = dest + (dir.isEmpty ? "" : "/" + String(decoding: dir, as: UTF8.self))
            try makeDirectories(path)
            guard setxattr(path, opaqueXattr, "y", 1, 0) == 0 else { throw ImageStoreError.sys("setxattr \(opaqueXattr)", path) }
        }
        return Result(diffID: source.hasher.finalize(), unpackedSize: unpacked)
    }

    private static func writeHeader(_ disk: OpaquePointer, _ entry: OpaquePointer, what: String, name: [UInt8]) throws {
        let w = archive_write_header(disk, entry)
        guard w == ARCHIVE_OK || w == ARCHIVE_WARN else {
            throw archiveError(disk, "\(what): create \(String(decoding: name, as: UTF8.self))", kind: .io)
        }
    }

    private static func copyData(from tar: OpaquePointer, to disk: OpaquePointer, source: DecompressedSource,
                                 what: String, name: [UInt8]) throws {
        var buf: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        while true {
            let r = archive_read_data_block(tar, &buf, &size, &offset)
            if r == ARCHIVE_EOF { return }
            guard r == ARCHIVE_OK || r == ARCHIVE_WARN else {
                throw source.failure ?? archiveError(tar, "\(what): read \(String(decoding: name, as: UTF8.self))")
            }
            let w = archive_write_data_block(disk, buf, size, offset)
            guard w >= 0 else { throw archiveError(disk, "\(what): write \(String(decoding: name, as: UTF8.self))", kind: .io) }
        }
    }
}

/// The blob, decompressed by libarchive's "raw" format reader, fed to the tar reader through a callback —
/// so the uncompressed bytes can be hashed (diff_id) while they are unpacked.
private final class DecompressedSource {
    let raw: OpaquePointer
    var hasher = DigestStream()
    var failure: ImageStoreError?
    let buffer: UnsafeMutableRawPointer
    let bufferSize = 1 << 20
    let what: String

    init(path: String, what: String) throws {
        guard let a = archive_read_new() else { throw ImageStoreError(.io, "\(what): archive_read_new failed") }
        raw = a
        buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 16)
        self.what = what
        archive_read_support_filter_all(a)
        archive_read_support_format_raw(a)
        guard archive_read_open_filename(a, path, 1 << 16) == ARCHIVE_OK else {
            throw archiveError(a, "\(what): open \(path)")
        }
        var entry: OpaquePointer?
        guard archive_read_next_header(a, &entry) == ARCHIVE_OK else { throw archiveError(a, "\(what): read \(path)") }
    }

    deinit {
        archive_read_free(raw)
        buffer.deallocate()
    }

    /// Next chunk of uncompressed bytes: >0 bytes, 0 at the end, -1 on error (kept in `failure`).
    func next(_ out: UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int {
        let n = archive_read_data(raw, buffer, bufferSize)
        if n < 0 {
            failure = archiveError(raw, "\(what): decompress")
            return -1
        }
        if n > 0 { hasher.update(UnsafeRawBufferPointer(start: buffer, count: n)) }
        out?.pointee = UnsafeRawPointer(buffer)
        return n
    }

    func drain() throws {
        while true {
            let n = next(nil)
            if n < 0 { throw failure! }
            if n == 0 { return }
        }
    }
}

private let decompressedRead: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UnsafeRawPointer?>?) -> la_ssize_t = { _, ctx, out in
    guard let ctx else { return -1 }
    return la_ssize_t(Unmanaged<DecompressedSource>.fromOpaque(ctx).takeUnretainedValue().next(out))
}
