import CSpawn
import Foundation

/// Runs containers through `swiftlet-shim`, one bundle directory per container:
///
///     try spec.write(to: bundle)                       // spawn.conf
///     let pid = try ContainerRuntime.start(bundle: bundle)
///     ContainerRuntime.state(bundle: bundle)           // .running / .exited / .unknown
///     try ContainerRuntime.kill(bundle: bundle, signal: SIGTERM)
///     try ContainerRuntime.remove(bundle: bundle)      // kill, unmount, cgroups, files
///
/// The shim is the container's parent and outlives the caller: a restarted agent finds the
/// container again through the same bundle (state, exit code, log, attach socket).
public enum ContainerRuntime {
    /// The shim next to the running executable (or $SWIFTLET_SHIM).
    public static func defaultShimPath() -> String {
        if let env = ProcessInfo.processInfo.environment["SWIFTLET_SHIM"], !env.isEmpty { return env }
        var candidates: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append((exe as NSString).deletingLastPathComponent)
        }
        if let argv0 = CommandLine.arguments.first {
            candidates.append(((argv0 as NSString).deletingLastPathComponent as NSString).standardizingPath)
        }
        for dir in candidates where FileManager.default.isExecutableFile(atPath: dir + "/swiftlet-shim") {
            return dir + "/swiftlet-shim"
        }
        return (candidates.first ?? ".") + "/swiftlet-shim"
    }

    /// Starts the container of a bundle written by `SpawnSpec.write(to:)`. Returns once the
    /// container's process runs its program (execve succeeded); throws the shim's message
    /// otherwise (e.g. `exec: "nginx": executable file not found in $PATH`).
    @discardableResult
    public static func start(bundle: String, shimPath: String? = nil) throws -> Int32 {
        let shim = shimPath ?? defaultShimPath()
        let output = try runCollectingOutput(shim, ["start", bundle])
        let line = output.split(separator: "\n").first.map(String.init) ?? ""
        if line.hasPrefix("started "), let pid = Int32(line.dropFirst(8)) { return pid }
        if line.hasPrefix("error ") { throw RuntimeError.shim(bundle: bundle, message: String(line.dropFirst(6))) }
        throw RuntimeError.shim(bundle: bundle, message: "swiftlet-shim start \(bundle): unexpected answer \"\(line)\"")
    }

    /// What the container does now. A container whose pid is gone while its shim still drains
    /// output is waited for (up to `settle` seconds) until the shim records the exit.
    public static func state(bundle: String, settle: Double = 2) -> ContainerState {
        if let info = BundleFiles.exitInfo(bundle: bundle) { return .exited(code: info.exitCode, finishedAt: info.finishedAt) }
        guard let record = BundleFiles.record(bundle: bundle) else { return .unknown }
        if record.containerAlive { return .running(pid: record.pid, startedAt: record.startedAt) }
        let deadline = Date().addingTimeInterval(settle)
        while record.shimAlive && Date() < deadline {
            if BundleFiles.exitInfo(bundle: bundle) != nil { break }
            usleep(10_000)
        }
        if let info = BundleFiles.exitInfo(bundle: bundle) { return .exited(code: info.exitCode, finishedAt: info.finishedAt) }
        return .unknown
    }

    /// The exit file in full (signal, OOM, reason, start time), once the container exited.
    public static func exitInfo(bundle: String) -> ExitInfo? { BundleFiles.exitInfo(bundle: bundle) }

    /// Which processes are the container and its shim (from the bundle's state file).
    public static func record(bundle: String) -> ShimRecord? { BundleFiles.record(bundle: bundle) }

    /// Signals the container's init, only if it is still our process.
    public static func kill(bundle: String, signal: Int32) throws {
        guard let record = BundleFiles.record(bundle: bundle), BundleFiles.exitInfo(bundle: bundle) == nil else {
            throw RuntimeError.notRunning(bundle: bundle)
        }
        if cspawn_signal_process(record.pid, record.pidStartTime, signal) != 0 {
            if errno == ESRCH { throw RuntimeError.notRunning(bundle: bundle) }
            throw RuntimeError.syscall(call: "kill", object: "pid \(record.pid)", errno: errno)
        }
    }

    /// Asks the shim to reopen the log file (after the caller rotated it).
    public static func reopenLog(bundle: String) throws {
        guard let record = BundleFiles.record(bundle: bundle) else { throw RuntimeError.notRunning(bundle: bundle) }
        if cspawn_signal_process(record.shimPid, record.shimStartTime, SIGUSR1) != 0 {
            throw RuntimeError.syscall(call: "kill", object: "shim pid \(record.shimPid)", errno: errno)
        }
    }

    /// Kills the container (SIGKILL) if it runs, waits for its shim to record the exit and go,
    /// unmounts the rootfs (when `unmountRootfs` and it is a mount point), removes the cgroup
    /// and deletes the bundle directory (never crossing into a mount point).
    public static func remove(bundle: String, unmountRootfs: Bool = true, timeout: Double = 10) throws {
        let conf = (try? SpawnConf.read(bundle: bundle)) ?? []
        if let record = BundleFiles.record(bundle: bundle) {
            _ = cspawn_signal_process(record.pid, record.pidStartTime, SIGKILL)
            let deadline = Date().addingTimeInterval(timeout)
            // The shim is gone a few milliseconds after its container: look every millisecond, not every ten.
            while Date() < deadline && (record.containerAlive || record.shimAlive) { usleep(1_000) }
            if record.shimAlive { _ = cspawn_signal_process(record.shimPid, record.shimStartTime, SIGKILL) }
            if record.containerAlive { throw RuntimeError.timeout("container pid \(record.pid) of \(bundle) to exit") }
        }
        if unmountRootfs, let rootfs = conf.last(where: { $0.key == "rootfs" })?.fields.first,
           MountTable.isMountPoint(rootfs) {
            try OverlayRootfs.unmount(rootfs)
        }
        if let cgroup = conf.last(where: { $0.key == "cgroup" })?.fields.first {
            try Cgroups.remove(relativePath: cgroup)
        }
        try SafeRemove.directory(bundle)
    }

    /// Runs a process in the running container of the bundle (kubectl exec, exec probes), with
    /// the container's user, capabilities, seccomp and environment (`env` entries override).
    /// With `tty`, the process gets a new pty whose master is `ExecProcess.terminal`.
    public static func exec(bundle: String, args: [String], tty: Bool = false, env: [String] = [],
                            workingDir: String? = nil, user: (uid: UInt32, gid: UInt32)? = nil,
                            shimPath: String? = nil) throws -> ExecProcess {
        guard !args.isEmpty else { throw RuntimeError.plan("exec: no command specified") }
        guard let record = BundleFiles.record(bundle: bundle), record.containerAlive,
              BundleFiles.exitInfo(bundle: bundle) == nil else { throw RuntimeError.notRunning(bundle: bundle) }
        var arguments = ["exec", "--bundle", bundle, "--pid", String(record.pid)]
        if tty { arguments.append("--tty") }
        if let workingDir { arguments += ["--cwd", workingDir] }
        if let user { arguments += ["--user", "\(user.uid):\(user.gid)"] }
        for entry in env { arguments += ["--env", entry] }
        arguments.append("--")
        arguments += args
        return try ExecProcess.launch(shim: shimPath ?? defaultShimPath(), arguments: arguments, tty: tty)
    }

    /// Connects to the container's attach socket.
    public static func attach(bundle: String) throws -> AttachConnection { try AttachConnection(bundle: bundle) }

    /// Runs a short command and returns its stdout (used for `swiftlet-shim start`, which
    /// returns as soon as the detached monitor reported).
    static func runCollectingOutput(_ path: String, _ arguments: [String]) throws -> String {
        var fds: [Int32] = [-1, -1]
        try check(cspawn_pipe_cloexec(&fds), "pipe", path)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([path] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var cargv = argv + [nil]
        // Default signal handling and an empty mask, whatever the caller set for itself.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, &cargv, environ)
        close(fds[1])
        defer { close(fds[0]) }
        if rc != 0 { throw RuntimeError.syscall(call: "posix_spawn", object: path, errno: rc) }
        var output = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fds[0], &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            output += buffer[0..<n]
            // One line is the whole answer; do not depend on EOF (a concurrently spawned
            // process elsewhere in the agent may have inherited the write end).
            if output.contains(UInt8(ascii: "\n")) { break }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return String(decoding: output, as: UTF8.self)
    }
}
