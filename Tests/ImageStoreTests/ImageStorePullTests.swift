import Foundation
import XCTest
@testable import ImageStore

/// Pulls from a real registry (Debian's docker-registry on loopback) holding images pushed with skopeo.
final class ImageStorePullTests: XCTestCase {
    var tmp: TempDir!
    var registry: LocalRegistry!
    var proxy: TokenAuthProxy?

    override func setUpWithError() throws {
        tmp = TempDir("imagestore-pull")
        registry = try LocalRegistry(dir: tmp.path)
    }

    override func tearDown() {
        proxy?.stop()
        registry?.stop()
        tmp.remove()
    }

    /// One busybox image (gzip + zstd layers with whiteouts) as an OCI archive.
    func busyboxArchive() throws -> (String, Fixtures.BuiltImage) {
        let layout = tmp.path + "/layout"
        let built = try Fixtures.writeImage([try Fixtures.baseLayer(.gzip), Fixtures.upperLayer(.zstd)], in: layout, cmd: ["sh"])
        try Fixtures.writeIndex([Fixtures.descriptor(built.manifestDigest, in: layout, name: "busybox:1")], in: layout)
        try Fixtures.archive(directory: layout, to: tmp.path + "/busybox.tar")
        return (tmp.path + "/busybox.tar", built)
    }

