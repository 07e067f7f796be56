import Foundation
import XCTest
@testable import ClusterPKI

/// Checks the generated files with independent implementations: OpenSSL's command line, and kubectl (Go's
/// crypto/tls and crypto/x509) talking to `openssl s_server` with our serving certificate and requiring our client
/// certificate. These catch encodings our own parser would accept but real clients would not.
final class ClusterPKIInteropTests: XCTestCase {
    var dir: ClusterPKITemporaryDirectory!
    var pki: ClusterPKI!
    var nodeCertificatePath: String!

    override func setUpWithError() throws {
        dir = try ClusterPKITemporaryDirectory()
        pki = try ClusterPKI.loadOrCreate(
            directory: dir.path, serverNames: ["localhost", "kubernetes.default.svc"], serverIPs: ["127.0.0.1", "::1", "10.96.0.1"])
        let node = try pki.issueClientCertificate(commonName: "system:node:n1", organizations: ["system:nodes"])
        nodeCertificatePath = dir.file("node.crt")
        try node.certificatePEM.write(toFile: nodeCertificatePath, atomically: true, encoding: .utf8)
    }

    override func tearDown() {
        pki = nil
        dir = nil
    }

    private func openssl() throws -> String {
        guard let path = ClusterPKITestTools.executable("openssl") else { throw InteropFailure("openssl is required (Debian package openssl)") }
        return path
    }

    func testOpenSSLVerifiesEveryCertificateAgainstTheCA() throws {
        let openssl = try openssl()
        let ca = dir.file("pki/ca.crt")
        let verify = try ClusterPKITestTools.run(openssl, ["verify", "-CAfile", ca, dir.file("pki/server.crt"), dir.file("pki/admin.crt"), nodeCertificatePath])
        XCTAssertEqual(verify.status, 0, verify.output)
        XCTAssertTrue(verify.output.contains("server.crt: OK"), verify.output)
        XCTAssertTrue(verify.output.contains("admin.crt: OK"), verify.output)
        XCTAssertTrue(verify.output.contains("node.crt: OK"), verify.output)
        // Purpose checks look at the extended key usages.
        let server = try ClusterPKITestTools.run(openssl, ["verify", "-purpose", "sslserver", "-CAfile", ca, dir.file("pki/server.crt")])
        XCTAssertEqual(server.status, 0, server.output)
        let client = try ClusterPKITestTools.run(openssl, ["verify", "-purpose", "sslclient", "-CAfile", ca, dir.file("pki/admin.crt")])
        XCTAssertEqual(client.status, 0, client.output)
        let adminAsServer = try ClusterPKITestTools.run(openssl, ["verify", "-purpose", "sslserver", "-CAfile", ca, dir.file("pki/admin.crt")])
        XCTAssertNotEqual(adminAsServer.status, 0, "admin certificate must not be usable as a server certificate")
    }

    func testOpenSSLShowsTheExpectedFields() throws {
        let openssl = try openssl()
        let server = try ClusterPKITestTools.run(openssl, ["x509", "-noout", "-text", "-in", dir.file("pki/server.crt")])
        XCTAssertEqual(server.status, 0, server.output)
        XCTAssertTrue(server.output.contains(
            "DNS:localhost, DNS:kubernetes.default.svc, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10.96.0.1"),
            server.output)
        XCTAssertTrue(server.output.contains("Subject: CN = kube-apiserver"), server.output)
        XCTAssertTrue(server.output.contains("Issuer: CN = swiftlet-ca"), server.output)
        XCTAssertTrue(server.output.contains("TLS Web Server Authentication"), server.output)
        XCTAssertTrue(server.output.contains("X509v3 Authority Key Identifier"), server.output)
        XCTAssertTrue(server.output.contains("Digital Signature, Key Encipherment"), server.output)
        XCTAssertTrue(server.output.contains("NIST CURVE: P-256"), server.output)

        let ca = try ClusterPKITestTools.run(openssl, ["x509", "-noout", "-text", "-in", dir.file("pki/ca.crt")])
        XCTAssertTrue(ca.output.contains("X509v3 Basic Constraints: critical\n                CA:TRUE"), ca.output)
        XCTAssertTrue(ca.output.contains("X509v3 Key Usage: critical\n                Digital Signature, Certificate Sign, CRL Sign"), ca.output)
        XCTAssertTrue(ca.output.contains("X509v3 Subject Key Identifier"), ca.output)

        let admin = try ClusterPKITestTools.run(openssl, ["x509", "-noout", "-subject", "-ext", "extendedKeyUsage", "-in", dir.file("pki/admin.crt")])
        XCTAssertTrue(admin.output.contains("subject=O = system:masters, CN = kubernetes-admin"), admin.output)
        XCTAssertTrue(admin.output.contains("TLS Web Client Authentication"), admin.output)

        for key in ["ca.key", "server.key", "admin.key"] {
            let parsed = try ClusterPKITestTools.run(openssl, ["pkey", "-noout", "-text", "-in", dir.file("pki/\(key)")])
            XCTAssertEqual(parsed.status, 0, "\(key): \(parsed.output)")
            XCTAssertTrue(parsed.output.contains("ASN1 OID: prime256v1"), parsed.output)
        }
    }

