import CArchive
import Foundation

/// libarchive's last error on `a`, naming the operation and object.
func archiveError(_ a: OpaquePointer?, _ what: String, kind: ImageStoreError.Kind = .invalidArchive) -> ImageStoreError {
    let text = a.flatMap { archive_error_string($0) }.map { String(cString: $0) } ?? "unknown libarchive error"
    let err = a.map { archive_errno($0) } ?? 0
    return ImageStoreError(kind, "\(what): \(text)" + (err > 0 ? " (errno \(err))" : ""))
}

/// An entry path made safe to join under a directory: leading "/" and "./" dropped, "." components removed,
/// ".." refused (a layer or archive must never write outside its directory). Works on bytes, since tar names
/// need not be UTF-8. Returns nil for the archive root itself ("./", "/").
func sanitizeEntryPath(_ raw: UnsafePointer<CChar>, what: String) throws -> [UInt8]? {
    let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), count: strlen(raw)))
    var parts: [ArraySlice<UInt8>] = []
    for part in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
        if part.elementsEqual([UInt8(ascii: ".")]) { continue }
        if part.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
            throw ImageStoreError(.invalidArchive, "\(what): entry \(String(decoding: bytes, as: UTF8.self)) escapes its directory")
        }
        parts.append(part)
    }
    if parts.isEmpty { return nil }
    return Array(parts.joined(separator: [UInt8(ascii: "/")]))
}

/// Reads an archive file (tar, optionally gzip/zstd/xz-compressed) and writes its directories and regular files
/// under `dir` — the outer archive of `docker save` / OCI layouts. Symlinks and hardlinks to files inside the
/// archive (legacy `docker save` links a repeated layer.tar to its first copy) become hard links, so every name
/// is a plain file that can be renamed into the content store on its own. Other entry types are skipped.
/// Returns the relative paths written.
@discardableResult
func extractPlainFiles(archive path: String, into dir: String) throws -> [String] {
    guard let a = archive_read_new() else { throw ImageStoreError(.io, "archive_read_new: out of memory") }
    defer { archive_read_free(a) }
    archive_read_support_filter_all(a)
    archive_read_support_format_tar(a)
    guard archive_read_open_filename(a, path, 1 << 16) == ARCHIVE_OK else {
        throw archiveError(a, "open archive \(path)")
    }
    var written: [String] = []
    var links: [(name: String, target: String)] = []  // made once every file is there
    var entry: OpaquePointer?
    while true {
        let r = archive_read_next_header(a, &entry)
        if r == ARCHIVE_EOF { break }
        guard r == ARCHIVE_OK || r == ARCHIVE_WARN, let entry else { throw archiveError(a, "read archive \(path)") }
        guard let name = archive_entry_pathname(entry),
              let rel = try sanitizeEntryPath(name, what: "archive \(path)") else { continue }
        let relPath = String(decoding: rel, as: UTF8.self)
        let target = dir + "/" + relPath
        if let hard = archive_entry_hardlink(entry) {
            if let t = try sanitizeEntryPath(hard, what: "archive \(path)") { links.append((relPath, String(decoding: t, as: UTF8.self))) }
            continue
        }
        switch archive_entry_filetype(entry) {
        case UInt32(0o040000):  // directory
            try makeDirectories(target)
        case UInt32(0o100000):  // regular file
            try makeDirectories((target as NSString).deletingLastPathComponent)
            let fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw ImageStoreError.sys("open", target) }
            let rr = archive_read_data_into_fd(a, fd)
            let closed = close(fd)
            guard rr == ARCHIVE_OK || rr == ARCHIVE_WARN else { throw archiveError(a, "extract \(relPath) from \(path)") }
            guard closed == 0 else { throw ImageStoreError.sys("close", target) }
            written.append(relPath)
        case UInt32(0o120000):  // symlink: resolved relative to its directory, and must stay inside the archive
            guard let raw = archive_entry_symlink(entry), raw.pointee != 0, raw.pointee != CChar(UInt8(ascii: "/")) else { continue }
            let joined = ((relPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent(String(cString: raw))
            guard let inside = lexicallyNormalized(joined) else { continue }
            links.append((relPath, inside))
        default:
            continue
        }
    }
    // A link may point at another link: make them in passes until none is left or none can be made.
    while !links.isEmpty {
        var rest: [(name: String, target: String)] = []
        for link in links {
            let name = dir + "/" + link.name
            try makeDirectories((name as NSString).deletingLastPathComponent)
            if Foundation.link(dir + "/" + link.target, name) == 0 { written.append(link.name) } else { rest.append(link) }
        }
        if rest.count == links.count {
            throw ImageStoreError(.invalidArchive, "archive \(path): \(rest[0].name) links to \(rest[0].target), which is not a file in the archive")
        }
        links = rest
    }
    return written
}

/// `a/b/../c` → `a/c`, without touching the file system; nil if it climbs above its start.
func lexicallyNormalized(_ path: String) -> String? {
    var parts: [Substring] = []
    for part in path.split(separator: "/") where part != "." {
        if part == ".." {
            if parts.isEmpty { return nil }
            parts.removeLast()
        } else {
            parts.append(part)
        }
    }
    return parts.isEmpty ? nil : parts.joined(separator: "/")
}

/// `mkdir -p` with mode 0755.
func makeDirectories(_ path: String) throws {
    var st = stat()
    if stat(path, &st) == 0 {
        if (st.st_mode & S_IFMT) == S_IFDIR { return }
        throw ImageStoreError(.io, "mkdir \(path): exists and is not a directory")
    }
    let parent = (path as NSString).deletingLastPathComponent
    if !parent.isEmpty && parent != path { try makeDirectories(parent) }
    if mkdir(path, 0o755) != 0 && errno != EEXIST { throw ImageStoreError.sys("mkdir", path) }
}
