import Foundation
import KubeAPI
import XCTest
@testable import ContainerRuntime

/// Real containers (as root): busybox rootfs, the shim, namespaces, cgroups, seccomp.
final class ContainerRuntimeRunTests: XCTestCase {
    var sandbox: ContainerTestSandbox!

    override func setUpWithError() throws {
        XCTAssertEqual(getuid(), 0, "these tests need root")
        sandbox = try ContainerTestSandbox(name: name.split(separator: " ").last.map { String($0.dropLast()) } ?? "t")
    }

    override func tearDown() {
        sandbox?.cleanUp()
        sandbox = nil
    }

    func testOutputGoesToTheCRILogAndExitCodeIsKept() throws {
        let (spec, bundle) = sandbox.spec("echo out; echo err >&2; printf partial; exit 3", name: "log")
        let (code, log) = try sandbox.run(spec, bundle: bundle)
        XCTAssertEqual(code, 3)
        XCTAssertTrue(log.contains(CRILogEntry(timestamp: log[0].timestamp, stream: "stdout", tag: "F", content: "out")) ||
                      log.contains { $0.stream == "stdout" && $0.tag == "F" && $0.content == "out" })
        XCTAssertTrue(log.contains { $0.stream == "stderr" && $0.tag == "F" && $0.content == "err" })
        XCTAssertTrue(log.contains { $0.stream == "stdout" && $0.tag == "F" && $0.content == "partial" }, "\(log)")
        for entry in log {
            XCTAssertNotNil(RFC3339.parse(entry.timestamp), entry.timestamp)
            XCTAssertTrue(entry.timestamp.hasSuffix("Z") && entry.timestamp.count == 30, entry.timestamp)
        }
        let info = try XCTUnwrap(ContainerRuntime.exitInfo(bundle: bundle))
        XCTAssertEqual(info.reason, "Error")
        XCTAssertEqual(info.signal, 0)
        XCTAssertNotNil(info.startedAt)
        XCTAssertLessThanOrEqual(info.startedAt!, info.finishedAt)
    }

    func testRestartInTheSameBundle() throws {
        var (spec, bundle) = sandbox.spec("echo first; exit 3", name: "restart")
        XCTAssertEqual(try sandbox.run(spec, bundle: bundle).code, 3)
        let firstPid = ContainerRuntime.record(bundle: bundle)?.pid
        spec.args = ["/bin/sh", "-c", "echo second; exit 4"]
        spec.logPath = bundle + "/1.log"
        try spec.write(to: bundle)
        XCTAssertNil(ContainerRuntime.exitInfo(bundle: bundle), "the old exit is gone with the new run")
        try ContainerRuntime.start(bundle: bundle)
        XCTAssertEqual(try sandbox.waitForExit(bundle: bundle), 4)
        XCTAssertNotEqual(ContainerRuntime.record(bundle: bundle)?.pid, firstPid)
        XCTAssertEqual(try sandbox.readLog(bundle + "/1.log").map(\.content), ["second"])
    }

    func testLongLinesAreSplitIntoPartialEntries() throws {
        let (spec, bundle) = sandbox.spec("head -c 40000 /dev/zero | tr '\\0' a; echo; echo done", name: "long")
        let (code, log) = try sandbox.run(spec, bundle: bundle)
        XCTAssertEqual(code, 0)
        XCTAssertEqual(log.map(\.tag), ["P", "P", "F", "F"])
        XCTAssertEqual(log.prefix(3).map(\.content.count), [16384, 16384, 40000 - 2 * 16384])
        XCTAssertEqual(log.last?.content, "done")
    }

    func testHostnameAndOwnPidNamespace() throws {
        let (spec, bundle) = sandbox.spec("hostname; ls /proc | grep -E '^[0-9]+$' | sort -n | head -1; ps -o pid,comm", name: "ns")
        let (code, log) = try sandbox.run(spec, bundle: bundle)
        XCTAssertEqual(code, 0, stderrText(log))
        let lines = log.filter { $0.stream == "stdout" }.map(\.content)
        XCTAssertEqual(lines.first, "box-ns")
        XCTAssertEqual(lines.dropFirst().first, "1")
        // ps sees the shell (pid 1) and itself, nothing of the host.
        let pids = lines.dropFirst(3).compactMap { Int($0.split(separator: " ").first ?? "") }
        XCTAssertEqual(pids.first, 1)
        XCTAssertLessThanOrEqual(pids.count, 4, "\(lines)")
    }

