import Foundation
import XCTest
@testable import ImageStore

final class ImageStoreImportTests: XCTestCase {
    var tmp: TempDir!
    var mounts: [String] = []

    override func setUp() {
        tmp = TempDir("imagestore-import")
    }

    override func tearDown() {
        for m in mounts.reversed() { umount2(m, Int32(MNT_DETACH)) }
        tmp.remove()
    }

    /// An OCI archive holding one busybox image: gzip base layer + zstd upper layer with whiteouts.
    func makeOCIArchive(name: String = "docker.io/library/busybox:oci", outer: Compression = .none) throws -> (String, Fixtures.BuiltImage) {
        let layout = tmp.path + "/layout-\(UUID().uuidString.prefix(6))"
        let built = try Fixtures.writeImage([try Fixtures.baseLayer(.gzip), Fixtures.upperLayer(.zstd)], in: layout,
                                            cmd: ["sh"], configExtra: [
                                                "Entrypoint": ["/bin/busybox"], "WorkingDir": "/data", "User": "1000:1000",
                                                "ExposedPorts": ["80/tcp": [String: String](), "53/udp": [String: String]()],
                                                "Env": ["PATH=/bin", "GREETING=hello world"],
                                            ])
        try Fixtures.writeIndex([Fixtures.descriptor(built.manifestDigest, in: layout, name: name)], in: layout)
        let archive = tmp.path + "/oci-\(UUID().uuidString.prefix(6)).tar" + (outer == .gzip ? ".gz" : "")
        try Fixtures.archive(directory: layout, to: archive, compression: outer)
        return (archive, built)
    }