    final class Events: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [PullProgress] = []
        func add(_ p: PullProgress) { lock.withLock { items.append(p) } }
        var all: [PullProgress] { lock.withLock { items } }
    }

    func testPullFromLocalRegistry() async throws {
        let (archive, built) = try busyboxArchive()
        try registry.push(archive, as: "tools/busybox:1.36")
        let store = try ImageStore(dataDir: tmp.path + "/data")
        let ref = "\(registry.host)/tools/busybox:1.36"

        let events = Events()
        let record = try await store.pull(ref) { events.add($0) }
        XCTAssertEqual(record.id, built.configDigest)
        XCTAssertEqual(record.names, [ref])
        XCTAssertEqual(record.layers.map(\.diffID), built.diffIDs)
        XCTAssertEqual(record.layers.map(\.digest), built.layerDigests)
        // skopeo keeps the OCI manifest byte for byte, so its digest is ours.
        XCTAssertEqual(record.manifestDigest, built.manifestDigest)
        XCTAssertEqual(record.digests, ["\(registry.host)/tools/busybox@\(built.manifestDigest)"])

        let image = try XCTUnwrap(store.resolve(ref))
        XCTAssertEqual(image.config.cmd, ["sh"])
        XCTAssertEqual(store.resolve("\(registry.host)/tools/busybox@\(built.manifestDigest)")?.id, built.configDigest)
        XCTAssertEqual(lstatOf(image.layerDirs[1] + "/etc/removeme").map { $0.st_mode & S_IFMT }, S_IFCHR)
        XCTAssertEqual(xattr(image.layerDirs[1] + "/data", "trusted.overlay.opaque"), "y")
        XCTAssertEqual(lstatOf(image.layerDirs[0] + "/bin/busybox").map { $0.st_mode & 0o7777 }, 0o755)
        for d in [built.configDigest, built.manifestDigest] + built.layerDigests {
            XCTAssertEqual(try Digest.ofFile(store.blobPath(d)).digest, d)
        }
        XCTAssertEqual(directoryEntries(store.root + "/tmp"), [])

        // Progress: resolving, downloads adding up to the total, unpacking, done.
        let seen = events.all
        XCTAssertEqual(seen.first?.phase, .resolving)
        XCTAssertEqual(seen.last?.phase, .done)
        XCTAssertTrue(seen.contains { $0.phase == .unpacking })
        let downloads = seen.filter { $0.phase == .downloading }
        XCTAssertFalse(downloads.isEmpty)
        let total = try XCTUnwrap(downloads.last?.totalBytes)
        let blobBytes = ([built.configDigest] + built.layerDigests).reduce(Int64(0)) { $0 + fileSize(store.blobPath($1)) }
        XCTAssertEqual(total, blobBytes)
        XCTAssertEqual(downloads.map(\.completedBytes).max(), total)
        XCTAssertEqual(Set(downloads.compactMap(\.blob)), Set([built.configDigest] + built.layerDigests))

        // Pulling again downloads nothing; by digest resolves to the same image.
        let again = Events()
        let second = try await store.pull(ref) { again.add($0) }
        XCTAssertEqual(second.id, built.configDigest)
        XCTAssertFalse(again.all.contains { $0.phase == .downloading })
        let pinned = try await store.pull("\(registry.host)/tools/busybox@\(built.manifestDigest)")
        XCTAssertEqual(pinned.id, built.configDigest)
        XCTAssertEqual(store.list().count, 1)

        // Another tag of the same manifest: just a new name.
        try registry.push(archive, as: "tools/busybox:latest")
        _ = try await store.pull("\(registry.host)/tools/busybox")
        XCTAssertEqual(store.resolve("\(registry.host)/tools/busybox:latest")?.id, built.configDigest)
    }

    func testMissingImageGivesClearErrors() async throws {
        let (archive, _) = try busyboxArchive()
        try registry.push(archive, as: "tools/busybox:1.36")
        let store = try ImageStore(dataDir: tmp.path + "/data")

        do {
            try await store.pull("\(registry.host)/tools/busybox:nope")
            XCTFail("pulled a tag that does not exist")
        } catch let e as ImageStoreError {
            XCTAssertEqual(e.kind, .notFound)
            XCTAssertEqual(e.message, "pull \(registry.host)/tools/busybox:nope: manifest unknown (404)")
        }
        do {
            try await store.pull("\(registry.host)/nothing/here")
            XCTFail("pulled a repository that does not exist")
        } catch let e as ImageStoreError {
            XCTAssertEqual(e.kind, .notFound, e.message)
            XCTAssertTrue(e.message.hasPrefix("pull \(registry.host)/nothing/here:latest: "), e.message)
            XCTAssertTrue(e.message.hasSuffix("(404)"), e.message)
        }
        do {
            try await store.pull("Bad Name")
            XCTFail("pulled an invalid reference")
        } catch let e as ImageStoreError {
            XCTAssertEqual(e.kind, .invalidReference, e.message)
            XCTAssertTrue(e.message.hasPrefix("pull Bad Name: invalid reference format"), e.message)
        }
        // Nothing listens: a network error naming the URL.
        let dead = try freeLoopbackPort()
        do {
            try await store.pull("127.0.0.1:\(dead)/x:1", options: PullOptions(timeout: 5))
            XCTFail("pulled from nowhere")
        } catch let e as ImageStoreError {
            XCTAssertEqual(e.kind, .network, e.message)
            XCTAssertTrue(e.message.contains("http://127.0.0.1:\(dead)/v2/x/manifests/1"), e.message)
        }
        XCTAssertEqual(store.list().count, 0)
        XCTAssertEqual(directoryEntries(store.root + "/blobs/sha256"), [])
        XCTAssertEqual(directoryEntries(store.root + "/tmp"), [])
    }

    func testCorruptBlobInRegistryIsRejected() async throws {
        let (archive, built) = try busyboxArchive()
        try registry.push(archive, as: "tools/busybox:1.36")
        // Flip a byte of the zstd layer as the registry stores it.
        let path = registry.blobDataPath(built.layerDigests[1])
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[data.count / 2] ^= 0xff
        try data.write(to: URL(fileURLWithPath: path))

        let store = try ImageStore(dataDir: tmp.path + "/data")
        do {
            try await store.pull("\(registry.host)/tools/busybox:1.36")
            XCTFail("accepted a corrupt blob")
        } catch let e as ImageStoreError {
            XCTAssertEqual(e.kind, .digestMismatch, e.message)
            XCTAssertTrue(e.message.contains(built.layerDigests[1]), e.message)
        }
        XCTAssertEqual(store.list().count, 0)
        XCTAssertEqual(directoryEntries(store.root + "/blobs/sha256"), [])
        XCTAssertEqual(directoryEntries(store.root + "/layers"), [])
        XCTAssertEqual(directoryEntries(store.root + "/tmp"), [])
    }

    func testPullMultiPlatformIndexThroughBearerTokenAuth() async throws {
        // An index with arm64 and amd64 images, pushed whole.
        let layout = tmp.path + "/multi"
        let arm = try Fixtures.writeImage([Fixtures.Layer(entries: [.file("arch", "arm64\n")], compression: .gzip)], in: layout,
                                          cmd: ["arm64"], architecture: "arm64")
        let amd = try Fixtures.writeImage([try Fixtures.baseLayer(.gzip)], in: layout, cmd: ["amd64"])
        let index = Fixtures.json(["schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
            Fixtures.descriptor(arm.manifestDigest, in: layout, platform: ["os": "linux", "architecture": "arm64"]),
            Fixtures.descriptor(amd.manifestDigest, in: layout, platform: ["os": "linux", "architecture": "amd64"]),
        ]])
        let indexDigest = try Fixtures.writeBlob(index, in: layout)
        try Fixtures.writeIndex([Fixtures.descriptor(indexDigest, in: layout, mediaType: "application/vnd.oci.image.index.v1+json",
                                                     name: "multi:1")], in: layout)
        try Fixtures.archive(directory: layout, to: tmp.path + "/multi.tar")
        try registry.push(tmp.path + "/multi.tar", as: "lib/multi:1", all: true)

        let proxy = try TokenAuthProxy(backend: registry.port, dir: tmp.path)
        self.proxy = proxy
        let store = try ImageStore(dataDir: tmp.path + "/data")
        let ref = "127.0.0.1:\(proxy.port)/lib/multi:1"
        let record = try await store.pull(ref)
        XCTAssertEqual(record.id, amd.configDigest)
        XCTAssertEqual(record.architecture, "amd64")
        XCTAssertEqual(record.indexDigest, indexDigest)
        XCTAssertEqual(record.manifestDigest, amd.manifestDigest)
        XCTAssertEqual(record.digests, ["127.0.0.1:\(proxy.port)/lib/multi@\(indexDigest)"])
        XCTAssertEqual(store.resolve(ref)?.config.cmd, ["amd64"])
        XCTAssertEqual(directoryEntries(store.root + "/layers"), amd.diffIDs.map(Digest.hex))
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.blobPath(arm.configDigest)))
        // The token was asked for with the challenge's service and scope.
        XCTAssertEqual(Set(proxy.tokenRequests), ["service=test-registry scope=repository:lib/multi:pull"])
    }
}
