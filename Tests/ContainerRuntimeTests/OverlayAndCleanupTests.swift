import Foundation
import XCTest
@testable import ContainerRuntime

/// Overlay root filesystems and the promise that remove() leaves nothing behind (as root).
final class ContainerRuntimeOverlayCleanupTests: XCTestCase {
    var sandbox: ContainerTestSandbox!

    override func setUpWithError() throws {
        XCTAssertEqual(getuid(), 0, "these tests need root")
        sandbox = try ContainerTestSandbox(name: name.split(separator: " ").last.map { String($0.dropLast()) } ?? "t")
    }

    override func tearDown() {
        sandbox?.cleanUp()
        sandbox = nil
    }

    func testOverlayLayersTopFirstAndCopyUp() throws {
        let lower2 = sandbox.base + "/layer-top"
        try FileManager.default.createDirectory(atPath: lower2 + "/etc", withIntermediateDirectories: true)
        try "top layer\n".write(toFile: lower2 + "/etc/motd", atomically: true, encoding: .utf8)
        let merged = sandbox.base + "/ctr/rootfs"
        sandbox.trackMount(merged)
        try OverlayRootfs.mount(lowerDirs: [lower2, sandbox.rootfs], upper: sandbox.base + "/ctr/upper",
                                work: sandbox.base + "/ctr/work", target: merged)
        XCTAssertTrue(MountTable.isMountPoint(merged))
        var (spec, bundle) = sandbox.spec("cat /etc/motd; echo changed > /etc/motd; rm /bin/true; echo new > /created", name: "ovl")
        spec.rootfs = merged
        let (code, log) = try sandbox.run(spec, bundle: bundle)
        XCTAssertEqual(code, 0, stderrText(log))
        XCTAssertEqual(stdoutText(log), "top layer")
        // Writes went to the upper directory; the layers are untouched.
        XCTAssertEqual(try String(contentsOfFile: lower2 + "/etc/motd", encoding: .utf8), "top layer\n")
        XCTAssertEqual(try String(contentsOfFile: sandbox.base + "/ctr/upper/etc/motd", encoding: .utf8), "changed\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: sandbox.base + "/ctr/upper/created"))
        var st = stat()
        XCTAssertEqual(lstat(sandbox.rootfs + "/bin/true", &st), 0, "the lower layer keeps what the container removed")
        try OverlayRootfs.unmount(merged)
        XCTAssertFalse(MountTable.isMountPoint(merged))
    }

    func testReadOnlyOverlayWithManyLayers() throws {
        // Enough layers with long paths that the option string outgrows a page (new mount API).
        var layers: [String] = []
        for i in 0..<40 {
            let dir = sandbox.base + "/layers/" + String(repeating: "l", count: 80) + "-\(i)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try "\(i)\n".write(toFile: dir + "/file-\(i)", atomically: true, encoding: .utf8)
            try "\(i)\n".write(toFile: dir + "/shadowed", atomically: true, encoding: .utf8)
            layers.append(dir)
        }
        let target = sandbox.base + "/merged-ro"
        sandbox.trackMount(target)
        try OverlayRootfs.mount(lowerDirs: layers.reversed(), upper: nil, work: nil, target: target)
        XCTAssertEqual(try String(contentsOfFile: target + "/shadowed", encoding: .utf8), "39\n", "the first lower dir is the top")
        XCTAssertTrue(FileManager.default.fileExists(atPath: target + "/file-0"))
        XCTAssertFalse(FileManager.default.createFile(atPath: target + "/new", contents: Data()))
        try OverlayRootfs.unmount(target)
    }

    func testRemoveLeavesNothingBehind() throws {
        let before = HostResources.count(cgroupPrefix: sandbox.cgroupPrefix, bundlePrefix: sandbox.base)
        for i in 0..<3 {
            let merged = sandbox.base + "/c\(i)/rootfs"
            try OverlayRootfs.mount(lowerDirs: [sandbox.rootfs], upper: sandbox.base + "/c\(i)/upper",
                                    work: sandbox.base + "/c\(i)/work", target: merged)
            var (spec, bundle) = sandbox.spec("sleep 60 & sleep 60", name: "rm\(i)")
            spec.rootfs = merged
            spec.tty = i == 1
            spec.stdin = i == 2
            spec.resources.memoryLimit = 32 << 20
            let pid = try ContainerRuntime.start(bundle: { try spec.write(to: bundle); return bundle }())
            XCTAssertGreaterThan(pid, 0)
            let during = HostResources.count(cgroupPrefix: sandbox.cgroupPrefix, bundlePrefix: sandbox.base)
            XCTAssertEqual(during.shims, 1)
            XCTAssertGreaterThan(during.mounts, before.mounts)
            XCTAssertGreaterThan(during.cgroups, 0)
            try ContainerRuntime.remove(bundle: bundle)
            XCTAssertFalse(FileManager.default.fileExists(atPath: bundle))
            XCTAssertFalse(MountTable.isMountPoint(merged))
            XCTAssertEqual(ContainerRuntime.state(bundle: bundle), .unknown)
            try? SafeRemove.directory(sandbox.base + "/c\(i)")
        }
        try Cgroups.remove(relativePath: sandbox.cgroupPrefix)
        let after = HostResources.count(cgroupPrefix: sandbox.cgroupPrefix, bundlePrefix: sandbox.base)
        XCTAssertEqual(after, HostResources(mounts: before.mounts, cgroups: 0, shims: 0))
    }

    func testRemoveRefusesToDeleteThroughAMount() throws {
        let (spec, bundle) = sandbox.spec("true", name: "guard")
        try spec.write(to: bundle)
        let inner = bundle + "/rootfs-copy"
        try FileManager.default.createDirectory(atPath: inner, withIntermediateDirectories: true)
        sandbox.trackMount(inner)
        XCTAssertEqual(mount(sandbox.rootfs, inner, nil, UInt(MS_BIND), nil), 0)
        XCTAssertThrowsError(try ContainerRuntime.remove(bundle: bundle, unmountRootfs: false))
        XCTAssertTrue(FileManager.default.fileExists(atPath: sandbox.rootfs + "/bin/busybox"), "nothing deleted through the mount")
        try OverlayRootfs.unmount(inner)
        try ContainerRuntime.remove(bundle: bundle, unmountRootfs: false)
        XCTAssertFalse(FileManager.default.fileExists(atPath: bundle))
    }

    func testStateOfAnUnknownBundle() {
        XCTAssertEqual(ContainerRuntime.state(bundle: sandbox.base + "/never"), .unknown)
        XCTAssertThrowsError(try ContainerRuntime.kill(bundle: sandbox.base + "/never", signal: SIGTERM))
    }
}
