// swiftlet-spawn-bench: times swiftlet's container spawn path for bench/run.py (P2), the way the node agent takes it:
// ContainerPlan from a Kubernetes container → SpawnSpec → bundle → `swiftlet-shim start` (the monitor forks, clones
// the container, reports) → the monitor records the exit → ContainerRuntime.remove (bundle, cgroup).
//
//     swiftlet-spawn-bench --rootfs DIR --work DIR [--shim PATH] -- ARGV...
//
// One container per line "run" on stdin; answers one line per run: `total_ms exited_ms` (exited_ms: until the
// monitor's exit file appeared; total_ms: also the removal). A long-lived process, like the agent, so the figure
// holds no process start-up of our own; `crun run` pays its own, which is the point of comparing against it.
import ContainerRuntime
import Foundation
import KubeAPI

struct Options {
    var rootfs = ""
    var work = ""
    var shim: String?
    var argv: [String] = []

    static func parse(_ args: [String]) -> Options? {
        var o = Options()
        var i = 1
        while i < args.count {
            switch args[i] {
            case "--rootfs" where i + 1 < args.count: o.rootfs = args[i + 1]; i += 2
            case "--work" where i + 1 < args.count: o.work = args[i + 1]; i += 2
            case "--shim" where i + 1 < args.count: o.shim = args[i + 1]; i += 2
            case "--": o.argv = Array(args[(i + 1)...]); i = args.count
            default: return nil
            }
        }
        return o.rootfs.isEmpty || o.work.isEmpty || o.argv.isEmpty ? nil : o
    }
}

/// Blocks until `name` is renamed into `dir` (the shim writes its exit file by rename), or the timeout passes.
struct RenameWatch {
    let fd: Int32
    let name: String

    init(dir: String, name: String) throws {
        fd = inotify_init1(Int32(IN_CLOEXEC))
        guard fd >= 0 else { throw BenchError("inotify_init1 for \(dir): errno \(errno)") }
        guard inotify_add_watch(fd, dir, UInt32(IN_MOVED_TO)) >= 0 else {
            close(fd)
            throw BenchError("inotify_add_watch \(dir): errno \(errno)")
        }
        self.name = name
    }

    func wait(until deadline: Date, alreadyThere: () -> Bool) throws {
        defer { close(fd) }
        if alreadyThere() { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(max(1, deadline.timeIntervalSinceNow * 1000)))
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { break }
            let n = read(fd, &buffer, buffer.count)
            guard n > 0 else { continue }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= n {
                let (len, match) = buffer.withUnsafeBytes { raw -> (Int, Bool) in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    let nameStart = offset + MemoryLayout<inotify_event>.size
                    let bytes = raw[nameStart..<(nameStart + Int(event.len))].prefix { $0 != 0 }
                    return (Int(event.len), String(decoding: bytes, as: UTF8.self) == name)
                }
                if match { return }
                offset += MemoryLayout<inotify_event>.size + len
            }
        }
        if !alreadyThere() { throw BenchError("no \(name) file within the timeout") }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

func milliseconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }

/// One container, from the pod's container object to its removal.
func runOnce(_ o: Options, index: Int, cgroupPrefix: String) throws -> (total: Double, exited: Double) {
    let bundle = "\(o.work)/bundles/run-\(index)"
    let name = "run-\(index)"
    let container: JSON = ["name": "c", "image": "busybox", "command": .array(o.argv.map { .string($0) })]
    let pod: JSON = ["metadata": ["name": .string("spawn-\(index)"), "namespace": "default", "uid": .string(name)]]
    let start = DispatchTime.now().uptimeNanoseconds
    let plan = try ContainerPlan(container: container, pod: pod)
    let spec = try plan.spawnSpec(rootfs: o.rootfs, logPath: bundle + "/container.log", cgroupPath: "\(cgroupPrefix)/\(name)")
    try spec.write(to: bundle)
    let watch = try RenameWatch(dir: bundle, name: "exit")
    try ContainerRuntime.start(bundle: bundle, shimPath: o.shim)
    try watch.wait(until: Date().addingTimeInterval(20)) { ContainerRuntime.exitInfo(bundle: bundle) != nil }
    let exited = milliseconds(since: start)
    guard let info = ContainerRuntime.exitInfo(bundle: bundle), info.exitCode == 0 else {
        throw BenchError("container of \(bundle) failed: \(String(describing: ContainerRuntime.exitInfo(bundle: bundle)))")
    }
    try ContainerRuntime.remove(bundle: bundle, unmountRootfs: false)
    return (milliseconds(since: start), exited)
}

guard let options = Options.parse(CommandLine.arguments) else {
    FileHandle.standardError.write(Data("usage: swiftlet-spawn-bench --rootfs DIR --work DIR [--shim PATH] -- ARGV...\n".utf8))
    exit(2)
}
/// One answer line, written at once (stdout is a pipe: buffered output would never reach the reader in time).
func answer(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

let cgroupPrefix = "swiftlet-spawn-bench-\(getpid())"
var index = 0
var failed = false
while let line = readLine() {
    guard line == "run" else { break }
    do {
        let r = try runOnce(options, index: index, cgroupPrefix: cgroupPrefix)
        answer(String(format: "%.3f %.3f", r.total, r.exited))
    } catch {
        answer("error \(error)")
        failed = true
        break
    }
    index += 1
}
try? Cgroups.remove(relativePath: cgroupPrefix)
exit(failed ? 1 : 0)
