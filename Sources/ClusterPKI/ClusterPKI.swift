import Foundation
import X509

/// The cluster's certificate authority and the credentials the API server needs, kept as PEM files under
/// `<data-dir>/pki` the way kubeadm and k3s keep theirs:
///
///     ca.crt / ca.key          self-signed CA "swiftlet-ca", 10 years
///     server.crt / server.key  serving certificate "kube-apiserver" for the API's names and IPs, 1 year
///     admin.crt / admin.key    client certificate kubernetes-admin in group system:masters, 1 year
///
/// The CA is created once and then only ever loaded: replacing it would invalidate every kubeconfig and node
/// credential already handed out. Leaf certificates are derived data and are re-issued whenever they no longer fit
/// (different CA, wrong key, missing SAN, close to expiry, unreadable).
public struct ClusterPKI: Sendable {
    /// The `pki` directory holding the files above.
    public let pkiDirectory: String
    public let caCertificatePEM: String
    /// Only the leaf: the API server presents it alone and clients already trust the CA.
    public let serverCertificatePEM: String
    public let serverPrivateKeyPEM: String
    /// CN=kubernetes-admin, O=system:masters: the identity the admin kubeconfig authenticates as.
    public let adminCertificatePEM: String
    public let adminPrivateKeyPEM: String

    let authority: CertificateAuthority

    /// Leaves are renewed at start-up once they have less than this left, like k3s does, so a server that restarts
    /// now and then never serves an expired certificate.
    static let renewalWindow: TimeInterval = 90 * CertificateFactory.day

    enum FileName {
        static let caCertificate = "ca.crt"
        static let caKey = "ca.key"
        static let serverCertificate = "server.crt"
        static let serverKey = "server.key"
        static let adminCertificate = "admin.crt"
        static let adminKey = "admin.key"
    }

    /// Loads `<directory>/pki/{ca,server,admin}.{crt,key}`, creating what is missing (keys 0600, certificates 0644,
    /// the pki directory 0700). The serving certificate is re-issued when its SANs no longer cover `serverNames`
    /// (DNS names; entries that are IP literals count as IPs) and `serverIPs` (IPv4 or IPv6), for example after the
    /// node IP changed. Every file is written atomically, key before certificate, so a crash at any point leaves
    /// a state the next start repairs.
    public static func loadOrCreate(directory: String, serverNames: [String], serverIPs: [String]) throws -> ClusterPKI {
        try loadOrCreate(directory: directory, serverNames: serverNames, serverIPs: serverIPs, now: Date())
    }

    /// `now` is injectable so tests can exercise renewal near expiry.
    static func loadOrCreate(directory: String, serverNames: [String], serverIPs: [String], now: Date) throws -> ClusterPKI {
        let wanted = try ServerAddresses(names: serverNames, ips: serverIPs)
        let pki = (directory as NSString).appendingPathComponent("pki")
        try PKIFiles.ensureDirectory(pki, mode: 0o700)
        func path(_ name: String) -> String { (pki as NSString).appendingPathComponent(name) }

        let (authority, caPEM) = try loadOrCreateAuthority(
            certificatePath: path(FileName.caCertificate), keyPath: path(FileName.caKey), now: now)

        let server = try loadOrIssueLeaf(
            certificatePath: path(FileName.serverCertificate), keyPath: path(FileName.serverKey),
            authority: authority, now: now,
            isStillSuitable: { certificate in
                hasExtendedKeyUsage(certificate, .serverAuth)
                    && ServerAddresses(certificate: certificate).covers(wanted)
            },
            issue: {
                try CertificateFactory.issueLeaf(
                    commonName: CertificateFactory.serverCommonName, serverAddresses: wanted,
                    validityDays: CertificateFactory.leafValidityDays, by: authority, now: now)
            })

        let admin = try loadOrIssueLeaf(
            certificatePath: path(FileName.adminCertificate), keyPath: path(FileName.adminKey),
            authority: authority, now: now,
            isStillSuitable: { certificate in
                hasExtendedKeyUsage(certificate, .clientAuth)
                    && (try? certificateIdentity(certificate)) == CertificateIdentity(
                        user: CertificateFactory.adminCommonName, groups: CertificateFactory.adminOrganizations)
            },
            issue: {
                try CertificateFactory.issueLeaf(
                    commonName: CertificateFactory.adminCommonName,
                    organizations: CertificateFactory.adminOrganizations,
                    validityDays: CertificateFactory.leafValidityDays, by: authority, now: now)
            })

        return ClusterPKI(
            pkiDirectory: pki,
            caCertificatePEM: caPEM,
            serverCertificatePEM: server.certificatePEM,
            serverPrivateKeyPEM: server.privateKeyPEM,
            adminCertificatePEM: admin.certificatePEM,
            adminPrivateKeyPEM: admin.privateKeyPEM,
            authority: authority)
    }

