import Crypto
import Foundation
import X509

/// A CA certificate together with the key that signs for it.
struct CertificateAuthority: Sendable {
    let certificate: Certificate
    let privateKey: Certificate.PrivateKey

    /// The key identifier leaves point back to. Taken from the CA's own SKI when it has one, so a CA created by
    /// another tool (whose SKI may be computed differently) still chains by key id.
    var keyIdentifier: ArraySlice<UInt8> {
        if let ski = try? certificate.extensions.subjectKeyIdentifier {
            return ski.keyIdentifier
        }
        return SubjectKeyIdentifier(hash: certificate.publicKey).keyIdentifier
    }

    /// True when `leaf` was signed by this CA (name and signature), i.e. it would still verify after a restart.
    func issued(_ leaf: Certificate) -> Bool {
        leaf.issuer == certificate.subject && certificate.publicKey.isValidSignature(leaf.signature, for: leaf)
    }
}

/// A freshly issued certificate with its key, already in the PEM forms that go to disk and to TLS libraries.
struct IssuedCredential {
    let certificate: Certificate
    let certificatePEM: String
    let privateKeyPEM: String
}

/// Builds the CA and leaf certificates. Only P-256 ECDSA keys are generated: small, fast, and accepted by every
/// client that matters (Go's crypto/tls in kubectl, BoringSSL in swift-nio-ssl, OpenSSL).
enum CertificateFactory {
    /// Leaves and the CA start one hour in the past so a peer whose clock lags a little does not reject a
    /// certificate minted seconds ago as "not yet valid".
    static let clockSkewAllowance: TimeInterval = 60 * 60
    static let day: TimeInterval = 24 * 60 * 60
    static let caValidityDays = 3650
    static let leafValidityDays = 365

    static let caCommonName = "swiftlet-ca"
    static let serverCommonName = "kube-apiserver"
    static let adminCommonName = "kubernetes-admin"
    static let adminOrganizations = ["system:masters"]

    /// 20 random bytes with the top bit cleared: positive as a DER INTEGER and exactly within RFC 5280's 20-octet
    /// limit (swift-certificates' own random serial can need a 21st 0x00 octet, which strict parsers may refuse).
    static func randomSerialNumber() -> Certificate.SerialNumber {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<20).map { _ in UInt8.random(in: 0 ... .max, using: &generator) }
        bytes[0] &= 0x7F
        if bytes[0] == 0 { bytes[0] = 0x01 }  // keep the full 20 octets; DER would otherwise strip the zero
        return Certificate.SerialNumber(bytes: bytes)
    }

    /// Subject with the organizations first and the common name last, the order Go's pkix.Name produces, so
    /// `openssl x509 -subject` prints the same as it does for kubeadm's certificates.
    static func distinguishedName(commonName: String, organizations: [String] = []) -> DistinguishedName {
        var rdns: [RelativeDistinguishedName] = organizations.map {
            RelativeDistinguishedName(.init(type: .RDNAttributeType.organizationName, utf8String: $0))
        }
        rdns.append(RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: commonName)))
        return DistinguishedName(rdns)
    }

    /// PEM files conventionally end with a newline; concatenating PEMs (CA bundles) relies on it.
    static func terminated(_ pem: String) -> String {
        pem.hasSuffix("\n") ? pem : pem + "\n"
    }

    static func pem(_ certificate: Certificate, what: String) throws -> String {
        do {
            return terminated(try certificate.serializeAsPEM().pemString)
        } catch {
            throw ClusterPKIError.issuanceFailed(what: what, reason: "PEM encoding: \(error)")
        }
    }

    static func makeCertificateAuthority(now: Date = Date()) throws -> (authority: CertificateAuthority, certificatePEM: String, privateKeyPEM: String) {
        let key = P256.Signing.PrivateKey()
        let privateKey = Certificate.PrivateKey(key)
        let publicKey = privateKey.publicKey
        let name = distinguishedName(commonName: caCommonName)
        do {
            let extensions = try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: publicKey)
            }
            let certificate = try Certificate(
                version: .v3,
                serialNumber: randomSerialNumber(),
                publicKey: publicKey,
                notValidBefore: now - clockSkewAllowance,
                notValidAfter: now + Double(caValidityDays) * day,
                issuer: name,
                subject: name,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: extensions,
                issuerPrivateKey: privateKey)
            let authority = CertificateAuthority(certificate: certificate, privateKey: privateKey)
            return (authority, try pem(certificate, what: "CA certificate"), terminated(key.pemRepresentation))
        } catch let error as ClusterPKIError {
            throw error
        } catch {
            throw ClusterPKIError.issuanceFailed(what: "CA certificate \(caCommonName)", reason: "\(error)")
        }
    }

    /// Issues a leaf (never a CA) for a fresh key. `serverAddresses` non-nil makes it a serving certificate,
    /// otherwise a client certificate.
    static func issueLeaf(
        commonName: String,
        organizations: [String] = [],
        serverAddresses: ServerAddresses? = nil,
        validityDays: Int,
        by authority: CertificateAuthority,
        now: Date = Date()
    ) throws -> IssuedCredential {
        guard validityDays > 0 else { throw ClusterPKIError.invalidValidity(days: validityDays) }
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let what = serverAddresses == nil ? "client certificate \(commonName)" : "serving certificate \(commonName)"
        do {
            var extensions = try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                // keyEncipherment is meaningless for EC keys but is what kubeadm/k3s set; harmless to every verifier.
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([serverAddresses == nil ? .clientAuth : .serverAuth])
                AuthorityKeyIdentifier(keyIdentifier: authority.keyIdentifier)
            }
            if let serverAddresses, !serverAddresses.isEmpty {
                try extensions.append(SubjectAlternativeNames(serverAddresses.generalNames).makeCertificateExtension())
            }
            var notAfter = now + Double(validityDays) * day
            // A leaf outliving its CA would fail verification in its last stretch anyway; say so honestly.
            notAfter = min(notAfter, authority.certificate.notValidAfter)
            let certificate = try Certificate(
                version: .v3,
                serialNumber: randomSerialNumber(),
                publicKey: publicKey,
                notValidBefore: now - clockSkewAllowance,
                notValidAfter: notAfter,
                issuer: authority.certificate.subject,
                subject: distinguishedName(commonName: commonName, organizations: organizations),
                extensions: extensions,
                issuerPrivateKey: authority.privateKey)
            return IssuedCredential(
                certificate: certificate,
                certificatePEM: try pem(certificate, what: what),
                privateKeyPEM: terminated(key.pemRepresentation))
        } catch let error as ClusterPKIError {
            throw error
        } catch {
            throw ClusterPKIError.issuanceFailed(what: what, reason: "\(error)")
        }
    }
}
