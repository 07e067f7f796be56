import Foundation
import XCTest
@testable import ContainerRuntime

/// The shim on a cgroup v2-only host. This machine is hybrid (v1 controllers, an empty unified tree at
/// /sys/fs/cgroup/unified), so the shim is run in a private mount namespace whose /sys/fs/cgroup is the unified
/// hierarchy and nothing else: exactly what it finds on a v2 host. The host's own mounts are never touched.
final class CgroupV2Tests: XCTestCase {
    var sandbox: ContainerTestSandbox!
    var unifiedRoot = ""

    override func setUpWithError() throws {
        XCTAssertEqual(getuid(), 0, "these tests need root")
        sandbox = try ContainerTestSandbox(name: name.split(separator: " ").last.map { String($0.dropLast()) } ?? "t")
        // The unified hierarchy as the host sees it (/sys/fs/cgroup on a v2 host, /sys/fs/cgroup/unified on a hybrid one).
        unifiedRoot = try XCTUnwrap(MountTable.entries().first { $0.fsType == "cgroup2" }?.mountPoint,
                                    "no cgroup2 hierarchy mounted on this host")
    }

    override func tearDown() {
        sandbox?.cleanUp()
        if let sandbox { _ = rmdir(unifiedRoot + "/" + sandbox.cgroupPrefix) }
        sandbox = nil
    }

    /// A shim wrapper: private mount namespace, /sys/fs/cgroup replaced by the cgroup2 hierarchy, then the shim.
    func v2OnlyShim() throws -> String {
        let path = sandbox.base + "/shim-v2"
        let script = """
            #!/bin/sh
            exec unshare --mount --propagation private /bin/sh -c '
              umount -R /sys/fs/cgroup 2>/dev/null || umount -l /sys/fs/cgroup
              mount -t cgroup2 none /sys/fs/cgroup || exit 99
              exec "$0" "$@"' \(ContainerRuntime.defaultShimPath()) "$@"
            """
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    func testContainerRunsInItsOwnCgroupOfTheUnifiedHierarchy() throws {
        let shim = try v2OnlyShim()
        let (spec, bundle) = sandbox.spec("cat /proc/self/cgroup; sleep 30", name: "v2")
        sandbox.track(bundle: bundle)
        try spec.write(to: bundle)
        let pid = try ContainerRuntime.start(bundle: bundle, shimPath: shim)
        let rel = sandbox.cgroupPrefix + "/v2"
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(unifiedRoot)/\(rel)"), "cgroup \(rel) in \(unifiedRoot)")
        // The container's `cat` is in the cgroup too while it runs; once it exited only the init is left.
        let procsPath = "\(unifiedRoot)/\(rel)/cgroup.procs"
        func procs() -> [Substring] { ((try? String(contentsOfFile: procsPath, encoding: .utf8)) ?? "").split(separator: "\n") }
        XCTAssertTrue(procs().contains("\(pid)"), "\(procs()) in \(procsPath)")
        let settled = Date().addingTimeInterval(3)
        while procs() != ["\(pid)"] && Date() < settled { usleep(10_000) }
        XCTAssertEqual(procs(), ["\(pid)"])
        // From the host, the v2 line of the process names the container's cgroup; inside its cgroup namespace it
        // is at the root.
        let hostView = try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)
        XCTAssertTrue(hostView.contains("0::/\(rel)\n"), hostView)
        usleep(200_000)
        let inside = stdoutText(try sandbox.readLog(bundle + "/container.log"))
        XCTAssertEqual(inside.split(separator: "\n").filter { $0.hasPrefix("0::") }, ["0::/"], inside)

        try ContainerRuntime.kill(bundle: bundle, signal: SIGKILL)
        XCTAssertEqual(try sandbox.waitForExit(bundle: bundle), 137)
        // The shim (still in its v2-only view) removed the cgroup once it was empty.
        let deadline = Date().addingTimeInterval(3)
        while FileManager.default.fileExists(atPath: "\(unifiedRoot)/\(rel)") && Date() < deadline { usleep(20_000) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(unifiedRoot)/\(rel)"))
    }

    /// Limits go to the v2 knobs when the controllers are there (a v2 host); on a hybrid host the controllers
    /// belong to v1, and the start fails naming the knob instead of running a container without its limit.
    func testMemoryAndCPULimitsUseTheV2Knobs() throws {
        let shim = try v2OnlyShim()
        var (spec, bundle) = sandbox.spec("sleep 30", name: "v2lim")
        spec.resources = SpawnSpec.Resources(cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimit: 64 << 20, pidsLimit: 64)
        sandbox.track(bundle: bundle)
        try spec.write(to: bundle)
        let available = (try? String(contentsOfFile: unifiedRoot + "/cgroup.controllers", encoding: .utf8)) ?? ""
        let rel = sandbox.cgroupPrefix + "/v2lim"
        if available.split(separator: " ").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }).contains("memory") {
            try ContainerRuntime.start(bundle: bundle, shimPath: shim)
            XCTAssertEqual(try String(contentsOfFile: "\(unifiedRoot)/\(rel)/memory.max", encoding: .utf8), "67108864\n")
            XCTAssertEqual(try String(contentsOfFile: "\(unifiedRoot)/\(rel)/cpu.max", encoding: .utf8), "50000 100000\n")
            // shares 512 → weight 1 + (510 * 9999) / 262142 = 20, the kubelet's conversion.
            XCTAssertEqual(try String(contentsOfFile: "\(unifiedRoot)/\(rel)/cpu.weight", encoding: .utf8), "20\n")
            XCTAssertEqual(try String(contentsOfFile: "\(unifiedRoot)/\(rel)/pids.max", encoding: .utf8), "64\n")
            try ContainerRuntime.kill(bundle: bundle, signal: SIGKILL)
            _ = try sandbox.waitForExit(bundle: bundle)
        } else {
            XCTAssertThrowsError(try ContainerRuntime.start(bundle: bundle, shimPath: shim)) { error in
                XCTAssertTrue("\(error)".contains("\(rel)/cpu.weight") || "\(error)".contains("\(rel)/cpu.max")
                              || "\(error)".contains("\(rel)/memory.max"), "\(error)")
            }
            _ = rmdir("\(unifiedRoot)/\(rel)")
        }
    }
}