    func testNamespacesAndStandardMounts() throws {
        let script = """
            for ns in pid mnt uts ipc cgroup net; do echo "$ns $(readlink /proc/self/ns/$ns)"; done
            cat /proc/self/cgroup
            ls -l /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty
            readlink /dev/ptmx; readlink /dev/fd
            stat -c '%a %n' /dev /dev/shm
            grep -E ' /(dev|dev/pts|dev/shm|dev/mqueue|sys|proc) ' /proc/self/mountinfo | cut -d' ' -f5,6,9
            touch /sys/x || echo SYS-RO
            echo sysfirmware=$(ls /sys/firmware | wc -l)
            """
        for fallback in [false, true] {
            // The second round forces the clone fallback (no clone3).
            if fallback { setenv("CSPAWN_NO_CLONE3", "1", 1) }
            defer { unsetenv("CSPAWN_NO_CLONE3") }
            let (spec, bundle) = sandbox.spec(script, name: fallback ? "mounts-clone" : "mounts-clone3")
            let (code, log) = try sandbox.run(spec, bundle: bundle)
            XCTAssertEqual(code, 0, stderrText(log))
            let out = stdoutText(log)
            for ns in ["pid", "mnt", "uts", "ipc", "cgroup", "net"] {
                let host = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/\(ns)")
                let line = out.split(separator: "\n").first { $0.hasPrefix(ns + " ") }
                XCTAssertNotNil(line, ns)
                XCTAssertNotEqual(line.map { String($0.dropFirst(ns.count + 1)) }, host, "\(ns) namespace is new")
            }
            // In its own cgroup namespace the container is at the root of every hierarchy.
            let cgroupLines = out.split(separator: "\n").filter { $0.range(of: #"^[0-9]+:[^:]*:/"#, options: .regularExpression) != nil }
            XCTAssertFalse(cgroupLines.isEmpty, out)
            XCTAssertTrue(cgroupLines.allSatisfy { $0.hasSuffix(":/") }, out)
            for node in ["null", "zero", "full", "random", "urandom", "tty"] {
                XCTAssertTrue(out.range(of: #"crw-rw-rw-.* /dev/\#(node)\n"#, options: .regularExpression) != nil,
                              "/dev/\(node): \(out)")
            }
            XCTAssertTrue(out.contains("pts/ptmx\n/proc/self/fd\n"), out)
            XCTAssertTrue(out.contains("755 /dev\n1777 /dev/shm\n"), out)
            for (point, type) in [("/dev", "tmpfs"), ("/dev/pts", "devpts"), ("/dev/shm", "tmpfs"), ("/dev/mqueue", "mqueue"), ("/sys", "sysfs"), ("/proc", "proc")] {
                XCTAssertTrue(out.contains("\(point) ") && out.range(of: "\n\(point) [^ ]* \(type)\n", options: .regularExpression) != nil,
                              "\(point) \(type): \(out)")
            }
            XCTAssertTrue(out.range(of: #"\n/sys ro,"#, options: .regularExpression) != nil, out)
            XCTAssertTrue(out.contains("SYS-RO"))
            XCTAssertTrue(out.contains("sysfirmware=0"), out)
        }
    }

    func testDefaultSecurity() throws {
        var (spec, bundle) = sandbox.spec("""
            cat /proc/self/status
            test -d /mnt && echo MNT-EXISTS
            mount -t tmpfs x /mnt && echo MOUNTED
            echo 1 > /proc/sys/kernel/domainname && echo SYSWRITE
            if [ -e /proc/kcore ]; then echo kcore=$(cat /proc/kcore | wc -c); else echo kcore=absent; fi
            echo keys=$(cat /proc/keys | wc -c)
            grep -c ' /proc/keys ' /proc/self/mountinfo
            """, name: "sec")
        spec.seccomp = .runtimeDefault
        spec.noNewPrivileges = true
        let (code, log) = try sandbox.run(spec, bundle: bundle)
        XCTAssertEqual(code, 0)
        let out = stdoutText(log)
        XCTAssertEqual(statusField(out, "CapEff"), "00000000a80425fb")
        XCTAssertEqual(statusField(out, "CapPrm"), "00000000a80425fb")
        XCTAssertEqual(statusField(out, "CapBnd"), "00000000a80425fb")
        XCTAssertEqual(statusField(out, "CapInh"), "0000000000000000")
        XCTAssertEqual(statusField(out, "CapAmb"), "0000000000000000")
        XCTAssertEqual(statusField(out, "Seccomp"), "2")
        XCTAssertEqual(statusField(out, "NoNewPrivs"), "1")
        XCTAssertTrue(out.contains("MNT-EXISTS"))
        XCTAssertFalse(out.contains("MOUNTED"))
        XCTAssertTrue(stderrText(log).contains("mount: permission denied"), stderrText(log))
        XCTAssertFalse(out.contains("SYSWRITE"))
        XCTAssertTrue(stderrText(log).contains("Read-only file system"), stderrText(log))
        XCTAssertTrue(out.contains("kcore=absent") || out.contains("kcore=0"), out)
        XCTAssertTrue(out.contains("keys=0"), out)
    }

    func testCapabilitiesFollowAddAndDrop() throws {
        func caps(_ securityContext: JSON, name: String) throws -> String {
            let plan = try ContainerPlan(container: ["name": .string(name), "command": ["/bin/sh", "-c", "grep -E '^Cap(Eff|Bnd)' /proc/self/status"],
                                                     "securityContext": securityContext])
            let spec = try plan.spawnSpec(rootfs: sandbox.rootfs, logPath: sandbox.base + "/bundles/\(name)/container.log",
                                          cgroupPath: sandbox.cgroupPrefix + "/" + name)
            let (code, log) = try sandbox.run(spec, bundle: sandbox.base + "/bundles/" + name)
            XCTAssertEqual(code, 0, stderrText(log))
            return stdoutText(log)
        }
        // add NET_ADMIN (12), drop CHOWN (0) and KILL (5)
        let adjusted = try caps(["capabilities": ["add": ["NET_ADMIN"], "drop": ["CHOWN", "KILL"]]], name: "adddrop")
        let expected = String(format: "%016llx", (0xa80425fb as UInt64 | 1 << 12) & ~(1 << 0 | 1 << 5))
        XCTAssertEqual(statusField(adjusted, "CapEff"), expected)
        XCTAssertEqual(statusField(adjusted, "CapBnd"), expected)
        let minimal = try caps(["capabilities": ["drop": ["ALL"], "add": ["NET_BIND_SERVICE"]]], name: "min")
        XCTAssertEqual(statusField(minimal, "CapEff"), "0000000000000400")
        XCTAssertEqual(statusField(minimal, "CapBnd"), "0000000000000400")
    }

    func testPrivilegedContainer() throws {
        let plan = try ContainerPlan(container: ["name": "priv", "command": ["/bin/sh", "-c",
            "grep CapEff /proc/self/status; mount -t tmpfs x /mnt && echo MOUNTED; grep ' /sys ' /proc/self/mountinfo | cut -d' ' -f6; echo devices=$(ls /dev | wc -l); cat /proc/keys > /dev/null && echo KEYS-UNMASKED"],
            "securityContext": ["privileged": true]])
        let spec = try plan.spawnSpec(rootfs: sandbox.rootfs, logPath: sandbox.base + "/bundles/priv/container.log")
        let (code, log) = try sandbox.run(spec, bundle: sandbox.base + "/bundles/priv")
        XCTAssertEqual(code, 0, stderrText(log))
        let out = stdoutText(log)
        let hostCaps = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        XCTAssertEqual(statusField(out, "CapEff"), statusField(hostCaps, "CapPrm"), "all the capabilities we hold")
        XCTAssertTrue(out.contains("MOUNTED"), out)
        XCTAssertTrue(out.contains("\nrw,"), "/sys is writable: \(out)")
        let devices = Int(out.components(separatedBy: "devices=").last?.prefix { $0.isNumber } ?? "") ?? 0
        XCTAssertGreaterThan(devices, 12, "host devices are present")
    }

    func testSeccompConditionalOnCapSysAdmin() throws {
        var (spec, bundle) = sandbox.spec("mount -t tmpfs x /mnt && echo MOUNTED; unshare -U true && echo UNSHARED", name: "admin")
        spec.seccomp = .runtimeDefault
        spec.capabilities = .containerd(SpawnSpec.Capabilities.defaultNames + ["CAP_SYS_ADMIN"])
        let (code, log) = try sandbox.run(spec, bundle: bundle)
        XCTAssertEqual(code, 0, stderrText(log))
        XCTAssertTrue(stdoutText(log).contains("MOUNTED"), "CAP_SYS_ADMIN opens mount in the default profile")
    }

    func testCustomSeccompProfileDeniesASyscall() throws {
        let json = #"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}"#
        var (spec, bundle) = sandbox.spec("mkdir /tmp/newdir; echo rc=$?", name: "profile")
        spec.seccomp = .profile(try SeccompProfile.text(fromDockerJSON: Data(json.utf8)))
        let (code, log) = try sandbox.run(spec, bundle: bundle)
        XCTAssertEqual(code, 0)
        XCTAssertTrue(stdoutText(log).contains("rc=1"), stdoutText(log))
        XCTAssertTrue(stderrText(log).contains("Operation not permitted"), stderrText(log))
    }

    func testRunAsUser() throws {
        let plan = try ContainerPlan(container: ["name": "user", "command": ["/bin/sh", "-c", "id -u; id -g; id -G; echo $HOME; grep Seccomp: /proc/self/status; grep CapEff /proc/self/status"],
                                                 "securityContext": ["runAsUser": 1000, "seccompProfile": ["type": "RuntimeDefault"]]],
                                     pod: ["metadata": ["name": "p"], "spec": ["securityContext": ["supplementalGroups": [4000]]]])
        let spec = try plan.spawnSpec(rootfs: sandbox.rootfs, logPath: sandbox.base + "/bundles/user/container.log")
        let (code, log) = try sandbox.run(spec, bundle: sandbox.base + "/bundles/user")
        XCTAssertEqual(code, 0, stderrText(log))
        let lines = log.filter { $0.stream == "stdout" }.map(\.content)
        XCTAssertEqual(lines.first, "1000")
        XCTAssertEqual(lines.dropFirst().first, "1000")
        XCTAssertEqual(Set((lines.dropFirst(2).first ?? "").split(separator: " ")), ["1000", "10", "4000"])
        XCTAssertEqual(lines.dropFirst(3).first, "/home/app")
        // The filter is loaded while still root (no no_new_privs), then the user changes.
        XCTAssertEqual(statusField(lines.dropFirst(4).first ?? "", "Seccomp"), "2")
        XCTAssertEqual(statusField(lines.last ?? "", "CapEff"), "0000000000000000", "a non-root user keeps no effective capabilities")
    }

    func testReadOnlyRootfsWorkingDirAndVolumes() throws {
        let volume = sandbox.base + "/volume"
        try FileManager.default.createDirectory(atPath: volume, withIntermediateDirectories: true)
        try "from-host\n".write(toFile: volume + "/hello", atomically: true, encoding: .utf8)
        let hosts = sandbox.base + "/hosts"
        try "127.0.0.1 localhost\n10.250.0.5 box\n".write(toFile: hosts, atomically: true, encoding: .utf8)
        var (spec, bundle) = sandbox.spec("pwd; cat /data/hello; touch /data/x && echo VOLRW; touch /rootfile || echo ROOTRO; cat /etc/hosts; touch /dev/shm/ok && echo SHM; touch /config/y || echo VOLRO; cat /config/hello",
                                          name: "ro")
        spec.readOnlyRootfs = true
        spec.workingDir = "/work/dir"
        spec.mounts = [SpawnSpec.Mount(source: volume, destination: "/data"),
                       SpawnSpec.Mount(source: volume, destination: "/config/", readOnly: true)]
        spec.hostsFile = hosts
        let (code, log) = try sandbox.run(spec, bundle: bundle)
        XCTAssertEqual(code, 0, stderrText(log))
        let out = stdoutText(log)
        XCTAssertEqual(out, "/work/dir\nfrom-host\nVOLRW\nROOTRO\n127.0.0.1 localhost\n10.250.0.5 box\nSHM\nVOLRO\nfrom-host")
        XCTAssertTrue(FileManager.default.fileExists(atPath: volume + "/x"))
    }

    func testJoinsAGivenNetworkNamespace() throws {
        let netns = try sandbox.makeNetns("pod")
        var st = stat()
        XCTAssertEqual(stat(netns, &st), 0)
        var (spec, bundle) = sandbox.spec("readlink /proc/self/ns/net; cat /proc/net/dev | tail -n +3 | cut -d: -f1", name: "net")
        spec.netnsPath = netns
        let (code, log) = try sandbox.run(spec, bundle: bundle)
        XCTAssertEqual(code, 0, stderrText(log))
        let lines = log.filter { $0.stream == "stdout" }.map(\.content)
        XCTAssertEqual(lines.first, "net:[\(st.st_ino)]")
        XCTAssertEqual(lines.dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }, ["lo"])
    }

    func testCgroupLimitsAreWritten() throws {
        var (spec, bundle) = sandbox.spec("sleep 30", name: "cg")
        spec.resources = SpawnSpec.Resources(cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimit: 64 << 20, pidsLimit: 64)
        let pid = try sandbox.start(spec, bundle: bundle)
        let layout = Cgroups.layout()
        let rel = sandbox.cgroupPrefix + "/cg"
        if layout.unified {
            let dir = layout.roots[0] + "/" + rel
            XCTAssertEqual(try String(contentsOfFile: dir + "/memory.max", encoding: .utf8), "67108864\n")
            XCTAssertEqual(try String(contentsOfFile: dir + "/cpu.max", encoding: .utf8), "50000 100000\n")
        } else {
            func knob(_ controller: String, _ file: String) throws -> String {
                try String(contentsOfFile: "/sys/fs/cgroup/\(controller)/\(rel)/\(file)", encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            XCTAssertEqual(try knob("memory", "memory.limit_in_bytes"), "67108864")
            XCTAssertEqual(try knob("cpu", "cpu.cfs_quota_us"), "50000")
            XCTAssertEqual(try knob("cpu", "cpu.shares"), "512")
            XCTAssertEqual(try knob("pids", "pids.max"), "64")
        }
        let cgroupFile = try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)
        XCTAssertTrue(cgroupFile.contains("/" + rel + "\n"), cgroupFile)
        // A second start of a running bundle is refused, the running container untouched.
        XCTAssertThrowsError(try ContainerRuntime.start(bundle: bundle)) { error in
            XCTAssertEqual("\(error)", "container of \(bundle) is already running (pid \(pid))")
        }
        XCTAssertThrowsError(try spec.write(to: bundle))
        XCTAssertEqual(ContainerRuntime.record(bundle: bundle)?.pid, pid)
        try ContainerRuntime.kill(bundle: bundle, signal: SIGKILL)
        XCTAssertEqual(try sandbox.waitForExit(bundle: bundle), 137)
        XCTAssertEqual(ContainerRuntime.exitInfo(bundle: bundle)?.signal, 9)
        // The shim removed the container's cgroup once it was empty.
        XCTAssertFalse(Cgroups.exists(relativePath: rel))
    }

    func testOOMScoreAdjAndRlimits() throws {
        var (spec, bundle) = sandbox.spec("cat /proc/self/oom_score_adj; ulimit -n", name: "oom")
        spec.oomScoreAdj = 500
        spec.rlimits = [SpawnSpec.Rlimit(name: "NOFILE", soft: 512, hard: 1024)]
        let (code, log) = try sandbox.run(spec, bundle: bundle)
        XCTAssertEqual(code, 0, stderrText(log))
        XCTAssertEqual(stdoutText(log), "500\n512")
        // Lowering below the shim's own value needs CAP_SYS_RESOURCE (absent on some hosts):
        // the container must start anyway.
        var (low, lowBundle) = sandbox.spec("cat /proc/self/oom_score_adj", name: "oomlow")
        low.oomScoreAdj = -997
        let (lowCode, lowLog) = try sandbox.run(low, bundle: lowBundle)
        XCTAssertEqual(lowCode, 0, stderrText(lowLog))
    }

    func testGracefulTerminationReachesATrapInPid1() throws {
        let (spec, bundle) = sandbox.spec("trap 'echo got TERM; exit 0' TERM; echo ready; while true; do sleep 0.1; done", name: "term")
        try sandbox.start(spec, bundle: bundle)
        let deadline = Date().addingTimeInterval(10)
        while (try? String(contentsOfFile: bundle + "/container.log", encoding: .utf8))?.contains("ready") != true && Date() < deadline {
            usleep(10_000)
        }
        try ContainerRuntime.kill(bundle: bundle, signal: SIGTERM)
        XCTAssertEqual(try sandbox.waitForExit(bundle: bundle), 0)
        XCTAssertEqual(ContainerRuntime.exitInfo(bundle: bundle)?.reason, "Completed")
        XCTAssertTrue(stdoutText(try sandbox.readLog(bundle + "/container.log")).contains("got TERM"))
        XCTAssertThrowsError(try ContainerRuntime.kill(bundle: bundle, signal: SIGTERM)) { error in
            XCTAssertEqual(error as? RuntimeError, .notRunning(bundle: bundle))
        }
    }

    func testOOMKillIsReported() throws {
        // tail keeps the one endless "line" of zeros in memory: far beyond the limit.
        var (spec, bundle) = sandbox.spec("head -c 200000000 /dev/zero | tail -n 1 > /dev/null; echo survived", name: "oomkill")
        spec.resources.memoryLimit = 16 << 20
        let (_, log) = try sandbox.run(spec, bundle: bundle)
        let info = try XCTUnwrap(ContainerRuntime.exitInfo(bundle: bundle))
        XCTAssertTrue(info.oomKilled, "\(info) \(log)")
        XCTAssertEqual(info.reason, "OOMKilled")
    }

    func testStartErrorsNameTheStep() throws {
        let (missing, bundle1) = sandbox.spec("", name: "missing")
        var spec1 = missing
        spec1.args = ["nosuchprogram"]
        XCTAssertThrowsError(try sandbox.start(spec1, bundle: bundle1)) { error in
            XCTAssertEqual("\(error)", "exec: \"nosuchprogram\": executable file not found in $PATH")
        }
        if case .exited(let code, _) = ContainerRuntime.state(bundle: bundle1) { XCTAssertEqual(code, 128) } else {
            XCTFail("a start error is recorded as an exit")
        }
        XCTAssertEqual(ContainerRuntime.exitInfo(bundle: bundle1)?.reason, "StartError")

        var (spec2, bundle2) = sandbox.spec("true", name: "badroot")
        spec2.rootfs = sandbox.base + "/no-such-rootfs"
        XCTAssertThrowsError(try sandbox.start(spec2, bundle: bundle2)) { error in
            XCTAssertTrue("\(error)".hasPrefix("bind mount rootfs \(self.sandbox.base)/no-such-rootfs: No such file or directory"), "\(error)")
        }
    }

    func testContainerOutlivesTheProcessThatLaunchedTheShim() throws {
        let (spec, bundle) = sandbox.spec("sleep 60", name: "orphan")
        try spec.write(to: bundle)
        // A launcher that starts the shim and then dies by SIGKILL.
        let launcher = Process()
        launcher.executableURL = URL(fileURLWithPath: "/bin/sh")
        launcher.arguments = ["-c", "\"$0\" start \"$1\" > \"$1/launch.out\"; exec sleep 60", ContainerRuntime.defaultShimPath(), bundle]
        try launcher.run()
        let deadline = Date().addingTimeInterval(10)
        while ContainerRuntime.record(bundle: bundle) == nil && Date() < deadline { usleep(10_000) }
        sandbox.track(bundle: bundle)
        Glibc.kill(launcher.processIdentifier, SIGKILL)
        launcher.waitUntilExit()
        usleep(200_000)
        guard case .running(let pid, _) = ContainerRuntime.state(bundle: bundle) else {
            return XCTFail("container died with its launcher: \(ContainerRuntime.state(bundle: bundle))")
        }
        XCTAssertTrue(try String(contentsOfFile: bundle + "/launch.out", encoding: .utf8).hasPrefix("started \(pid)"))
        XCTAssertTrue(ContainerRuntime.record(bundle: bundle)!.shimAlive)
        try ContainerRuntime.kill(bundle: bundle, signal: SIGKILL)
        XCTAssertEqual(try sandbox.waitForExit(bundle: bundle), 137)
    }
}