    func testImportOCIArchiveWithGzipAndZstdLayersAndWhiteouts() throws {
        let store = try ImageStore(dataDir: tmp.path + "/data")
        let (archive, built) = try makeOCIArchive()
        let records = try store.import(archivePath: archive)
        XCTAssertEqual(records.count, 1)
        let r = try XCTUnwrap(records.first)
        XCTAssertEqual(r.id, built.configDigest)
        XCTAssertEqual(r.names, ["docker.io/library/busybox:oci"])
        XCTAssertEqual(r.manifestDigest, built.manifestDigest)
        XCTAssertEqual(r.layers.map(\.digest), built.layerDigests)
        XCTAssertEqual(r.layers.map(\.diffID), built.diffIDs)
        XCTAssertEqual(r.layers.map(\.mediaType), ["application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.layer.v1.tar+zstd"])

        let image = try XCTUnwrap(store.resolve("busybox:oci"))
        XCTAssertEqual(image.id, built.configDigest)
        XCTAssertEqual(store.resolve("docker.io/library/busybox:oci")?.id, image.id)
        XCTAssertEqual(store.resolve(String(Digest.hex(image.id).prefix(12)))?.id, image.id)
        XCTAssertEqual(store.resolve(image.id)?.id, image.id)
        XCTAssertNil(store.resolve("busybox"))
        XCTAssertEqual(image.config.entrypoint, ["/bin/busybox"])
        XCTAssertEqual(image.config.cmd, ["sh"])
        XCTAssertEqual(image.config.env, ["PATH=/bin", "GREETING=hello world"])
        XCTAssertEqual(image.config.workingDir, "/data")
        XCTAssertEqual(image.config.user, "1000:1000")
        XCTAssertEqual(image.config.exposedPorts, ["53/udp", "80/tcp"])
        XCTAssertEqual(image.layerDirs, built.diffIDs.map { "\(store.root)/layers/\(Digest.hex($0))" })
        XCTAssertGreaterThan(image.size, Int64(try Fixtures.busybox.count))

        // Blobs are content-addressed and intact.
        for d in [built.configDigest, built.manifestDigest] + built.layerDigests {
            XCTAssertEqual(try Digest.ofFile(store.blobPath(d)).digest, d)
        }

        // The base layer: modes, owners, symlinks, hardlinks, xattrs kept.
        let base = image.layerDirs[0]
        let bb = try XCTUnwrap(lstatOf(base + "/bin/busybox"))
        XCTAssertEqual(bb.st_mode & 0o7777, 0o755)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: base + "/bin/sh"), "busybox")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: base + "/bin/ls"), "/bin/busybox")
        let owned = try XCTUnwrap(lstatOf(base + "/etc/owned"))
        XCTAssertEqual(owned.st_uid, 1000)
        XCTAssertEqual(owned.st_gid, 1000)
        XCTAssertEqual(owned.st_mode & 0o7777, 0o640)
        XCTAssertEqual(owned.st_mtim.tv_sec, 1_700_000_000)
        XCTAssertEqual(lstatOf(base + "/etc/owned-link")?.st_ino, owned.st_ino)
        XCTAssertEqual(owned.st_nlink, 2)
        XCTAssertEqual(xattr(base + "/etc/owned", "user.origin"), "fixture")
        XCTAssertEqual((lstatOf(base + "/tmp")?.st_mode ?? 0) & 0o7777, 0o1777)
        XCTAssertEqual((lstatOf(base + "/data")?.st_mode ?? 0) & 0o7777, 0o750)
        XCTAssertEqual((lstatOf(base)?.st_mode ?? 0) & 0o7777, 0o755)

        // The upper layer: overlayfs whiteout (char device 0/0) and opaque directory.
        let upper = image.layerDirs[1]
        let wh = try XCTUnwrap(lstatOf(upper + "/etc/removeme"))
        XCTAssertEqual(wh.st_mode & S_IFMT, S_IFCHR)
        XCTAssertEqual(wh.st_rdev, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: upper + "/etc/.wh.removeme"))
        XCTAssertEqual(xattr(upper + "/data", "trusted.overlay.opaque"), "y")
        XCTAssertEqual(directoryEntries(upper + "/data"), ["new"])
        XCTAssertNil(xattr(base + "/data", "trusted.overlay.opaque"))

        // And overlayfs agrees: stack the layers and look.
        let merged = try mountOverlay(image.layerDirs)
        XCTAssertFalse(FileManager.default.fileExists(atPath: merged + "/etc/removeme"))
        XCTAssertEqual(directoryEntries(merged + "/data"), ["new"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: merged + "/etc/passwd"))
        let out = try runCommand(["/usr/sbin/chroot", merged, "/bin/sh", "-c", "echo hi from $(ls /data)"])
        XCTAssertEqual(out.status, 0, out.output)
        XCTAssertEqual(out.output, "hi from new\n")

        // A mounted image cannot be removed.
        XCTAssertThrowsError(try store.remove("busybox:oci")) { error in
            XCTAssertEqual((error as? ImageStoreError)?.kind, .inUse, "\(error)")
        }
        XCTAssertNotNil(store.resolve("busybox:oci"))

        // Importing again (a gzipped outer archive this time) changes nothing and unpacks nothing new.
        let (again, _) = try makeOCIArchive(outer: .gzip)
        XCTAssertEqual(try store.import(archivePath: again).map(\.id), [built.configDigest])
        XCTAssertEqual(store.list().count, 1)
        XCTAssertEqual(directoryEntries(store.root + "/layers").count, 2)
        XCTAssertEqual(directoryEntries(store.root + "/tmp"), [])
    }

    func mountOverlay(_ layerDirs: [String]) throws -> String {
        let base = tmp.path + "/ovl-\(UUID().uuidString.prefix(6))"
        for d in ["upper", "work", "merged"] {
            try FileManager.default.createDirectory(atPath: "\(base)/\(d)", withIntermediateDirectories: true)
        }
        let opts = "lowerdir=\(layerDirs.reversed().joined(separator: ":")),upperdir=\(base)/upper,workdir=\(base)/work"
        guard mount("overlay", base + "/merged", "overlay", 0, opts) == 0 else {
            throw ImageStoreError.sys("mount overlay", base + "/merged")
        }
        mounts.append(base + "/merged")
        return base + "/merged"
    }

    func testImportDockerSaveArchive() throws {
        let store = try ImageStore(dataDir: tmp.path + "/data")
        let layout = tmp.path + "/save"
        try FileManager.default.createDirectory(atPath: layout, withIntermediateDirectories: true)
        // Legacy `docker save`: <id>.json config, <v1 id>/layer.tar (uncompressed), manifest.json, repositories.
        let layers = [try Fixtures.baseLayer(.none), Fixtures.upperLayer(.none)]
        var diffIDs: [String] = []
        var layerPaths: [String] = []
        for (i, l) in layers.enumerated() {
            let tar = try Fixtures.tar(l.entries)
            diffIDs.append(Digest.of(tar))
            let dir = String(repeating: "\(i + 1)", count: 64)
            try FileManager.default.createDirectory(atPath: "\(layout)/\(dir)", withIntermediateDirectories: true)
            try tar.write(to: URL(fileURLWithPath: "\(layout)/\(dir)/layer.tar"))
            try Data("1.0".utf8).write(to: URL(fileURLWithPath: "\(layout)/\(dir)/VERSION"))
            layerPaths.append("\(dir)/layer.tar")
        }
        let config = Fixtures.json(Fixtures.config(diffIDs: diffIDs, cmd: ["sh", "-c", "echo saved"]))
        let id = Digest.of(config)
        try config.write(to: URL(fileURLWithPath: "\(layout)/\(Digest.hex(id)).json"))
        // A second image on the first layer only: Docker links its layer.tar to the first copy.
        let config2 = Fixtures.json(Fixtures.config(diffIDs: [diffIDs[0]], cmd: ["base"]))
        let id2 = Digest.of(config2)
        try config2.write(to: URL(fileURLWithPath: "\(layout)/\(Digest.hex(id2)).json"))
        let dir3 = String(repeating: "3", count: 64)
        try FileManager.default.createDirectory(atPath: "\(layout)/\(dir3)", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(layout)/\(dir3)/layer.tar", withDestinationPath: "../\(layerPaths[0])")
        try Fixtures.json([["Config": "\(Digest.hex(id)).json", "RepoTags": ["busybox:save", "localhost:5000/bb:1"], "Layers": layerPaths],
                           ["Config": "\(Digest.hex(id2)).json", "RepoTags": ["busybox:base"], "Layers": ["\(dir3)/layer.tar"]]])
            .write(to: URL(fileURLWithPath: "\(layout)/manifest.json"))
        try Fixtures.json(["busybox": ["save": String(repeating: "2", count: 64)]]).write(to: URL(fileURLWithPath: "\(layout)/repositories"))
        let archive = tmp.path + "/save.tar.gz"
        try Fixtures.archive(directory: layout, to: archive, compression: .gzip)

        let records = try store.import(archivePath: archive)
        XCTAssertEqual(records.map(\.id), [id, id2])
        XCTAssertEqual(records[1].names, ["docker.io/library/busybox:base"])
        XCTAssertEqual(records[1].layers.map(\.diffID), [diffIDs[0]])
        XCTAssertEqual(records[0].names, ["docker.io/library/busybox:save", "localhost:5000/bb:1"])
        XCTAssertNil(records[0].manifestDigest)
        XCTAssertEqual(records[0].layers.map(\.diffID), diffIDs)
        // Uncompressed layers: blob digest = diff_id.
        XCTAssertEqual(records[0].layers.map(\.digest), diffIDs)
        let image = try XCTUnwrap(store.resolve("localhost:5000/bb:1"))
        XCTAssertEqual(image.config.cmd, ["sh", "-c", "echo saved"])
        XCTAssertEqual(lstatOf(image.layerDirs[1] + "/etc/removeme").map { $0.st_mode & S_IFMT }, S_IFCHR)
        XCTAssertEqual(xattr(image.layerDirs[1] + "/data", "trusted.overlay.opaque"), "y")

        // Same layers as the OCI image's (same tar content): the unpacked directories are shared.
        let (oci, built) = try makeOCIArchive()
        _ = try store.import(archivePath: oci)
        XCTAssertEqual(built.diffIDs, diffIDs)
        XCTAssertEqual(directoryEntries(store.root + "/layers").count, 2)
        XCTAssertEqual(store.list().count, 3)
    }

    func testImportDocker25SaveArchiveNamesFromManifestJSON() throws {
        // Docker ≥ 25 writes an OCI layout whose ref.name is a bare tag, plus a manifest.json with RepoTags.
        let store = try ImageStore(dataDir: tmp.path + "/data")
        let layout = tmp.path + "/d25"
        let built = try Fixtures.writeImage([try Fixtures.baseLayer(.none)], in: layout)
        try Fixtures.writeIndex([Fixtures.descriptor(built.manifestDigest, in: layout, name: "latest")], in: layout)
        try Fixtures.json([["Config": "blobs/sha256/\(Digest.hex(built.configDigest))", "RepoTags": ["busybox:25"],
                            "Layers": built.layerDigests.map { "blobs/sha256/\(Digest.hex($0))" }]])
            .write(to: URL(fileURLWithPath: layout + "/manifest.json"))
        try Fixtures.archive(directory: layout, to: tmp.path + "/d25.tar")
        let records = try store.import(archivePath: tmp.path + "/d25.tar")
        XCTAssertEqual(records.map(\.names), [["docker.io/library/busybox:25"]])
        XCTAssertEqual(records.first?.manifestDigest, built.manifestDigest)
    }

    func testDigestMismatchStoresNothing() throws {
        let store = try ImageStore(dataDir: tmp.path + "/data")
        // A layer blob whose bytes do not match its digest.
        let layout = tmp.path + "/bad-blob"
        let built = try Fixtures.writeImage([try Fixtures.baseLayer(.gzip), Fixtures.upperLayer(.zstd)], in: layout, corruptLayer: 1)
        try Fixtures.writeIndex([Fixtures.descriptor(built.manifestDigest, in: layout, name: "docker.io/library/bad:1")], in: layout)
        try Fixtures.archive(directory: layout, to: tmp.path + "/bad-blob.tar")
        XCTAssertThrowsError(try store.import(archivePath: tmp.path + "/bad-blob.tar")) { error in
            let e = error as? ImageStoreError
            XCTAssertEqual(e?.kind, .digestMismatch, "\(error)")
            XCTAssertTrue(e?.message.contains("import \(self.tmp.path)/bad-blob.tar") ?? false, "\(error)")
            XCTAssertTrue(e?.message.contains(built.layerDigests[1]) ?? false, "\(error)")
        }
        assertEmpty(store)

        // A config whose diff_id does not match the layer's content (the blob itself is fine).
        let layout2 = tmp.path + "/bad-diff"
        let built2 = try Fixtures.writeImage([try Fixtures.baseLayer(.gzip), Fixtures.upperLayer(.zstd)], in: layout2, wrongDiffID: 1)
        try Fixtures.writeIndex([Fixtures.descriptor(built2.manifestDigest, in: layout2, name: "docker.io/library/bad:2")], in: layout2)
        try Fixtures.archive(directory: layout2, to: tmp.path + "/bad-diff.tar")
        XCTAssertThrowsError(try store.import(archivePath: tmp.path + "/bad-diff.tar")) { error in
            XCTAssertEqual((error as? ImageStoreError)?.kind, .digestMismatch, "\(error)")
            XCTAssertTrue("\(error)".contains("uncompressed content hashes to"), "\(error)")
        }
        assertEmpty(store)

        // Not an image archive at all.
        try Fixtures.archive(directory: layout2 + "/blobs", to: tmp.path + "/junk.tar")
        XCTAssertThrowsError(try store.import(archivePath: tmp.path + "/junk.tar")) { error in
            XCTAssertEqual((error as? ImageStoreError)?.kind, .invalidArchive, "\(error)")
        }
        XCTAssertThrowsError(try store.import(archivePath: tmp.path + "/missing.tar")) { error in
            XCTAssertTrue("\(error)".contains("missing.tar"), "\(error)")
        }
        assertEmpty(store)
    }

    func assertEmpty(_ store: ImageStore, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(store.list().count, 0, file: file, line: line)
        XCTAssertEqual(directoryEntries(store.root + "/blobs/sha256"), [], file: file, line: line)
        XCTAssertEqual(directoryEntries(store.root + "/layers"), [], file: file, line: line)
        XCTAssertEqual(directoryEntries(store.root + "/tmp"), [], file: file, line: line)
    }

    func testRemoveUntagsThenDeletesAndCollectsGarbage() throws {
        let store = try ImageStore(dataDir: tmp.path + "/data")
        // Two images sharing the gzip base layer; the second has its own top layer.
        let layout = tmp.path + "/two"
        let a = try Fixtures.writeImage([try Fixtures.baseLayer(.gzip), Fixtures.upperLayer(.zstd)], in: layout)
        let b = try Fixtures.writeImage([try Fixtures.baseLayer(.gzip), Fixtures.Layer(entries: [.file("etc/b", "b\n")], compression: .gzip)],
                                        in: layout, cmd: ["echo", "b"])
        try Fixtures.writeIndex([
            Fixtures.descriptor(a.manifestDigest, in: layout, name: "docker.io/library/a:1"),
            Fixtures.descriptor(a.manifestDigest, in: layout, name: "docker.io/library/a:latest"),
            Fixtures.descriptor(b.manifestDigest, in: layout, name: "docker.io/library/b:1"),
        ], in: layout)
        try Fixtures.archive(directory: layout, to: tmp.path + "/two.tar")
        let records = try store.import(archivePath: tmp.path + "/two.tar")
        XCTAssertEqual(Set(records.map(\.id)), [a.configDigest, b.configDigest])
        XCTAssertEqual(store.resolve("a")?.names, ["docker.io/library/a:1", "docker.io/library/a:latest"])
        XCTAssertEqual(directoryEntries(store.root + "/layers").count, 3)

        // Untag one of two names: the image stays.
        var r = try store.remove("a:1")
        XCTAssertEqual(r.untagged, ["docker.io/library/a:1"])
        XCTAssertNil(r.deleted)
        XCTAssertNil(store.resolve("a:1"))
        XCTAssertNotNil(store.resolve("a:latest"))

        // Last name: the image goes, with its own top layer, config and manifest; the shared base stays.
        r = try store.remove("a")
        XCTAssertEqual(r.deleted, a.configDigest)
        XCTAssertEqual(r.removedLayers, 1)
        XCTAssertEqual(r.removedBlobs, 3)
        XCTAssertNil(store.resolve(a.configDigest))
        XCTAssertEqual(directoryEntries(store.root + "/layers"), b.diffIDs.map(Digest.hex).sorted())
        XCTAssertTrue(FileManager.default.fileExists(atPath: store.blobPath(b.layerDigests[0])))

        // By ID: everything goes.
        XCTAssertThrowsError(try store.remove("nope")) { error in
            XCTAssertEqual((error as? ImageStoreError)?.kind, .notFound)
            XCTAssertEqual("\(error)", "remove nope: no such image")
        }
        r = try store.remove(String(Digest.hex(b.configDigest).prefix(12)))
        XCTAssertEqual(r.deleted, b.configDigest)
        assertEmpty(store)

        // Leftovers of a crash (blobs and layers no image names) are collected too.
        try Data("orphan".utf8).write(to: URL(fileURLWithPath: store.root + "/blobs/sha256/" + String(repeating: "0", count: 64)))
        try FileManager.default.createDirectory(atPath: store.root + "/layers/" + String(repeating: "1", count: 64), withIntermediateDirectories: true)
        let gc = try store.garbageCollect()
        XCTAssertEqual(gc.blobs, 1)
        XCTAssertEqual(gc.layers, 1)
        assertEmpty(store)
    }

    func testNamesMoveToTheNewestImageAndIndexSurvivesReopen() throws {
        let data = tmp.path + "/data"
        let store = try ImageStore(dataDir: data)
        let layout1 = tmp.path + "/v1"
        let v1 = try Fixtures.writeImage([try Fixtures.baseLayer(.gzip)], in: layout1, cmd: ["v1"])
        try Fixtures.writeIndex([Fixtures.descriptor(v1.manifestDigest, in: layout1, name: "docker.io/library/app:latest")], in: layout1)
        try Fixtures.archive(directory: layout1, to: tmp.path + "/v1.tar")
        let layout2 = tmp.path + "/v2"
        let v2 = try Fixtures.writeImage([try Fixtures.baseLayer(.gzip)], in: layout2, cmd: ["v2"])
        try Fixtures.writeIndex([Fixtures.descriptor(v2.manifestDigest, in: layout2, name: "docker.io/library/app:latest")], in: layout2)
        try Fixtures.archive(directory: layout2, to: tmp.path + "/v2.tar")

        _ = try store.import(archivePath: tmp.path + "/v1.tar")
        _ = try store.import(archivePath: tmp.path + "/v2.tar")
        XCTAssertEqual(store.resolve("app")?.config.cmd, ["v2"])
        XCTAssertEqual(store.resolve(v1.configDigest)?.names, [])

        // Another ImageStore on the same dir (the CLI next to the server) sees the same, and its writes are
        // seen by the first.
        let other = try ImageStore(dataDir: data)
        XCTAssertEqual(other.list().map(\.id).sorted(), [v1.configDigest, v2.configDigest].sorted())
        try other.remove(v1.configDigest)
        XCTAssertNil(store.resolve(v1.configDigest))
        XCTAssertEqual(store.list().count, 1)
    }

    func testConcurrentImportsOfTheSameArchive() throws {
        let store = try ImageStore(dataDir: tmp.path + "/data")
        let (archive, built) = try makeOCIArchive()
        let errors = NSLock()
        nonisolated(unsafe) var failures: [String] = []
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do { _ = try store.import(archivePath: archive) } catch {
                errors.lock(); failures.append("\(error)"); errors.unlock()
            }
        }
        XCTAssertEqual(failures, [])
        XCTAssertEqual(store.list().map(\.id), [built.configDigest])
        XCTAssertEqual(directoryEntries(store.root + "/layers").count, 2)
        XCTAssertEqual(directoryEntries(store.root + "/tmp"), [])
    }

    func testMultiPlatformIndexInArchivePicksLinuxAmd64() throws {
        let store = try ImageStore(dataDir: tmp.path + "/data")
        let layout = tmp.path + "/multi"
        let amd = try Fixtures.writeImage([try Fixtures.baseLayer(.gzip)], in: layout, cmd: ["amd64"])
        let arm = try Fixtures.writeImage([Fixtures.Layer(entries: [.file("arm", "arm\n")], compression: .gzip)], in: layout,
                                          cmd: ["arm64"], architecture: "arm64")
        let index = Fixtures.json(["schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
            Fixtures.descriptor(arm.manifestDigest, in: layout, platform: ["os": "linux", "architecture": "arm64"]),
            Fixtures.descriptor(amd.manifestDigest, in: layout, platform: ["os": "linux", "architecture": "amd64"]),
        ]])
        let indexDigest = try Fixtures.writeBlob(index, in: layout)
        try Fixtures.writeIndex([Fixtures.descriptor(indexDigest, in: layout, mediaType: "application/vnd.oci.image.index.v1+json",
                                                     name: "docker.io/library/multi:1")], in: layout)
        try Fixtures.archive(directory: layout, to: tmp.path + "/multi.tar")
        let r = try XCTUnwrap(try store.import(archivePath: tmp.path + "/multi.tar").first)
        XCTAssertEqual(r.id, amd.configDigest)
        XCTAssertEqual(r.indexDigest, indexDigest)
        XCTAssertEqual(r.architecture, "amd64")
        XCTAssertEqual(store.resolve("multi:1")?.config.cmd, ["amd64"])
        XCTAssertEqual(store.resolve("multi@\(indexDigest)")?.id, amd.configDigest)
        // Only the chosen platform's layers were unpacked.
        XCTAssertEqual(directoryEntries(store.root + "/layers"), amd.diffIDs.map(Digest.hex))
    }
}
