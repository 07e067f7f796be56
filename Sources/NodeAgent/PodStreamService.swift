import Foundation
import KubeAPI
import KubeClient

/// Logs, exec, attach and port-forward for the pods of this node, independent of the wire protocol: the API
/// server adapts them to chunked HTTP, WebSocket channels or SPDY streams.
public struct PodStreamService: PodStreams {
    let ctx: AgentContext

    typealias Failure = PodStreamError

    func containerName(_ pod: JSON, _ requested: String?) throws -> String {
        let names = (pod["spec"]["containers"].elements + pod["spec"]["initContainers"].elements).compactMap { $0["name"].string }
        if let requested, !requested.isEmpty {
            guard names.contains(requested) else {
                throw Failure(code: 400, "container \(requested) is not valid for pod \(pod.name ?? "")")
            }
            return requested
        }
        guard let first = pod["spec"]["containers"][0]["name"].string else {
            throw Failure(code: 400, "pod \(pod.name ?? "") has no containers")
        }
        return first
    }

    func attempts(_ pod: JSON, _ container: String) -> [Int] {
        let dir = "\(ctx.config.podDir(pod.uid ?? ""))/containers/\(container)"
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).compactMap(Int.init).sorted()
    }

    func bundle(_ pod: JSON, _ container: String) throws -> String {
        guard let last = attempts(pod, container).last else {
            throw Failure(code: 400, "container \"\(container)\" in pod \"\(pod.name ?? "")\" is waiting to start: ContainerCreating")
        }
        return "\(ctx.config.podDir(pod.uid ?? ""))/containers/\(container)/\(last)"
    }

    func logFile(_ pod: JSON, _ container: String, previous: Bool) throws -> String {
        let all = attempts(pod, container)
        let dir = "\(ctx.config.logsDir)/\(pod.namespace ?? "")_\(pod.name ?? "")_\(pod.uid ?? "")/\(container)"
        if previous {
            guard all.count >= 2 else {
                throw Failure(code: 400, "previous terminated container \"\(container)\" in pod \"\(pod.name ?? "")\" not found")
            }
            return "\(dir)/\(all[all.count - 2]).log"
        }
        guard let last = all.last else {
            throw Failure(code: 400, "container \"\(container)\" in pod \"\(pod.name ?? "")\" is waiting to start: ContainerCreating")
        }
        return "\(dir)/\(last).log"
    }

    /// The container's log, rendered for kubectl; with `follow`, new lines as they are written, until the container
    /// stops.
    public func logs(pod: JSON, container requested: String?, options: LogOptions) throws -> AsyncThrowingStream<[UInt8], Error> {
        let container = try containerName(pod, requested)
        let path = try logFile(pod, container, previous: options.previous)
        let bundleDir = try? bundle(pod, container)
        let engine = ctx.engine
        return AsyncThrowingStream { continuation in
            let task = Task {
                guard let handle = FileHandle(forReadingAtPath: path) else { continuation.finish(); return }
                defer { try? handle.close() }
                let initial = (try? handle.readToEnd()) ?? Data()
                var carry = ""
                var text = String(decoding: initial, as: UTF8.self)
                if !text.hasSuffix("\n"), let cut = text.lastIndex(of: "\n") {
                    carry = String(text[text.index(after: cut)...])
                    text = String(text[...cut])
                } else if !text.hasSuffix("\n") {
                    carry = text
                    text = ""
                }
                let first = ContainerLog.render(text, options: options)
                if !first.isEmpty { continuation.yield(Array(first.utf8)) }
                guard options.follow, !options.previous else { continuation.finish(); return }
                while !Task.isCancelled {
                    let more = handle.availableData
                    if !more.isEmpty {
                        var chunk = carry + String(decoding: more, as: UTF8.self)
                        carry = ""
                        if !chunk.hasSuffix("\n") {
                            if let cut = chunk.lastIndex(of: "\n") {
                                carry = String(chunk[chunk.index(after: cut)...])
                                chunk = String(chunk[...cut])
                            } else {
                                carry = chunk
                                chunk = ""
                            }
                        }
                        let out = ContainerLog.renderFollow(chunk, options: options)
                        if !out.isEmpty { continuation.yield(Array(out.utf8)) }
                        continue
                    }
                    if let bundleDir, case .running = engine.state(bundleDir: bundleDir) {} else if bundleDir != nil {
                        break
                    }
                    try? await Task.sleep(for: .milliseconds(100))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func checkRunning(pod: JSON, container requested: String?) throws {
        let container = try containerName(pod, requested)
        guard case .running = ctx.engine.state(bundleDir: try bundle(pod, container)) else {
            throw Failure(code: 400, "container \(container) is not running")
        }
    }

    public func exec(pod: JSON, container requested: String?, argv: [String], tty: Bool, stdin: Bool) async throws -> any StreamSession {
        let container = try containerName(pod, requested)
        let dir = try bundle(pod, container)
        guard case .running = ctx.engine.state(bundleDir: dir) else {
            throw Failure(code: 400, "container \(container) is not running")
        }
        guard !argv.isEmpty else { throw Failure(code: 400, "you must specify at least 1 command") }
        return try await ctx.engine.exec(bundleDir: dir, argv: argv, tty: tty, stdin: stdin)
    }

    public func attach(pod: JSON, container requested: String?, stdin: Bool) async throws -> any StreamSession {
        let container = try containerName(pod, requested)
        let dir = try bundle(pod, container)
        guard case .running = ctx.engine.state(bundleDir: dir) else {
            throw Failure(code: 400, "container \(container) is not running")
        }
        return try await ctx.engine.attach(bundleDir: dir, stdin: stdin)
    }

    /// A TCP connection to the pod's port (from the node, through the bridge).
    public func portForward(pod: JSON, port: UInt16) throws -> Int32 {
        guard let ip = ctx.sandboxes.sandbox(podUID: pod.uid ?? "")?.ip else {
            throw Failure(code: 400, "pod \(pod.name ?? "") has no network sandbox on this node")
        }
        guard let fd = TCPProbe.connect(host: ip, port: port, timeout: 5) else {
            throw Failure(code: 500, "error forwarding port \(port) to pod \(pod.uid ?? ""): failed to connect to \(ip):\(port)")
        }
        // Back to blocking mode for the relay.
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
        return fd
    }
}
