import Foundation
import XCTest
@testable import ContainerRuntime

/// One CRI log entry.
struct CRILogEntry: Equatable {
    var timestamp: String
    var stream: String
    var tag: String
    var content: String
}

/// Per-test sandbox: a temp directory with a busybox rootfs, bundles, and everything needed to
/// clean up what the test created even when it fails.
final class ContainerTestSandbox {
    let base: String
    let rootfs: String
    let cgroupPrefix: String
    private(set) var bundles: [String] = []
    private var extraMounts: [String] = []
    private var netnsFiles: [String] = []

    init(name: String) throws {
        base = "/tmp/sltest-cr-\(getpid())-\(name)"
        cgroupPrefix = "sltest-cr-\(getpid())-\(name)"
        rootfs = base + "/rootfs"
        try? FileManager.default.removeItem(atPath: base)
        try ContainerTestSandbox.buildBusyboxRootfs(at: rootfs)
    }

    /// Debian's busybox-static as /bin/busybox plus the `--install -s` applet links, and a
    /// small /etc/passwd and /etc/group.
    static func buildBusyboxRootfs(at rootfs: String) throws {
        let fm = FileManager.default
        for dir in ["bin", "etc", "tmp", "mnt", "home/app", "root"] {
            try fm.createDirectory(atPath: rootfs + "/" + dir, withIntermediateDirectories: true)
        }
        chmod(rootfs + "/tmp", 0o1777)
        try fm.copyItem(atPath: "/bin/busybox", toPath: rootfs + "/bin/busybox")
        let (status, output) = try runHost("/usr/sbin/chroot", [rootfs, "/bin/busybox", "--install", "-s", "/bin"])
        XCTAssertEqual(status, 0, "busybox --install: \(output)")
        try "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
            .write(toFile: rootfs + "/etc/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:\nwheel:x:10:app\napp:x:1000:\nnogroup:x:65534:\n"
            .write(toFile: rootfs + "/etc/group", atomically: true, encoding: .utf8)
        chown(rootfs + "/home/app", 1000, 1000)
    }

    /// A spec on the sandbox rootfs running `sh -c script`, logging to the bundle.
    func spec(_ script: String, name: String) -> (SpawnSpec, String) {
        let bundle = base + "/bundles/" + name
        var spec = SpawnSpec(rootfs: rootfs, args: ["/bin/sh", "-c", script])
        spec.hostname = "box-" + name
        spec.logPath = bundle + "/container.log"
        spec.cgroupPath = cgroupPrefix + "/" + name
        return (spec, bundle)
    }

    @discardableResult
    func start(_ spec: SpawnSpec, bundle: String) throws -> Int32 {
        bundles.append(bundle)
        try spec.write(to: bundle)
        return try ContainerRuntime.start(bundle: bundle)
    }

    /// Starts the container and waits for its exit.
    func run(_ spec: SpawnSpec, bundle: String, timeout: Double = 20) throws -> (code: Int32, log: [CRILogEntry]) {
        try start(spec, bundle: bundle)
        let code = try waitForExit(bundle: bundle, timeout: timeout)
        return (code, try readLog(bundle + "/container.log"))
    }

    func waitForExit(bundle: String, timeout: Double = 20) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if case .exited(let code, _) = ContainerRuntime.state(bundle: bundle) { return code }
            usleep(20_000)
        }
        XCTFail("container of \(bundle) did not exit within \(timeout) s")
        throw RuntimeError.timeout("exit of \(bundle)")
    }

    func readLog(_ path: String) throws -> [CRILogEntry] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { line in
            let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
            return CRILogEntry(timestamp: parts[0], stream: parts.count > 1 ? parts[1] : "",
                               tag: parts.count > 2 ? parts[2] : "", content: parts.count > 3 ? parts[3] : "")
        }
    }

    /// A network namespace pinned by a bind mount (as a pod sandbox has).
    func makeNetns(_ name: String) throws -> String {
        let dir = base + "/netns"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        netnsFiles.append(path)
        let (status, output) = try runHost("/usr/bin/unshare", ["--net=" + path, "/bin/true"])
        XCTAssertEqual(status, 0, "unshare --net: \(output)")
        return path
    }

    func trackMount(_ path: String) { extraMounts.append(path) }
    /// A bundle started some other way: cleanUp removes it too.
    func track(bundle: String) { bundles.append(bundle) }

    /// Removes every container, mount, netns, cgroup and file the test made.
    func cleanUp() {
        for bundle in bundles.reversed() {
            do { try ContainerRuntime.remove(bundle: bundle, unmountRootfs: false) } catch {
                XCTFail("remove \(bundle): \(error)")
            }
        }
        for path in (extraMounts + netnsFiles).reversed() where MountTable.isMountPoint(path) {
            _ = umount2(path, Int32(MNT_DETACH))
        }
        try? Cgroups.remove(relativePath: cgroupPrefix)
        try? SafeRemove.directory(base)
        if FileManager.default.fileExists(atPath: base) { XCTFail("sandbox \(base) left behind") }
    }
}

/// Runs a host command; returns its exit status and combined output.
@discardableResult
func runHost(_ path: String, _ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// What a container run can leave behind, counted to prove cleanup.
struct HostResources: Equatable {
    var mounts: Int
    var cgroups: Int
    var shims: Int

    static func count(cgroupPrefix: String, bundlePrefix: String) -> HostResources {
        let mounts = MountTable.entries().count
        let cgroups = Cgroups.layout().roots.filter { FileManager.default.fileExists(atPath: $0 + "/" + cgroupPrefix) }.count
        var shims = 0
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int32(entry) != nil {
            guard let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let cmdline = String(decoding: data, as: UTF8.self)
            if cmdline.contains("swiftlet-shim") && cmdline.contains(bundlePrefix) { shims += 1 }
        }
        return HostResources(mounts: mounts, cgroups: cgroups, shims: shims)
    }
}

/// Reads "Key:\tvalue" lines of /proc/<pid>/status-like text.
func statusField(_ text: String, _ key: String) -> String? {
    for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
        return line.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces)
    }
    return nil
}

func stdoutText(_ log: [CRILogEntry]) -> String {
    log.filter { $0.stream == "stdout" }.map(\.content).joined(separator: "\n")
}

func stderrText(_ log: [CRILogEntry]) -> String {
    log.filter { $0.stream == "stderr" }.map(\.content).joined(separator: "\n")
}
