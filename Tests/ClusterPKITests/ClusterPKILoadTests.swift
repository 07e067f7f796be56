import Foundation
import X509
import XCTest
@testable import ClusterPKI

final class ClusterPKILoadTests: XCTestCase {
    let names = ["localhost", "kubernetes", "kubernetes.default"]
    let ips = ["127.0.0.1", "::1", "10.96.0.1"]

    func testFirstStartCreatesEveryFileWithStrictModes() throws {
        let dir = try ClusterPKITemporaryDirectory()
        let pki = try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ips)
        XCTAssertEqual(pki.pkiDirectory, dir.file("pki"))
        XCTAssertEqual(try ClusterPKITestTools.mode(dir.file("pki")), 0o700)
        for key in ["ca.key", "server.key", "admin.key"] {
            XCTAssertEqual(try ClusterPKITestTools.mode(dir.file("pki/\(key)")), 0o600, key)
        }
        for cert in ["ca.crt", "server.crt", "admin.crt"] {
            XCTAssertEqual(try ClusterPKITestTools.mode(dir.file("pki/\(cert)")), 0o644, cert)
        }
        XCTAssertEqual(try String(contentsOfFile: dir.file("pki/ca.crt"), encoding: .utf8), pki.caCertificatePEM)
        XCTAssertEqual(try String(contentsOfFile: dir.file("pki/server.key"), encoding: .utf8), pki.serverPrivateKeyPEM)
        // PKCS#8, the form Go's tls.X509KeyPair and BoringSSL both accept.
        for key in [pki.serverPrivateKeyPEM, pki.adminPrivateKeyPEM] {
            XCTAssertTrue(key.hasPrefix("-----BEGIN PRIVATE KEY-----\n"), key)
            XCTAssertTrue(key.hasSuffix("-----END PRIVATE KEY-----\n"))
        }
        // No temp files left behind by the atomic writes.
        let entries = try FileManager.default.contentsOfDirectory(atPath: dir.file("pki")).sorted()
        XCTAssertEqual(entries, ["admin.crt", "admin.key", "ca.crt", "ca.key", "server.crt", "server.key"])
    }

    func testServerCertificateIsOnlyTheLeaf() throws {
        let dir = try ClusterPKITemporaryDirectory()
        let pki = try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ips)
        XCTAssertEqual(pki.serverCertificatePEM.components(separatedBy: "BEGIN CERTIFICATE").count, 2)
    }

    func testReloadReturnsTheSameCredentials() throws {
        let dir = try ClusterPKITemporaryDirectory()
        let first = try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ips)
        let second = try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ips)
        XCTAssertEqual(first.caCertificatePEM, second.caCertificatePEM)
        XCTAssertEqual(first.serverCertificatePEM, second.serverCertificatePEM)
        XCTAssertEqual(first.serverPrivateKeyPEM, second.serverPrivateKeyPEM)
        XCTAssertEqual(first.adminCertificatePEM, second.adminCertificatePEM)
        XCTAssertEqual(first.adminPrivateKeyPEM, second.adminPrivateKeyPEM)
    }

    func testNewNodeIPReissuesServingCertificateButKeepsCAAndAdmin() throws {
        let dir = try ClusterPKITemporaryDirectory()
        let first = try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ips)
        let second = try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ips + ["192.168.7.20"])
        XCTAssertEqual(first.caCertificatePEM, second.caCertificatePEM)
        XCTAssertEqual(first.adminCertificatePEM, second.adminCertificatePEM)
        XCTAssertNotEqual(first.serverCertificatePEM, second.serverCertificatePEM)
        XCTAssertNotEqual(first.serverPrivateKeyPEM, second.serverPrivateKeyPEM)
        let san = ServerAddresses(certificate: try Certificate(pemEncoded: second.serverCertificatePEM))
        XCTAssertTrue(san.ipAddresses.contains([192, 168, 7, 20]))
        XCTAssertEqual(try String(contentsOfFile: dir.file("pki/server.crt"), encoding: .utf8), second.serverCertificatePEM)

        // A new DNS name also triggers re-issue.
        let third = try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names + ["node-a"], serverIPs: ips + ["192.168.7.20"])
        XCTAssertNotEqual(second.serverCertificatePEM, third.serverCertificatePEM)
        XCTAssertEqual(first.caCertificatePEM, third.caCertificatePEM)
    }

    func testFewerOrEquivalentNamesKeepTheServingCertificate() throws {
        let dir = try ClusterPKITemporaryDirectory()
        let first = try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ips)
        // A subset is still covered; IPv6 spelled differently and DNS case differences are the same names.
        let second = try ClusterPKI.loadOrCreate(
            directory: dir.path, serverNames: ["LOCALHOST"], serverIPs: ["0:0:0:0:0:0:0:1", "127.0.0.1"])
        XCTAssertEqual(first.serverCertificatePEM, second.serverCertificatePEM)
    }

    func testIPLiteralGivenAsServerNameBecomesAnIPSAN() throws {
        let dir = try ClusterPKITemporaryDirectory()
        let pki = try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: ["localhost", "10.1.2.3", "[fd00::5]"], serverIPs: [])
        let san = ServerAddresses(certificate: try Certificate(pemEncoded: pki.serverCertificatePEM))
        XCTAssertEqual(san.dnsNames, ["localhost"])
        XCTAssertEqual(san.ipAddresses, [[10, 1, 2, 3], [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]])
    }

    func testInvalidServerIPIsRejectedWithItsValue() throws {
        let dir = try ClusterPKITemporaryDirectory()
        XCTAssertThrowsError(try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ["10.0.0.300"])) {
            XCTAssertEqual($0 as? ClusterPKIError, .invalidIPAddress("10.0.0.300"))
            XCTAssertTrue("\($0)".contains("10.0.0.300"))
        }
    }

    func testLeavesAreRenewedNearExpiryWhileTheCAIsKept() throws {
        let dir = try ClusterPKITemporaryDirectory()
        let first = try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ips)
        let later = Date() + 300 * 86_400  // 65 days left on the one-year leaves: inside the renewal window
        let second = try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ips, now: later)
        XCTAssertEqual(first.caCertificatePEM, second.caCertificatePEM)
        XCTAssertNotEqual(first.serverCertificatePEM, second.serverCertificatePEM)
        XCTAssertNotEqual(first.adminCertificatePEM, second.adminCertificatePEM)
        let renewed = try Certificate(pemEncoded: second.serverCertificatePEM)
        XCTAssertGreaterThan(renewed.notValidAfter, later + 300 * 86_400)
    }

    func testDamagedOrMismatchedLeafIsReissued() throws {
        let dir = try ClusterPKITemporaryDirectory()
        let first = try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ips)
        // A key that does not belong to the certificate (e.g. crash between writing server.key and server.crt).
        try ClusterPKI.writeSecretFile(dir.file("pki/server.key"), contents: first.adminPrivateKeyPEM)
        try "garbage".write(toFile: dir.file("pki/admin.crt"), atomically: true, encoding: .utf8)
        let second = try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ips)
        XCTAssertEqual(first.caCertificatePEM, second.caCertificatePEM)
        XCTAssertNotEqual(first.serverCertificatePEM, second.serverCertificatePEM)
        XCTAssertNotEqual(first.adminCertificatePEM, second.adminCertificatePEM)
        let cert = try Certificate(pemEncoded: second.serverCertificatePEM)
        XCTAssertEqual(try Certificate.PrivateKey(pemEncoded: second.serverPrivateKeyPEM).publicKey, cert.publicKey)
    }

    func testMissingCACertificateStartsANewCAAndReissuesLeaves() throws {
        let dir = try ClusterPKITemporaryDirectory()
        let first = try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ips)
        try FileManager.default.removeItem(atPath: dir.file("pki/ca.crt"))
        let second = try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ips)
        XCTAssertNotEqual(first.caCertificatePEM, second.caCertificatePEM)
        XCTAssertNotEqual(first.serverCertificatePEM, second.serverCertificatePEM)
        XCTAssertNotEqual(first.adminCertificatePEM, second.adminCertificatePEM)
    }

    func testMissingCAKeyIsAnErrorNotASilentNewCA() throws {
        let dir = try ClusterPKITemporaryDirectory()
        _ = try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ips)
        try FileManager.default.removeItem(atPath: dir.file("pki/ca.key"))
        XCTAssertThrowsError(try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ips)) {
            XCTAssertEqual($0 as? ClusterPKIError, .caKeyMissing(certificatePath: dir.file("pki/ca.crt"), keyPath: dir.file("pki/ca.key")))
        }
    }

    func testForeignCAKeyIsAMismatchError() throws {
        let dir = try ClusterPKITemporaryDirectory()
        let pki = try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ips)
        try ClusterPKI.writeSecretFile(dir.file("pki/ca.key"), contents: pki.serverPrivateKeyPEM)
        XCTAssertThrowsError(try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ips)) {
            guard case .caKeyMismatch = $0 as? ClusterPKIError else { return XCTFail("\($0)") }
        }
    }

    func testLooseModesAreTightenedOnLoad() throws {
        let dir = try ClusterPKITemporaryDirectory()
        _ = try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ips)
        chmod(dir.file("pki"), 0o755)
        chmod(dir.file("pki/ca.key"), 0o644)
        chmod(dir.file("pki/admin.key"), 0o644)
        _ = try ClusterPKI.loadOrCreate(directory: dir.path, serverNames: names, serverIPs: ips)
        XCTAssertEqual(try ClusterPKITestTools.mode(dir.file("pki")), 0o700)
        XCTAssertEqual(try ClusterPKITestTools.mode(dir.file("pki/ca.key")), 0o600)
        XCTAssertEqual(try ClusterPKITestTools.mode(dir.file("pki/admin.key")), 0o600)
    }

    func testWriteSecretFileReplacesAtomicallyWithMode0600() throws {
        let dir = try ClusterPKITemporaryDirectory()
        let path = dir.file("admin.kubeconfig")
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o644)
        try ClusterPKI.writeSecretFile(path, contents: "new contents\n")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "new contents\n")
        XCTAssertEqual(try ClusterPKITestTools.mode(path), 0o600)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["admin.kubeconfig"])
        XCTAssertThrowsError(try ClusterPKI.writeSecretFile(dir.file("no/such/dir/file"), contents: "x")) {
            XCTAssertTrue("\($0)".contains("no/such/dir"), "\($0)")
        }
    }
}