    /// kubectl loads the admin kubeconfig (Go parses our PKCS#8 key and certificates), verifies our serving
    /// certificate by IP and DNS SAN, and presents the admin certificate, which `s_server` checks against our CA.
    /// `s_server -www` answers with a status page naming the client certificate's subject.
    func testKubectlTalksTLSWithTheGeneratedCredentials() throws {
        let openssl = try openssl()
        guard let kubectl = ClusterPKITestTools.executable("kubectl") else { throw InteropFailure("kubectl is required on PATH") }
        guard let timeout = ClusterPKITestTools.executable("timeout") else { throw InteropFailure("timeout is required (coreutils)") }

        let (server, port) = try startTLSServer(openssl: openssl, timeout: timeout)
        defer {
            if server.isRunning { server.terminate() }
            server.waitUntilExit()
        }
        let kubeconfigPath = dir.file("admin.kubeconfig")
        try ClusterPKI.writeSecretFile(kubeconfigPath, contents: pki.adminKubeconfig(server: "https://127.0.0.1:\(port)"))
        let environment = ["HOME": dir.path, "PATH": "/usr/bin:/bin"]
        func kubectlRaw(_ extra: [String]) throws -> (status: Int32, output: String) {
            try ClusterPKITestTools.run(
                kubectl, ["--kubeconfig", kubeconfigPath, "--cache-dir", dir.file("cache"), "--request-timeout", "10s"] + extra
                    + ["get", "--raw", "/"], environment: environment)
        }

        for serverURL in ["https://127.0.0.1:\(port)", "https://localhost:\(port)", "https://[::1]:\(port)"] {
            let result = try kubectlRaw(["--server", serverURL])
            XCTAssertEqual(result.status, 0, "\(serverURL): \(result.output)")
            XCTAssertTrue(result.output.contains("Subject: O=system:masters, CN=kubernetes-admin"), "\(serverURL): \(result.output)")
        }
        // Go must refuse a name the certificate does not carry: proof that the SANs are actually being checked.
        let wrongName = try kubectlRaw(["--tls-server-name", "wrong.example"])
        XCTAssertNotEqual(wrongName.status, 0)
        XCTAssertTrue(wrongName.output.contains("x509: certificate is valid for"), wrongName.output)
    }

    func testKubectlReadsTheKubeconfig() throws {
        guard let kubectl = ClusterPKITestTools.executable("kubectl") else { throw InteropFailure("kubectl is required on PATH") }
        let path = dir.file("admin.kubeconfig")
        try ClusterPKI.writeSecretFile(path, contents: pki.adminKubeconfig(server: "https://[::1]:6443"))
        let environment = ["HOME": dir.path, "PATH": "/usr/bin:/bin"]
        let query = "{.current-context}|{.contexts[0].name}|{.contexts[0].context.cluster}|{.contexts[0].context.user}|"
            + "{.contexts[0].context.namespace}|{.clusters[0].name}|{.clusters[0].cluster.server}|{.users[0].name}"
        let view = try ClusterPKITestTools.run(kubectl, ["config", "view", "--kubeconfig", path, "-o", "jsonpath=\(query)"], environment: environment)
        XCTAssertEqual(view.status, 0, view.output)
        XCTAssertEqual(view.output, "swiftlet|swiftlet|swiftlet|swiftlet|default|swiftlet|https://[::1]:6443|swiftlet")
        let raw = try ClusterPKITestTools.run(
            kubectl, ["config", "view", "--raw", "--kubeconfig", path, "-o", "jsonpath={.users[0].user.client-key-data}"], environment: environment)
        XCTAssertEqual(Data(base64Encoded: raw.output).map { String(decoding: $0, as: UTF8.self) }, pki.adminPrivateKeyPEM)
    }

    /// Starts `openssl s_server` on a free-looking port, retrying on a clash; `timeout` bounds its life even if the
    /// test process dies.
    private func startTLSServer(openssl: String, timeout: String) throws -> (Process, Int) {
        for _ in 0..<5 {
            let port = Int.random(in: 20000...29999)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: timeout)
            process.arguments = [
                "60", openssl, "s_server", "-accept", "\(port)", "-www",
                "-cert", dir.file("pki/server.crt"), "-key", dir.file("pki/server.key"),
                "-CAfile", dir.file("pki/ca.crt"), "-Verify", "1", "-verify_return_error",
            ]
            let log = Pipe()
            process.standardOutput = log
            process.standardError = log
            process.standardInput = FileHandle.nullDevice
            try process.run()
            // s_server prints ACCEPT once it listens; it exits if the port is taken.
            var seen = ""
            while process.isRunning, !seen.contains("ACCEPT") {
                let chunk = log.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                seen += String(decoding: chunk, as: UTF8.self)
            }
            if seen.contains("ACCEPT") {
                // Keep draining its output so a full pipe never blocks it.
                let handle = log.fileHandleForReading
                DispatchQueue.global().async { _ = handle.readDataToEndOfFile() }
                return (process, port)
            }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        throw InteropFailure("could not start openssl s_server on a free port")
    }
}

/// A missing tool fails the interop tests: CI installs every one of them.
struct InteropFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
