import CArchive
import Foundation
import XCTest
@testable import ImageStore

/// One entry of a tar built by a test.
struct TarEntry {
    enum Kind {
        case file(Data)
        case dir
        case symlink(String)
        case hardlink(String)
    }

    var path: String
    var kind: Kind
    var mode: UInt32 = 0o644
    var uid: Int64 = 0
    var gid: Int64 = 0
    var xattrs: [String: String] = [:]

    static func file(_ path: String, _ text: String, mode: UInt32 = 0o644, uid: Int64 = 0, gid: Int64 = 0,
                     xattrs: [String: String] = [:]) -> TarEntry {
        TarEntry(path: path, kind: .file(Data(text.utf8)), mode: mode, uid: uid, gid: gid, xattrs: xattrs)
    }

    static func dir(_ path: String, mode: UInt32 = 0o755) -> TarEntry {
        TarEntry(path: path, kind: .dir, mode: mode)
    }
}

enum Compression { case none, gzip, zstd }

/// Tars, compression and OCI/docker-save archives made with libarchive, deterministic (fixed mtimes).
enum Fixtures {
    static func check(_ r: Int32, _ a: OpaquePointer, _ what: String) throws {
        guard r >= ARCHIVE_WARN else {
            throw ImageStoreError(.io, "\(what): \(String(cString: archive_error_string(a)))")
        }
    }

