import Crypto
import Foundation
import X509
import XCTest
@testable import ClusterPKI

final class ClusterPKICertificateTests: XCTestCase {
    var dir: ClusterPKITemporaryDirectory!
    var pki: ClusterPKI!

    override func setUpWithError() throws {
        dir = try ClusterPKITemporaryDirectory()
        pki = try ClusterPKI.loadOrCreate(
            directory: dir.path, serverNames: ["localhost", "kubernetes.default.svc"], serverIPs: ["127.0.0.1", "::1"])
    }

    override func tearDown() {
        pki = nil
        dir = nil
    }

    func testCAHasTheRequiredProfile() throws {
        let ca = try Certificate(pemEncoded: pki.caCertificatePEM)
        XCTAssertEqual(ca.subject, ca.issuer)
        XCTAssertEqual(try certificateIdentity(ca), CertificateIdentity(user: "swiftlet-ca", groups: []))
        let basic = try XCTUnwrap(ca.extensions[oid: .X509ExtensionID.basicConstraints])
        XCTAssertTrue(basic.critical)
        XCTAssertEqual(try ca.extensions.basicConstraints, .isCertificateAuthority(maxPathLength: nil))
        let usage = try XCTUnwrap(ca.extensions[oid: .X509ExtensionID.keyUsage])
        XCTAssertTrue(usage.critical)
        XCTAssertEqual(try ca.extensions.keyUsage, KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
        XCTAssertNotNil(try ca.extensions.subjectKeyIdentifier)
        XCTAssertNotNil(P256.Signing.PublicKey(ca.publicKey))
        assertValidity(ca, days: 3650)
        assertSerial(ca)
    }

    func testServingCertificateProfile() throws {
        let ca = try Certificate(pemEncoded: pki.caCertificatePEM)
        let server = try Certificate(pemEncoded: pki.serverCertificatePEM)
        XCTAssertEqual(try certificateIdentity(server).user, "kube-apiserver")
        XCTAssertEqual(server.issuer, ca.subject)
        XCTAssertEqual(try server.extensions.extendedKeyUsage, try ExtendedKeyUsage([.serverAuth]))
        XCTAssertEqual(try server.extensions.keyUsage, KeyUsage(digitalSignature: true, keyEncipherment: true))
        XCTAssertEqual(try server.extensions.basicConstraints, .notCertificateAuthority)
        XCTAssertEqual(try server.extensions.authorityKeyIdentifier?.keyIdentifier, try ca.extensions.subjectKeyIdentifier?.keyIdentifier)
        let names = Array(try XCTUnwrap(try server.extensions.subjectAlternativeNames))
        XCTAssertEqual(names, [
            .dnsName("localhost"), .dnsName("kubernetes.default.svc"),
            .ipAddress(.init(contentBytes: [127, 0, 0, 1])),
            .ipAddress(.init(contentBytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])),
        ])
        assertValidity(server, days: 365)
        assertSerial(server)
        XCTAssertEqual(try Certificate.PrivateKey(pemEncoded: pki.serverPrivateKeyPEM).publicKey, server.publicKey)
    }

    func testAdminCertificateProfileAndIdentity() throws {
        let admin = try Certificate(pemEncoded: pki.adminCertificatePEM)
        XCTAssertEqual(try admin.extensions.extendedKeyUsage, try ExtendedKeyUsage([.clientAuth]))
        XCTAssertNil(try admin.extensions.subjectAlternativeNames)
        let der = try admin.serializeAsPEM().derBytes
        XCTAssertEqual(try certificateIdentity(derEncoded: der), CertificateIdentity(user: "kubernetes-admin", groups: ["system:masters"]))
        assertValidity(admin, days: 365)
        assertSerial(admin)
        XCTAssertEqual(try Certificate.PrivateKey(pemEncoded: pki.adminPrivateKeyPEM).publicKey, admin.publicKey)
    }

    func testIssuedNodeCertificateCarriesNodeIdentity() throws {
        let issued = try pki.issueClientCertificate(commonName: "system:node:worker-1", organizations: ["system:nodes"], validity: 30)
        let cert = try Certificate(pemEncoded: issued.certificatePEM)
        XCTAssertEqual(try certificateIdentity(derEncoded: try cert.serializeAsPEM().derBytes),
                       CertificateIdentity(user: "system:node:worker-1", groups: ["system:nodes"]))
        assertValidity(cert, days: 30)
        XCTAssertEqual(try Certificate.PrivateKey(pemEncoded: issued.privateKeyPEM).publicKey, cert.publicKey)
        let several = try pki.issueClientCertificate(commonName: "jane", organizations: ["dev", "ops"])
        XCTAssertEqual(try certificateIdentity(Certificate(pemEncoded: several.certificatePEM)).groups, ["dev", "ops"])
    }

