import Foundation
import KubeAPI
import KubeClient
#if canImport(Glibc)
import Glibc
#endif

/// Liveness, readiness and startup probes with the kubelet's thresholds and timing.
struct ProbeState: Sendable {
    enum Kind: Sendable { case startup, readiness, liveness }

    struct Counter: Sendable {
        var result: Bool?
        var successes = 0
        var failures = 0
        var lastRun = Date.distantPast
    }

    var counters: [Kind: Counter] = [:]
    let created = Date()

    /// Runs the probe when due and returns the current verdict. No probe: startup and liveness succeed, readiness
    /// follows "running".
    mutating func run(_ kind: Kind, _ probe: JSON, ip: String, exec: @Sendable ([String]) async -> Bool) async -> Bool {
        guard !probe.isNull else { return true }
        var c = counters[kind] ?? Counter()
        let initialDelay = Double(probe["initialDelaySeconds"].int ?? 0)
        let period = Double(probe["periodSeconds"].int ?? 10)
        let timeout = Double(probe["timeoutSeconds"].int ?? 1)
        let successThreshold = Int(probe["successThreshold"].int ?? 1)
        let failureThreshold = Int(probe["failureThreshold"].int ?? 3)
        let initial: Bool = kind == .liveness  // liveness is presumed good until proven otherwise
        if Date().timeIntervalSince(created) < initialDelay { return c.result ?? initial }
        if Date().timeIntervalSince(c.lastRun) < period, c.result != nil { return c.result! }
        c.lastRun = Date()
        let ok = await Self.execute(probe, ip: ip, timeout: timeout, exec: exec)
        if ok {
            c.successes += 1
            c.failures = 0
            if c.successes >= successThreshold { c.result = true }
        } else {
            c.failures += 1
            c.successes = 0
            if c.failures >= failureThreshold { c.result = false }
        }
        counters[kind] = c
        return c.result ?? initial
    }

    static func execute(_ probe: JSON, ip: String, timeout: Double, exec: @Sendable ([String]) async -> Bool) async -> Bool {
        if !probe["exec"].isNull {
            return await exec(probe["exec"]["command"].elements.compactMap(\.string))
        }
        if !probe["tcpSocket"].isNull {
            guard let port = probe["tcpSocket"]["port"].int else { return false }
            let host = probe["tcpSocket"]["host"].string ?? ip
            return TCPProbe.connect(host: host, port: UInt16(port), timeout: timeout) != nil
        }
        if !probe["httpGet"].isNull {
            let g = probe["httpGet"]
            guard let port = g["port"].int else { return false }
            return TCPProbe.httpGet(host: g["host"].string ?? ip, port: UInt16(port), path: g["path"].string ?? "/", timeout: timeout)
        }
        return true
    }
}

/// Minimal socket clients for probes: a connect with a deadline, and an HTTP/1.1 GET judging by the status code.
enum TCPProbe {
    static func connect(host: String, port: UInt16, timeout: Double) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return nil }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { close(fd); return nil }
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if rc != 0 && errno != EINPROGRESS { close(fd); return nil }
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) == 1 else { close(fd); return nil }
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
        guard err == 0 else { close(fd); return nil }
        return fd
    }

    static func httpGet(host: String, port: UInt16, path: String, timeout: Double) -> Bool {
        guard let fd = connect(host: host, port: port, timeout: timeout) else { return false }
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUser-Agent: kube-probe/1.32\r\nAccept: */*\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) == 1 else { return false }
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n > 12 else { return false }
        let line = String(decoding: buffer[0..<n], as: UTF8.self)
        let parts = line.split(separator: " ")
        guard parts.count >= 2, let code = Int(parts[1]) else { return false }
        return (200..<400).contains(code)
    }
}

/// Events about pods, as the kubelet emits them (component "kubelet").
struct AgentEvents: Sendable {
    let recorder: EventRecorder

    func normal(_ object: JSON, _ reason: String, _ message: String, fieldPath: String? = nil) async {
        await recorder.record(object, .normal, reason: reason, message: message, component: "kubelet", fieldPath: fieldPath)
    }

    func warning(_ object: JSON, _ reason: String, _ message: String, fieldPath: String? = nil) async {
        await recorder.record(object, .warning, reason: reason, message: message, component: "kubelet", fieldPath: fieldPath)
    }
}
