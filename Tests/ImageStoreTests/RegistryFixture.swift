import Foundation
import XCTest
@testable import ImageStore

/// Debian's docker-registry on 127.0.0.1:<free port>, storage in a temp dir; stopped by `stop()`.
final class LocalRegistry {
    let port: UInt16
    let dir: String
    let storage: String
    private let process = Process()

    var host: String { "127.0.0.1:\(port)" }

    init(dir: String) throws {
        self.dir = dir
        storage = dir + "/storage"
        port = try freeLoopbackPort()
        try FileManager.default.createDirectory(atPath: storage, withIntermediateDirectories: true)
        let config = """
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: \(storage)
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)
            """
        try config.write(toFile: dir + "/config.yml", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
        process.arguments = ["serve", dir + "/config.yml"]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        let log = dir + "/registry.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        try waitForHTTP("http://\(host)/v2/", process: process, log: log)
    }

    func stop() { stopProcess(process) }

    /// `skopeo copy oci-archive:FILE docker://127.0.0.1:PORT/NAME` (`--all` keeps a whole image index).
    func push(_ archive: String, as name: String, all: Bool = false) throws {
        let out = try runCommand(["/usr/bin/skopeo", "--insecure-policy", "copy", "--dest-tls-verify=false"]
                                 + (all ? ["--all"] : []) + ["oci-archive:\(archive)", "docker://\(host)/\(name)"],
                                 environment: ["HOME": dir, "PATH": "/usr/bin:/bin"])
        guard out.status == 0 else { throw ImageStoreError(.io, "skopeo copy \(archive) → \(name): \(out.output)") }
    }

    /// The file the registry keeps a blob's bytes in (to corrupt it).
    func blobDataPath(_ digest: String) -> String {
        let hex = Digest.hex(digest)
        return "\(storage)/docker/registry/v2/blobs/sha256/\(hex.prefix(2))/\(hex)/data"
    }
}

/// A Bearer-token front for a registry, as Docker Hub works: every /v2 request without `Authorization: Bearer`
/// gets 401 and a challenge pointing at /token on this same server; requests with the token are proxied.
/// It logs the token requests it served to `tokens.log`.
final class TokenAuthProxy {
    let port: UInt16
    let log: String
    private let process = Process()

    static let script = #"""
        import http.client, http.server, json, signal, sys, urllib.parse
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})  # inherited blocked from the test process
        listen_port, backend_port, log_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
        TOKEN = "sekrit-token"

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *a): pass
            def reply(self, status, body=b"", headers=()):
                self.send_response(status)
                for k, v in headers: self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD": self.wfile.write(body)
            def handle_any(self):
                url = urllib.parse.urlparse(self.path)
                if url.path == "/token":
                    q = urllib.parse.parse_qs(url.query)
                    with open(log_path, "a") as f:
                        f.write("service=%s scope=%s\n" % (q.get("service", [""])[0], q.get("scope", [""])[0]))
                    return self.reply(200, json.dumps({"token": TOKEN}).encode(), [("Content-Type", "application/json")])
                if self.headers.get("Authorization") != "Bearer " + TOKEN:
                    parts = url.path.split("/")
                    scope = ""
                    for kind in ("manifests", "blobs"):
                        if kind in parts:
                            scope = ',scope="repository:%s:pull"' % "/".join(parts[2:parts.index(kind)])
                    challenge = 'Bearer realm="http://127.0.0.1:%d/token",service="test-registry"%s' % (listen_port, scope)
                    body = json.dumps({"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}).encode()
                    return self.reply(401, body, [("WWW-Authenticate", challenge), ("Content-Type", "application/json")])
                conn = http.client.HTTPConnection("127.0.0.1", backend_port)
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("accept",)}
                conn.request(self.command, self.path, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                keep = [(k, v) for k, v in resp.getheaders() if k.lower() in ("content-type", "docker-content-digest")]
                self.send_response(resp.status)
                for k, v in keep: self.send_header(k, v)
                self.send_header("Content-Length", resp.getheader("Content-Length") or str(len(body)))
                self.end_headers()
                if self.command != "HEAD": self.wfile.write(body)
            do_GET = handle_any
            do_HEAD = handle_any

        http.server.ThreadingHTTPServer(("127.0.0.1", listen_port), Handler).serve_forever()
        """#

    init(backend: UInt16, dir: String) throws {
        port = try freeLoopbackPort()
        log = dir + "/tokens.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let scriptPath = dir + "/token-proxy.py"
        try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptPath, "\(port)", "\(backend)", log]
        let errLog = dir + "/token-proxy.err"
        _ = FileManager.default.createFile(atPath: errLog, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: errLog)
        try process.run()
        try waitForHTTP("http://127.0.0.1:\(port)/token", process: process, log: errLog)
        try Data().write(to: URL(fileURLWithPath: log))  // forget the readiness probe
    }

    func stop() { stopProcess(process) }

    var tokenRequests: [String] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}

/// SIGTERM, then SIGKILL after 3 s. (Children of the test process inherit its blocked signal mask, so a child
/// that does not reset it — python — never sees SIGTERM.)
func stopProcess(_ p: Process) {
    guard p.isRunning else { return }
    p.terminate()
    for _ in 0..<30 where p.isRunning { usleep(100_000) }
    if p.isRunning { kill(p.processIdentifier, SIGKILL) }
    p.waitUntilExit()
}

/// A port nothing listens on right now (bound to 0 and released).
func freeLoopbackPort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ImageStoreError.sys("socket", "127.0.0.1") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard ok else { throw ImageStoreError.sys("bind", "127.0.0.1:0") }
    return UInt16(bigEndian: addr.sin_port)
}

/// Polls `url` with curl until it answers (any HTTP status), for up to 15 s.
func waitForHTTP(_ url: String, process: Process, log: String) throws {
    for _ in 0..<150 {
        guard process.isRunning else {
            throw ImageStoreError(.io, "\(process.executableURL?.path ?? "server") exited: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        }
        if let out = try? runCommand(["/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url]), out.output != "000" {
            return
        }
        usleep(100_000)
    }
    throw ImageStoreError(.io, "\(url) did not answer within 15 s")
}