    /// An uncompressed pax tar of `entries`.
    static func tar(_ entries: [TarEntry]) throws -> Data {
        let path = NSTemporaryDirectory() + "fixture-\(UUID().uuidString).tar"
        defer { unlink(path) }
        let a = archive_write_new()!
        defer { archive_write_free(a) }
        try check(archive_write_set_format_pax_restricted(a), a, "format")
        try check(archive_write_open_filename(a, path), a, "open")
        for e in entries {
            let entry = archive_entry_new()!
            defer { archive_entry_free(entry) }
            archive_entry_set_pathname(entry, e.path)
            archive_entry_set_uid(entry, e.uid)
            archive_entry_set_gid(entry, e.gid)
            archive_entry_set_mtime(entry, 1_700_000_000, 0)
            var body = Data()
            switch e.kind {
            case .file(let d):
                archive_entry_set_filetype(entry, UInt32(0o100000))
                archive_entry_set_size(entry, Int64(d.count))
                body = d
            case .dir:
                archive_entry_set_filetype(entry, UInt32(0o040000))
            case .symlink(let target):
                archive_entry_set_filetype(entry, UInt32(0o120000))
                archive_entry_set_symlink(entry, target)
            case .hardlink(let target):
                archive_entry_set_filetype(entry, UInt32(0o100000))
                archive_entry_set_hardlink(entry, target)
                archive_entry_set_size(entry, 0)
            }
            archive_entry_set_perm(entry, e.mode)
            for (k, v) in e.xattrs { archive_entry_xattr_add_entry(entry, k, v, v.utf8.count) }
            try check(archive_write_header(a, entry), a, "header \(e.path)")
            if !body.isEmpty {
                let n = body.withUnsafeBytes { archive_write_data(a, $0.baseAddress, $0.count) }
                XCTAssertEqual(n, body.count)
            }
        }
        try check(archive_write_close(a), a, "close")
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// `data` through gzip or zstd (libarchive's raw format: the stream, no container).
    static func compress(_ data: Data, _ c: Compression) throws -> Data {
        if c == .none { return data }
        let path = NSTemporaryDirectory() + "fixture-\(UUID().uuidString).z"
        defer { unlink(path) }
        let a = archive_write_new()!
        defer { archive_write_free(a) }
        try check(archive_write_set_format_raw(a), a, "raw")
        try check(c == .gzip ? archive_write_add_filter_gzip(a) : archive_write_add_filter_zstd(a), a, "filter")
        // No timestamp in the gzip header, so the same layer always has the same digest.
        if c == .gzip { try check(archive_write_set_options(a, "gzip:!timestamp"), a, "gzip options") }
        try check(archive_write_open_filename(a, path), a, "open")
        let entry = archive_entry_new()!
        defer { archive_entry_free(entry) }
        archive_entry_set_filetype(entry, UInt32(0o100000))
        archive_entry_set_pathname(entry, "data")
        try check(archive_write_header(a, entry), a, "header")
        _ = data.withUnsafeBytes { archive_write_data(a, $0.baseAddress, $0.count) }
        try check(archive_write_close(a), a, "close")
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// A tar of every file under `dir` (paths relative to it), optionally compressed: the outer archive.
    static func archive(directory dir: String, to path: String, compression: Compression = .none) throws {
        var entries: [TarEntry] = []
        let files = FileManager.default.enumerator(atPath: dir)!.compactMap { $0 as? String }.sorted()
        for rel in files {
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: dir + "/" + rel, isDirectory: &isDir)
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/" + rel) {
                entries.append(TarEntry(path: rel, kind: .symlink(target), mode: 0o777))
            } else if isDir.boolValue {
                entries.append(.dir(rel))
            } else {
                entries.append(TarEntry(path: rel, kind: .file(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + rel)))))
            }
        }
        try compress(try tar(entries), compression).write(to: URL(fileURLWithPath: path))
    }

    struct Layer {
        var entries: [TarEntry]
        var compression: Compression

        var mediaType: String {
            switch compression {
            case .none: return "application/vnd.oci.image.layer.v1.tar"
            case .gzip: return "application/vnd.oci.image.layer.v1.tar+gzip"
            case .zstd: return "application/vnd.oci.image.layer.v1.tar+zstd"
            }
        }
    }

    struct BuiltImage {
        var configDigest: String
        var manifestDigest: String
        var layerDigests: [String]
        var diffIDs: [String]
    }

    static func json(_ object: Any) -> Data {
        try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    static func writeBlob(_ data: Data, in layout: String) throws -> String {
        let digest = Digest.of(data)
        try FileManager.default.createDirectory(atPath: layout + "/blobs/sha256", withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: layout + "/blobs/sha256/" + Digest.hex(digest)))
        return digest
    }

    static func config(diffIDs: [String], cmd: [String] = ["/bin/sh"], architecture: String = "amd64", extra: [String: Any] = [:]) -> [String: Any] {
        var c: [String: Any] = ["Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": cmd]
        for (k, v) in extra { c[k] = v }
        return ["architecture": architecture, "os": "linux", "created": "2024-01-01T00:00:00Z",
                "config": c, "rootfs": ["type": "layers", "diff_ids": diffIDs]]
    }

    /// Writes one image (config, layers, manifest) into an OCI layout directory; returns its digests.
    /// `corruptLayer` flips a byte of that layer's blob after it is named (to test digest checks);
    /// `wrongDiffID` makes the config lie about that layer's diff_id.
    static func writeImage(_ layers: [Layer], in layout: String, cmd: [String] = ["/bin/sh"],
                           architecture: String = "amd64", configExtra: [String: Any] = [:],
                           corruptLayer: Int? = nil, wrongDiffID: Int? = nil) throws -> BuiltImage {
        var diffIDs: [String] = []
        var descs: [[String: Any]] = []
        var digests: [String] = []
        for (i, l) in layers.enumerated() {
            let plain = try tar(l.entries)
            diffIDs.append(i == wrongDiffID ? Digest.of(Data("not this".utf8)) : Digest.of(plain))
            var blob = try compress(plain, l.compression)
            let digest = try writeBlob(blob, in: layout)
            if i == corruptLayer {
                blob[blob.count / 2] ^= 0xff
                try blob.write(to: URL(fileURLWithPath: layout + "/blobs/sha256/" + Digest.hex(digest)))
            }
            digests.append(digest)
            descs.append(["mediaType": l.mediaType, "digest": digest, "size": blob.count])
        }
        let configData = json(config(diffIDs: diffIDs, cmd: cmd, architecture: architecture, extra: configExtra))
        let configDigest = try writeBlob(configData, in: layout)
        let manifest = json(["schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                             "config": ["mediaType": "application/vnd.oci.image.config.v1+json", "digest": configDigest, "size": configData.count],
                             "layers": descs])
        let manifestDigest = try writeBlob(manifest, in: layout)
        return BuiltImage(configDigest: configDigest, manifestDigest: manifestDigest, layerDigests: digests, diffIDs: diffIDs)
    }

    /// oci-layout and index.json listing `manifests` (descriptor objects).
    static func writeIndex(_ manifests: [[String: Any]], in layout: String) throws {
        try json(["imageLayoutVersion": "1.0.0"]).write(to: URL(fileURLWithPath: layout + "/oci-layout"))
        try json(["schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests])
            .write(to: URL(fileURLWithPath: layout + "/index.json"))
    }

    static func descriptor(_ digest: String, in layout: String, mediaType: String = "application/vnd.oci.image.manifest.v1+json",
                           name: String? = nil, platform: [String: String]? = nil) -> [String: Any] {
        let size = (try? FileManager.default.attributesOfItem(atPath: layout + "/blobs/sha256/" + Digest.hex(digest))[.size] as? Int) ?? 0
        var d: [String: Any] = ["mediaType": mediaType, "digest": digest, "size": size]
        if let name { d["annotations"] = ["org.opencontainers.image.ref.name": name] }
        if let platform { d["platform"] = platform }
        return d
    }

    static var busybox: Data {
        get throws { try Data(contentsOf: URL(fileURLWithPath: "/bin/busybox")) }
    }

    /// A busybox base layer: the static binary, a few applet symlinks, files with owners, modes, a hardlink
    /// and an xattr, and a directory that the upper layer makes opaque.
    static func baseLayer(_ compression: Compression) throws -> Layer {
        Layer(entries: [
            .dir("bin"),
            TarEntry(path: "bin/busybox", kind: .file(try busybox), mode: 0o755),
            TarEntry(path: "bin/sh", kind: .symlink("busybox"), mode: 0o777),
            TarEntry(path: "bin/ls", kind: .symlink("/bin/busybox"), mode: 0o777),
            .dir("etc"),
            .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n"),
            .file("etc/removeme", "gone in the upper layer\n"),
            .file("etc/owned", "secret\n", mode: 0o640, uid: 1000, gid: 1000, xattrs: ["user.origin": "fixture"]),
            TarEntry(path: "etc/owned-link", kind: .hardlink("etc/owned"), mode: 0o640, uid: 1000, gid: 1000),
            .dir("data", mode: 0o750),
            .file("data/old1", "old\n"),
            .file("data/old2", "old\n"),
            TarEntry(path: "tmp", kind: .dir, mode: 0o1777),
        ], compression: compression)
    }

    /// Upper layer: whiteout of etc/removeme, data/ made opaque with one new file.
    static func upperLayer(_ compression: Compression) -> Layer {
        Layer(entries: [
            .dir("etc"),
            .file("etc/.wh.removeme", ""),
            .dir("data", mode: 0o750),
            .file("data/.wh..wh..opq", ""),
            .file("data/new", "new\n"),
        ], compression: compression)
    }
}

/// A scratch directory removed at the end of the test.
final class TempDir {
    let path: String

    init(_ label: String = "imagestore") {
        path = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs a program, returning its exit status and combined output.
@discardableResult
func runCommand(_ args: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: args[0])
    p.arguments = Array(args.dropFirst())
    if let environment { p.environment = environment }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

func xattr(_ path: String, _ name: String) -> String? {
    var buf = [UInt8](repeating: 0, count: 256)
    let n = lgetxattr(path, name, &buf, buf.count)
    return n < 0 ? nil : String(decoding: buf[0..<n], as: UTF8.self)
}

func lstatOf(_ path: String) -> stat? {
    var st = stat()
    return lstat(path, &st) == 0 ? st : nil
}

func directoryEntries(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
}
