import Foundation
import KubeAPI
import XCTest
@testable import ContainerRuntime

final class ContainerRuntimePlanTests: XCTestCase {
    let pod: JSON = ["metadata": ["name": "web-1", "namespace": "default", "uid": "u-1"], "spec": ["containers": []]]

    // MARK: command and args

    func testImageEntrypointAndCmdWhenNothingGiven() throws {
        let image = ImageConfig(entrypoint: ["/docker-entrypoint.sh"], cmd: ["nginx", "-g", "daemon off;"])
        let plan = try ContainerPlan(container: ["name": "web"], image: image)
        XCTAssertEqual(plan.args, ["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"])
    }

    func testArgsReplaceCmdButKeepEntrypoint() throws {
        let image = ImageConfig(entrypoint: ["/entry"], cmd: ["default"])
        let plan = try ContainerPlan(container: ["name": "c", "args": ["a", "b"]], image: image)
        XCTAssertEqual(plan.args, ["/entry", "a", "b"])
    }

    func testCommandReplacesEntrypointAndCmd() throws {
        let image = ImageConfig(entrypoint: ["/entry"], cmd: ["default"])
        XCTAssertEqual(try ContainerPlan(container: ["name": "c", "command": ["sh"]], image: image).args, ["sh"])
        XCTAssertEqual(try ContainerPlan(container: ["name": "c", "command": ["sh"], "args": ["-c", "x"]], image: image).args,
                       ["sh", "-c", "x"])
    }

    func testEmptyEntrypointStringIsIgnored() throws {
        let image = ImageConfig(entrypoint: [""], cmd: ["run"])
        XCTAssertEqual(try ContainerPlan(container: ["name": "c"], image: image).args, ["run"])
    }

    func testNoCommandIsAnError() {
        XCTAssertThrowsError(try ContainerPlan(container: ["name": "c"], image: ImageConfig())) { error in
            XCTAssertEqual("\(error)", "no command specified")
        }
    }

    func testVariableExpansionInCommandAndArgs() throws {
        let plan = try ContainerPlan(container: ["name": "c", "command": ["echo", "$(GREETING)"], "args": ["$(MISSING)", "$$(GREETING)", "a$b"]],
                                     environment: [("GREETING", "hello")])
        XCTAssertEqual(plan.args, ["echo", "hello", "$(MISSING)", "$(GREETING)", "a$b"])
        XCTAssertEqual(ContainerPlan.expand("$(A)$(B", ["A": "x"]), "x$(B")
    }

    // MARK: environment, working directory, hostname