    func testIssueRejectsNonPositiveValidity() {
        XCTAssertThrowsError(try pki.issueClientCertificate(commonName: "x", organizations: [], validity: 0)) {
            XCTAssertEqual($0 as? ClusterPKIError, .invalidValidity(days: 0))
        }
    }

    func testCertificateIdentityRejectsGarbageAndMissingCommonName() throws {
        XCTAssertThrowsError(try certificateIdentity(derEncoded: [0x30, 0x03, 0x02, 0x01, 0x01])) {
            guard case .invalidCertificate = $0 as? ClusterPKIError else { return XCTFail("\($0)") }
        }
        let issued = try pki.issueClientCertificate(commonName: "", organizations: ["system:masters"])
        XCTAssertThrowsError(try certificateIdentity(Certificate(pemEncoded: issued.certificatePEM))) {
            XCTAssertEqual($0 as? ClusterPKIError, .missingCommonName)
        }
    }

    func testServerCertificateVerifiesForItsNamesAndIPs() async throws {
        let ca = try Certificate(pemEncoded: pki.caCertificatePEM)
        let server = try Certificate(pemEncoded: pki.serverCertificatePEM)
        for (host, ip) in [("localhost", nil), ("kubernetes.default.svc", nil), (nil, "127.0.0.1"), (nil, "::1")] as [(String?, String?)] {
            var verifier = Verifier(rootCertificates: CertificateStore([ca])) {
                RFC5280Policy()
                ServerIdentityPolicy(serverHostname: host, serverIP: ip)
            }
            let result = await verifier.validate(leaf: server, intermediates: CertificateStore())
            guard case .validCertificate(let chain) = result else {
                return XCTFail("server certificate did not verify for \(host ?? ip!): \(result)")
            }
            XCTAssertEqual(Array(chain), [server, ca])
        }
        // And not for a name it does not carry.
        var verifier = Verifier(rootCertificates: CertificateStore([ca])) {
            RFC5280Policy()
            ServerIdentityPolicy(serverHostname: "example.com", serverIP: "10.9.9.9")
        }
        let result = await verifier.validate(leaf: server, intermediates: CertificateStore())
        guard case .couldNotValidate = result else { return XCTFail("verified for a foreign name: \(result)") }
    }

    func testClientCertificatesVerifyAgainstTheCAOnly() async throws {
        let ca = try Certificate(pemEncoded: pki.caCertificatePEM)
        let node = try pki.issueClientCertificate(commonName: "system:node:n1", organizations: ["system:nodes"])
        for pem in [pki.adminCertificatePEM, node.certificatePEM] {
            var verifier = Verifier(rootCertificates: CertificateStore([ca])) { RFC5280Policy() }
            let result = await verifier.validate(leaf: try Certificate(pemEncoded: pem), intermediates: CertificateStore())
            guard case .validCertificate = result else { return XCTFail("client certificate did not verify: \(result)") }
        }
        // A different cluster's CA must not accept them.
        let other = try ClusterPKITemporaryDirectory()
        let otherCA = try Certificate(pemEncoded: ClusterPKI.loadOrCreate(directory: other.path, serverNames: [], serverIPs: []).caCertificatePEM)
        var verifier = Verifier(rootCertificates: CertificateStore([otherCA])) { RFC5280Policy() }
        let result = await verifier.validate(leaf: try Certificate(pemEncoded: pki.adminCertificatePEM), intermediates: CertificateStore())
        guard case .couldNotValidate = result else { return XCTFail("verified against a foreign CA: \(result)") }
    }

    func testSerialNumbersDiffer() throws {
        let a = try Certificate(pemEncoded: pki.issueClientCertificate(commonName: "a", organizations: []).certificatePEM)
        let b = try Certificate(pemEncoded: pki.issueClientCertificate(commonName: "a", organizations: []).certificatePEM)
        XCTAssertNotEqual(a.serialNumber, b.serialNumber)
    }

    private func assertValidity(_ certificate: Certificate, days: Double, file: StaticString = #filePath, line: UInt = #line) {
        let now = Date()
        // notBefore one hour back for clock skew.
        XCTAssertEqual(certificate.notValidBefore.timeIntervalSince(now), -3600, accuracy: 120, file: file, line: line)
        XCTAssertEqual(certificate.notValidAfter.timeIntervalSince(now), days * 86_400, accuracy: 120, file: file, line: line)
    }

    private func assertSerial(_ certificate: Certificate, file: StaticString = #filePath, line: UInt = #line) {
        let bytes = Array(certificate.serialNumber.bytes)
        XCTAssertEqual(bytes.count, 20, file: file, line: line)
        XCTAssertLessThan(bytes[0], 0x80, "serial must be positive", file: file, line: line)
        XCTAssertNotEqual(bytes[0], 0, file: file, line: line)
    }
}
