import X509

/// The identity a client certificate carries, read the way Kubernetes' x509 authenticator reads it: the subject's
/// common name is the user name and each organization is a group.
public struct CertificateIdentity: Sendable, Equatable {
    public let user: String
    public let groups: [String]

    public init(user: String, groups: [String]) {
        self.user = user
        self.groups = groups
    }
}

/// Reads the identity from a DER certificate (what a TLS stack hands over for the peer's leaf). This does not verify
/// the certificate: the TLS handshake, configured to trust only the cluster CA, has already done that.
public func certificateIdentity(derEncoded: [UInt8]) throws -> CertificateIdentity {
    let certificate: Certificate
    do {
        certificate = try Certificate(derEncoded: derEncoded)
    } catch {
        throw ClusterPKIError.invalidCertificate(reason: "\(error)")
    }
    return try certificateIdentity(certificate)
}

func certificateIdentity(_ certificate: Certificate) throws -> CertificateIdentity {
    var commonName: String?
    var organizations: [String] = []
    // Walk every attribute of every RDN: Go puts several organizations into one multi-valued RDN, OpenSSL uses one
    // RDN each; both mean the same groups. With several CNs the last one wins, as in Go's pkix.Name.
    for rdn in certificate.subject {
        for attribute in rdn {
            guard let value = String(attribute.value) else { continue }
            if attribute.type == .RDNAttributeType.commonName {
                commonName = value
            } else if attribute.type == .RDNAttributeType.organizationName {
                organizations.append(value)
            }
        }
    }
    // Kubernetes refuses to authenticate a certificate without a user name rather than inventing one.
    guard let user = commonName, !user.isEmpty else { throw ClusterPKIError.missingCommonName }
    return CertificateIdentity(user: user, groups: organizations)
}
