import ContainerRuntime
import Foundation
import KubeAPI
import KubeClient
import Synchronization

/// Containers through ContainerRuntime: an overlay rootfs over the image layers, a plan from the pod spec, and the
/// shim as the container's parent.
public struct RuntimeEngine: ContainerEngine {
    let shimPath: String

    public init(shimPath: String) { self.shimPath = shimPath }

    static func cgroupPath(_ podUID: String, _ container: String) -> String { "swiftlet/\(podUID)/\(container)" }

    public func start(_ l: ContainerLaunch) async throws -> RunState {
        try await offPool { [self] in try startBlocking(l) }
    }

    func startBlocking(_ l: ContainerLaunch) throws -> RunState {
        let rootfs = l.bundleDir + "/rootfs"
        for dir in [rootfs, l.bundleDir + "/upper", l.bundleDir + "/work"] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        let image = ImageConfig(entrypoint: l.image.entrypoint, cmd: l.image.cmd, env: l.image.env,
                                workingDir: l.image.workingDir, user: l.image.user)
        let plan = try ContainerPlan(container: l.container, pod: l.pod, image: image,
                                     environment: l.env.map { (name: $0.0, value: $0.1) },
                                     options: PlanOptions(seccompDefault: l.seccompDefault))
        // Overlay lower dirs are listed top-first; the image lists its layers bottom-first.
        try OverlayRootfs.mount(lowerDirs: l.image.layerDirs.reversed(), upper: l.bundleDir + "/upper",
                                work: l.bundleDir + "/work", target: rootfs)
        do {
            let spec = try plan.spawnSpec(
                rootfs: rootfs, netnsPath: l.netnsPath.isEmpty ? nil : l.netnsPath, logPath: l.logPath,
                cgroupPath: Self.cgroupPath(l.podUID, l.containerName),
                mounts: l.mounts.map { SpawnSpec.Mount(source: $0.0, destination: $0.1, readOnly: $0.2) },
                hostsFile: l.hostsFile, resolvConf: l.resolvConf, hostnameFile: l.hostnameFile)
            try spec.write(to: l.bundleDir)
            _ = try ContainerRuntime.start(bundle: l.bundleDir, shimPath: shimPath)
        } catch {
            try? OverlayRootfs.unmount(rootfs)
            throw error
        }
        return state(bundleDir: l.bundleDir)
    }

    public func state(bundleDir: String) -> RunState {
        switch ContainerRuntime.state(bundle: bundleDir) {
        case .running(_, let startedAt):
            let pid = ContainerRuntime.record(bundle: bundleDir)?.pid ?? 0
            return .running(pid: pid, startedAt: Timestamps.rfc3339(startedAt))
        case .exited(let code, let finishedAt):
            let info = ContainerRuntime.exitInfo(bundle: bundleDir)
            return .exited(code: code, startedAt: info?.startedAt.map { Timestamps.rfc3339($0) } ?? "",
                           finishedAt: Timestamps.rfc3339(finishedAt), reason: info?.reason ?? (code == 0 ? "Completed" : "Error"))
        case .unknown:
            return .unknown
        }
    }

    public func signal(bundleDir: String, _ signal: Int32) {
        try? ContainerRuntime.kill(bundle: bundleDir, signal: signal)
    }

    public func remove(bundleDir: String) throws {
        try ContainerRuntime.remove(bundle: bundleDir)
    }

    public func cleanUpPod(podUID: String) {
        try? Cgroups.remove(relativePath: "swiftlet/\(podUID)")
    }

    public func exec(bundleDir: String, argv: [String], tty: Bool, stdin: Bool) async throws -> any StreamSession {
        let process = try ContainerRuntime.exec(bundle: bundleDir, args: argv, tty: tty, shimPath: shimPath)
        return ExecSession(process, tty: tty)
    }

    public func attach(bundleDir: String, stdin: Bool) async throws -> any StreamSession {
        let connection = try ContainerRuntime.attach(bundle: bundleDir)
        if stdin { try connection.attachStdin() }
        return AttachSession(connection)
    }
}

/// An exec'd process: its output read on background threads, stdin written through its pipe (or pty).
final class ExecSession: StreamSession, @unchecked Sendable {
    let process: ExecProcess
    let tty: Bool
    let output: AsyncStream<(UInt8, [UInt8])>
    private let exit = ExitBox()

    init(_ process: ExecProcess, tty: Bool) {
        self.process = process
        self.tty = tty
        let (stream, continuation) = AsyncStream<(UInt8, [UInt8])>.makeStream()
        output = stream
        let stdout: (UInt8, FileHandle) = (1, tty ? (process.terminal ?? process.stdout) : process.stdout)
        var readers = [stdout]
        if !tty, let stderr = process.stderr { readers.append((2, stderr)) }
        let group = DispatchGroup()
        for (channel, handle) in readers {
            group.enter()
            Thread.detachNewThread {
                while let chunk = try? ExecProcess.readChunk(handle), !chunk.isEmpty { continuation.yield((channel, chunk)) }
                group.leave()
            }
        }
        let exitBox = exit
        Thread.detachNewThread {
            let code = process.waitForExit()
            exitBox.set(code)
            // A pty reports EOF only once every holder is gone; the process's end ends the session.
            if tty { try? (process.terminal ?? process.stdout).close() }
            group.wait()
            continuation.finish()
        }
    }

    func writeStdin(_ bytes: [UInt8]) async throws {
        try (tty ? (process.terminal ?? process.stdin) : process.stdin).write(contentsOf: bytes)
    }

    func closeStdin() async {
        if tty { try? (process.terminal ?? process.stdin).write(contentsOf: [4]) } else { try? process.stdin.close() }
    }

    func resize(cols: UInt16, rows: UInt16) { try? process.resize(cols: cols, rows: rows) }

    func exitCode() async -> Int32? {
        for _ in 0..<100 {
            if let code = exit.value { return code }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return exit.value
    }
}

/// An attachment to a running container's stdio through its shim.
final class AttachSession: StreamSession, @unchecked Sendable {
    let connection: AttachConnection
    let output: AsyncStream<(UInt8, [UInt8])>

    init(_ connection: AttachConnection) {
        self.connection = connection
        let (stream, continuation) = AsyncStream<(UInt8, [UInt8])>.makeStream()
        output = stream
        Thread.detachNewThread {
            while let frame = try? connection.readFrame() {
                if frame.stream == 1 || frame.stream == 2 { continuation.yield((frame.stream, frame.payload)) }
                if frame.stream == 3 { break }
            }
            continuation.finish()
        }
    }

    func writeStdin(_ bytes: [UInt8]) async throws { try connection.write(stdin: bytes) }
    func closeStdin() async { try? connection.closeStdin() }
    func resize(cols: UInt16, rows: UInt16) { try? connection.resize(cols: cols, rows: rows) }
    func exitCode() async -> Int32? { nil }
}

/// The exit code of an exec'd process once known.
final class ExitBox: Sendable {
    private let code = Mutex<Int32?>(nil)
    func set(_ c: Int32) { code.withLock { $0 = c } }
    var value: Int32? { code.withLock { $0 } }
}