    func testEnvironmentOrderAndOverride() throws {
        let image = ImageConfig(cmd: ["x"], env: ["PATH=/image/bin", "NGINX_VERSION=1.25", "MODE=image"])
        let plan = try ContainerPlan(container: ["name": "c", "tty": true], pod: pod, image: image,
                                     environment: [("MODE", "pod"), ("KUBERNETES_SERVICE_HOST", "10.96.0.1")])
        XCTAssertEqual(plan.env, ["PATH=/image/bin", "HOSTNAME=web-1", "NGINX_VERSION=1.25", "MODE=pod",
                                  "KUBERNETES_SERVICE_HOST=10.96.0.1", "TERM=xterm"])
        let bare = try ContainerPlan(container: ["name": "c"], image: ImageConfig(cmd: ["x"]))
        XCTAssertEqual(bare.env, ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"])
    }

    func testWorkingDirAndHostname() throws {
        let image = ImageConfig(cmd: ["x"], workingDir: "/app")
        XCTAssertEqual(try ContainerPlan(container: ["name": "c"], image: image).workingDir, "/app")
        XCTAssertEqual(try ContainerPlan(container: ["name": "c", "workingDir": "/srv"], image: image).workingDir, "/srv")
        XCTAssertEqual(try ContainerPlan(container: ["name": "c"], image: ImageConfig(cmd: ["x"])).workingDir, "/")
        var named = pod
        named["spec"]["hostname"] = "custom"
        XCTAssertEqual(try ContainerPlan(container: ["name": "c"], pod: named, image: image).hostname, "custom")
        XCTAssertEqual(try ContainerPlan(container: ["name": "c"], pod: pod, image: image).hostname, "web-1")
    }

    // MARK: security context

    func testDefaultCapabilitiesAreContainerds14() throws {
        let plan = try ContainerPlan(container: ["name": "c", "command": ["x"]])
        XCTAssertEqual(plan.capabilities, .containerd(SpawnSpec.Capabilities.defaultNames))
        XCTAssertEqual(plan.capabilities.inheritable, [])
        XCTAssertEqual(plan.capabilities.ambient, [])
        XCTAssertFalse(plan.noNewPrivileges)
        XCTAssertEqual(plan.seccomp, .unconfined)
        XCTAssertEqual(plan.maskedPaths, SpawnSpec.defaultMaskedPaths)
    }

    func testCapabilitiesAddAndDrop() throws {
        let plan = try ContainerPlan(container: ["name": "c", "command": ["x"],
                                                 "securityContext": ["capabilities": ["add": ["NET_ADMIN", "sys_time"], "drop": ["CHOWN", "KILL"]]]])
        var expected = SpawnSpec.Capabilities.defaultNames.filter { $0 != "CAP_CHOWN" && $0 != "CAP_KILL" }
        expected += ["CAP_NET_ADMIN", "CAP_SYS_TIME"]
        XCTAssertEqual(plan.capabilities.bounding, expected)
        XCTAssertEqual(plan.capabilities.effective, expected)
        XCTAssertEqual(plan.capabilities.permitted, expected)
    }

    func testDropAllThenAdd() throws {
        let plan = try ContainerPlan(container: ["name": "c", "command": ["x"],
                                                 "securityContext": ["capabilities": ["add": ["NET_BIND_SERVICE"], "drop": ["ALL"]]]])
        XCTAssertEqual(plan.capabilities.bounding, ["CAP_NET_BIND_SERVICE"])
    }

    func testAddAllMinusOne() throws {
        let plan = try ContainerPlan(container: ["name": "c", "command": ["x"],
                                                 "securityContext": ["capabilities": ["add": ["ALL"], "drop": ["SYS_ADMIN"]]]])
        XCTAssertFalse(plan.capabilities.bounding.contains("CAP_SYS_ADMIN"))
        XCTAssertTrue(plan.capabilities.bounding.contains("CAP_NET_ADMIN"))
    }

    func testPrivileged() throws {
        let plan = try ContainerPlan(container: ["name": "c", "command": ["x"],
                                                 "securityContext": ["privileged": true, "seccompProfile": ["type": "RuntimeDefault"]]])
        XCTAssertEqual(plan.capabilities.bounding, ["ALL"])
        XCTAssertEqual(plan.seccomp, .unconfined, "privileged containers always run unconfined")
        XCTAssertEqual(plan.maskedPaths, [])
        XCTAssertEqual(plan.readonlyPaths, [])
    }

    func testNoNewPrivsAndReadOnlyRoot() throws {
        let plan = try ContainerPlan(container: ["name": "c", "command": ["x"],
                                                 "securityContext": ["allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true]])
        XCTAssertTrue(plan.noNewPrivileges)
        XCTAssertTrue(plan.readOnlyRootfs)
        let allowed = try ContainerPlan(container: ["name": "c", "command": ["x"], "securityContext": ["allowPrivilegeEscalation": true]])
        XCTAssertFalse(allowed.noNewPrivileges)
    }

    func testSeccompChoices() throws {
        func plan(_ sc: JSON, podSC: JSON = .emptyObject, options: PlanOptions = PlanOptions()) throws -> SeccompChoice {
            var p = pod
            p["spec"]["securityContext"] = podSC
            return try ContainerPlan(container: ["name": "c", "command": ["x"], "securityContext": sc], pod: p, options: options).seccomp
        }
        XCTAssertEqual(try plan(["seccompProfile": ["type": "RuntimeDefault"]]), .runtimeDefault)
        XCTAssertEqual(try plan(.emptyObject, podSC: ["seccompProfile": ["type": "RuntimeDefault"]]), .runtimeDefault)
        XCTAssertEqual(try plan(["seccompProfile": ["type": "Unconfined"]], podSC: ["seccompProfile": ["type": "RuntimeDefault"]]), .unconfined)
        XCTAssertEqual(try plan(.emptyObject), .unconfined)
        XCTAssertEqual(try plan(.emptyObject, options: PlanOptions(seccompDefault: true)), .runtimeDefault)
        XCTAssertEqual(try plan(["seccompProfile": ["type": "Localhost", "localhostProfile": "profiles/audit.json"]],
                                options: PlanOptions(seccompRoot: "/var/lib/kubelet/seccomp")),
                       .localhost(path: "/var/lib/kubelet/seccomp/profiles/audit.json"))
        XCTAssertThrowsError(try plan(["seccompProfile": ["type": "Localhost"]]))
    }

    func testProcMountUnmasked() throws {
        let plan = try ContainerPlan(container: ["name": "c", "command": ["x"], "securityContext": ["procMount": "Unmasked"]])
        XCTAssertEqual(plan.maskedPaths, [])
    }

    // MARK: users

    func testUserRequestPrecedence() throws {
        var p = pod
        p["spec"]["securityContext"] = ["runAsUser": 2000, "runAsGroup": 3000, "supplementalGroups": [4000], "fsGroup": 5000]
        let plan = try ContainerPlan(container: ["name": "c", "command": ["x"], "securityContext": ["runAsUser": 1000]], pod: p)
        XCTAssertEqual(plan.user.runAsUser, 1000)
        XCTAssertEqual(plan.user.runAsGroup, 3000)
        XCTAssertEqual(plan.user.supplementalGroups, [4000])
        XCTAssertEqual(plan.user.fsGroup, 5000)
    }

    func testUserResolutionAgainstImageFiles() throws {
        let root = NSTemporaryDirectory() + "sltest-cr-users-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try "root:x:0:0:root:/root:/bin/sh\nnginx:x:101:101:nginx:/var/cache/nginx:/sbin/nologin\n"
            .write(toFile: root + "/etc/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:\nnginx:x:101:\nwww:x:33:nginx\n".write(toFile: root + "/etc/group", atomically: true, encoding: .utf8)

        func resolve(_ request: UserRequest) throws -> ResolvedUser { try request.resolve(rootfs: root, podDescription: "p_ns(u)", containerName: "c") }
        let base = UserRequest(runAsUser: nil, runAsGroup: nil, imageUser: "", supplementalGroups: [], fsGroup: nil, runAsNonRoot: false)

        XCTAssertEqual(try resolve(base), ResolvedUser(uid: 0, gid: 0, supplementalGroups: [0], home: "/root"))
        var named = base
        named.imageUser = "nginx"
        XCTAssertEqual(try resolve(named), ResolvedUser(uid: 101, gid: 101, supplementalGroups: [101, 33], home: "/var/cache/nginx"))
        var pair = base
        pair.imageUser = "nginx:www"
        XCTAssertEqual(try resolve(pair).gid, 33)
        var numeric = base
        numeric.imageUser = "4242"
        XCTAssertEqual(try resolve(numeric), ResolvedUser(uid: 4242, gid: 0, supplementalGroups: [0], home: "/"))
        var runAs = base
        runAs.runAsUser = 101
        runAs.supplementalGroups = [7]
        runAs.fsGroup = 8
        XCTAssertEqual(try resolve(runAs), ResolvedUser(uid: 101, gid: 101, supplementalGroups: [101, 33, 7, 8], home: "/var/cache/nginx"))
        var missing = base
        missing.imageUser = "nobody-here"
        XCTAssertThrowsError(try resolve(missing))
    }

    func testRunAsNonRootMessages() throws {
        let base = UserRequest(runAsUser: nil, runAsGroup: nil, imageUser: "", supplementalGroups: [], fsGroup: nil, runAsNonRoot: true)
        XCTAssertThrowsError(try base.resolve(rootfs: "/nonexistent", podDescription: "web-1_default(u-1)", containerName: "web")) {
            XCTAssertEqual("\($0)", "container has runAsNonRoot and image will run as root (pod: \"web-1_default(u-1)\", container: web)")
        }
        var named = base
        named.imageUser = "nginx"
        XCTAssertThrowsError(try named.resolve(rootfs: "/nonexistent", podDescription: "p", containerName: "web")) {
            XCTAssertEqual("\($0)", "container has runAsNonRoot and image has non-numeric user (nginx), cannot verify user is non-root (pod: \"p\", container: web)")
        }
        var zero = base
        zero.runAsUser = 0
        XCTAssertThrowsError(try zero.resolve(rootfs: "/nonexistent", podDescription: "p", containerName: "web")) {
            XCTAssertEqual("\($0)", "container's runAsUser breaks non-root policy (pod: \"p\", container: web)")
        }
        var fine = base
        fine.runAsUser = 1000
        XCTAssertEqual(try fine.resolve(rootfs: "/nonexistent").uid, 1000)
    }

    // MARK: resources

    func testCgroupValues() throws {
        let plan = try ContainerPlan(container: ["name": "c", "command": ["x"],
                                                 "resources": ["requests": ["cpu": "250m"], "limits": ["cpu": "500m", "memory": "64Mi"]]])
        XCTAssertEqual(plan.resources, SpawnSpec.Resources(cpuShares: 256, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimit: 67_108_864))
        let limitOnly = try ContainerPlan(container: ["name": "c", "command": ["x"], "resources": ["limits": ["cpu": 1]]])
        XCTAssertEqual(limitOnly.resources.cpuShares, 1024)
        let none = try ContainerPlan(container: ["name": "c", "command": ["x"]])
        XCTAssertEqual(none.resources, SpawnSpec.Resources(cpuShares: 2))
    }

    func testOOMScoreAdjByQoS() throws {
        func adj(_ resources: JSON) throws -> Int? {
            var p = pod
            let container: JSON = ["name": "c", "command": ["x"], "resources": resources]
            p["spec"]["containers"] = [container]
            return try ContainerPlan(container: container, pod: p, options: PlanOptions(nodeMemoryCapacity: 1_000_000_000)).oomScoreAdj
        }
        XCTAssertEqual(try adj(.emptyObject), 1000)
        XCTAssertEqual(try adj(["limits": ["cpu": "1", "memory": "100M"]]), -997)
        XCTAssertEqual(try adj(["requests": ["memory": "250M"]]), 750)
    }

    // MARK: spawn spec

    func testSpawnSpecFromPlan() throws {
        let root = NSTemporaryDirectory() + "sltest-cr-spec-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try "app:x:1000:1000::/home/app:/bin/sh\n".write(toFile: root + "/etc/passwd", atomically: true, encoding: .utf8)
        let plan = try ContainerPlan(container: ["name": "c", "command": ["sleep", "1"], "stdin": true, "tty": true,
                                                 "securityContext": ["runAsUser": 1000, "allowPrivilegeEscalation": false]], pod: pod)
        let spec = try plan.spawnSpec(rootfs: root, netnsPath: "/run/netns/x", logPath: "/l", cgroupPath: "swiftlet/p/c",
                                      hostsFile: "/pod/hosts", resolvConf: "/pod/resolv.conf")
        XCTAssertEqual(spec.uid, 1000)
        XCTAssertEqual(spec.gid, 1000)
        XCTAssertTrue(spec.env.contains("HOME=/home/app"))
        XCTAssertTrue(spec.noNewPrivileges)
        XCTAssertTrue(spec.tty && spec.stdin)
        XCTAssertEqual(spec.effectiveMounts.map(\.destination), ["/etc/hosts", "/etc/resolv.conf"])
        XCTAssertEqual(spec.hostname, "web-1")
    }
}