    /// Issues a client certificate signed by the cluster CA for a fresh P-256 key, e.g. for a node agent:
    /// `commonName: "system:node:<name>", organizations: ["system:nodes"]`. Nothing is written to disk.
    public func issueClientCertificate(commonName: String, organizations: [String], validity days: Int = 365) throws
        -> (certificatePEM: String, privateKeyPEM: String)
    {
        let issued = try CertificateFactory.issueLeaf(
            commonName: commonName, organizations: organizations, validityDays: days, by: authority)
        return (issued.certificatePEM, issued.privateKeyPEM)
    }

    /// Writes a file with mode 0600 atomically (temp file in the same directory, fsync, rename): for keys and for
    /// kubeconfigs, which embed keys.
    public static func writeSecretFile(_ path: String, contents: String) throws {
        try PKIFiles.writeAtomically(path, contents: contents, mode: 0o600)
    }

    // MARK: - Loading

    private static func loadOrCreateAuthority(certificatePath: String, keyPath: String, now: Date) throws
        -> (CertificateAuthority, String)
    {
        guard let certificateText = try PKIFiles.readIfPresent(certificatePath) else {
            // No CA certificate means no credential was ever issued from whatever ca.key may hold (the key is
            // written first, the certificate last), so starting over is safe.
            let created = try CertificateFactory.makeCertificateAuthority(now: now)
            try writeSecretFile(keyPath, contents: created.privateKeyPEM)
            try PKIFiles.writeAtomically(certificatePath, contents: created.certificatePEM, mode: 0o644)
            return (created.authority, created.certificatePEM)
        }
        guard let keyText = try PKIFiles.readIfPresent(keyPath) else {
            throw ClusterPKIError.caKeyMissing(certificatePath: certificatePath, keyPath: keyPath)
        }
        let certificate: Certificate
        do { certificate = try Certificate(pemEncoded: certificateText) } catch {
            throw ClusterPKIError.unreadablePEM(path: certificatePath, reason: "\(error)")
        }
        let key: Certificate.PrivateKey
        do { key = try Certificate.PrivateKey(pemEncoded: keyText) } catch {
            throw ClusterPKIError.unreadablePEM(path: keyPath, reason: "\(error)")
        }
        guard key.publicKey == certificate.publicKey else {
            throw ClusterPKIError.caKeyMismatch(certificatePath: certificatePath, keyPath: keyPath)
        }
        try tightenKeyMode(keyPath)
        return (CertificateAuthority(certificate: certificate, privateKey: key), CertificateFactory.terminated(certificateText))
    }

    /// Reuses the leaf on disk when it still verifies against `authority`, matches its key, is not about to expire
    /// and passes `isStillSuitable`; otherwise issues a new one and writes it (key first).
    private static func loadOrIssueLeaf(
        certificatePath: String,
        keyPath: String,
        authority: CertificateAuthority,
        now: Date,
        isStillSuitable: (Certificate) -> Bool,
        issue: () throws -> IssuedCredential
    ) throws -> (certificatePEM: String, privateKeyPEM: String) {
        if let certificateText = try? PKIFiles.readIfPresent(certificatePath),
            let keyText = try? PKIFiles.readIfPresent(keyPath),
            let certificate = try? Certificate(pemEncoded: certificateText),
            let key = try? Certificate.PrivateKey(pemEncoded: keyText),
            key.publicKey == certificate.publicKey,
            authority.issued(certificate),
            certificate.notValidAfter > now + renewalWindow,
            isStillSuitable(certificate)
        {
            try tightenKeyMode(keyPath)
            // Re-encode so the value is exactly one leaf even if the file was hand-edited into a bundle.
            return (try CertificateFactory.pem(certificate, what: certificatePath), CertificateFactory.terminated(keyText))
        }
        let issued = try issue()
        try writeSecretFile(keyPath, contents: issued.privateKeyPEM)
        try PKIFiles.writeAtomically(certificatePath, contents: issued.certificatePEM, mode: 0o644)
        return (issued.certificatePEM, issued.privateKeyPEM)
    }

    private static func tightenKeyMode(_ path: String) throws {
        if chmod(path, 0o600) != 0 {
            throw ClusterPKIError.fileOperationFailed(operation: "chmod", path: path, reason: PKIFiles.errnoText())
        }
    }

    private static func hasExtendedKeyUsage(_ certificate: Certificate, _ usage: ExtendedKeyUsage.Usage) -> Bool {
        guard let eku = try? certificate.extensions.extendedKeyUsage else { return false }
        return eku.contains(usage)
    }
}
