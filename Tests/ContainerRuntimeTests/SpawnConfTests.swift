import Foundation
import XCTest
@testable import ContainerRuntime

final class ContainerRuntimeSpawnConfTests: XCTestCase {
    func testEscapingRoundTrips() {
        for field in ["plain", "with space", "", "tab\there", "new\nline", "back\\slash", "\\s literal", "ünïcode ☃"] {
            let escaped = SpawnConf.escape(field)
            XCTAssertFalse(escaped.contains(" ") || escaped.contains("\n"), escaped)
            XCTAssertEqual(SpawnConf.unescape(escaped), field)
        }
    }

    func testConfTextHasEveryField() {
        var spec = SpawnSpec(rootfs: "/r o/rootfs", args: ["/bin/sh", "-c", "echo a b", ""], env: ["A=1 2"])
        spec.hostname = "h"
        spec.netnsPath = "/run/netns/p"
        spec.uid = 1000
        spec.gid = 1001
        spec.supplementalGroups = [10, 11]
        spec.noNewPrivileges = true
        spec.seccomp = .profile("default allow\n")
        spec.mounts = [SpawnSpec.Mount(source: "/v", destination: "/data", readOnly: true, propagation: .hostToContainer)]
        spec.hostsFile = "/p/hosts"
        spec.devices = [SpawnSpec.Device(path: "/dev/fuse", kind: .char, major: 10, minor: 229)]
        spec.rlimits = [SpawnSpec.Rlimit(name: "NOFILE", soft: 1024, hard: 4096)]
        spec.oomScoreAdj = -997
        spec.tty = true
        spec.stdin = true
        spec.stdinOnce = true
        spec.logPath = "/l/0.log"
        spec.cgroupPath = "swiftlet/pod/ctr"
        spec.resources = SpawnSpec.Resources(cpuShares: 256, cpuQuota: 50000, cpuPeriod: 100000, memoryLimit: 1 << 26, pidsLimit: 100)
        let entries = SpawnConf.parse(spec.confText(bundle: "/b"))
        func values(_ key: String) -> [[String]] { entries.filter { $0.key == key }.map(\.fields) }
        XCTAssertEqual(values("rootfs"), [["/r o/rootfs"]])
        XCTAssertEqual(values("arg"), [["/bin/sh"], ["-c"], ["echo a b"], [""]])
        XCTAssertEqual(values("env"), [["A=1 2"]])
        XCTAssertEqual(values("user"), [["1000", "1001"]])
        XCTAssertEqual(values("group"), [["10"], ["11"]])
        XCTAssertEqual(values("cap.bounding").first?.count, 14)
        XCTAssertEqual(values("cap.inheritable"), [[]])
        XCTAssertEqual(values("seccomp"), [["profile", "/b/seccomp.profile"]])
        XCTAssertEqual(values("mount"), [["/v", "/data", "ro", "rslave"], ["/p/hosts", "/etc/hosts", "rw", "private"]])
        XCTAssertEqual(values("device"), [["/dev/fuse", "c", "10", "229", "666", "0", "0"]])
        XCTAssertEqual(values("rlimit"), [["NOFILE", "1024", "4096"]])
        XCTAssertEqual(values("oomScoreAdj"), [["-997"]])
        XCTAssertEqual(values("masked").count, SpawnSpec.defaultMaskedPaths.count)
        XCTAssertEqual(values("cgroup.memoryLimit"), [["67108864"]])
        XCTAssertEqual(values("tty"), [["true"]])
        XCTAssertEqual(values("stdinOnce"), [["true"]])
    }

    func testRFC3339Parsing() throws {
        let date = try XCTUnwrap(RFC3339.parse("2026-11-27T08:00:00.123456789Z"))
        XCTAssertEqual(date.timeIntervalSince1970, 1_795_766_400.123456789, accuracy: 0.000001)
        XCTAssertEqual(RFC3339.parse("2026-11-27T09:00:00+01:00"), RFC3339.parse("2026-11-27T08:00:00Z"))
        XCTAssertNil(RFC3339.parse("yesterday"))
    }

    func testAttachFraming() throws {
        var buffer = AttachFrame(stream: 1, payload: Array("hello".utf8)).encoded() + AttachFrame.resize(cols: 80, rows: 24).encoded()
        buffer += [2, 0, 0]  // a partial third frame
        XCTAssertEqual(try AttachFrame.decode(from: &buffer), AttachFrame(stream: 1, payload: Array("hello".utf8)))
        XCTAssertEqual(try AttachFrame.decode(from: &buffer), AttachFrame(stream: 4, payload: [0, 80, 0, 24]))
        XCTAssertNil(try AttachFrame.decode(from: &buffer))
        XCTAssertEqual(buffer, [2, 0, 0])
    }
}
