import Foundation

extension ClusterPKI {
    /// The name used for the cluster, user and context entries of generated kubeconfigs.
    public static let kubeconfigEntryName = "swiftlet"

    /// A kubeconfig with the CA, client certificate and key embedded as base64 (so the file is self-contained and
    /// can be copied to another machine), one cluster/user/context named "swiftlet", namespace default.
    public func kubeconfig(server: String, clientCertificatePEM: String, clientKeyPEM: String) -> String {
        let name = Self.kubeconfigEntryName
        func base64(_ pem: String) -> String { Data(pem.utf8).base64EncodedString() }
        // Only `server` comes from outside; it is double-quoted so a URL with brackets (IPv6) or '#' stays one
        // YAML scalar. The base64 and fixed names need no quoting.
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - cluster:
                certificate-authority-data: \(base64(caCertificatePEM))
                server: \(yamlQuoted(server))
              name: \(name)
            contexts:
            - context:
                cluster: \(name)
                namespace: default
                user: \(name)
              name: \(name)
            current-context: \(name)
            preferences: {}
            users:
            - name: \(name)
              user:
                client-certificate-data: \(base64(clientCertificatePEM))
                client-key-data: \(base64(clientKeyPEM))

            """
    }

    /// The kubeconfig for the admin credential (kubernetes-admin / system:masters).
    public func adminKubeconfig(server: String) -> String {
        kubeconfig(server: server, clientCertificatePEM: adminCertificatePEM, clientKeyPEM: adminPrivateKeyPEM)
    }

    /// The in-cluster names of the `kubernetes` Service that a serving certificate should cover (kubeadm adds the
    /// same), for callers assembling `serverNames`.
    public static func kubernetesServiceNames(clusterDomain: String = "cluster.local") -> [String] {
        ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.\(clusterDomain)"]
    }
}

/// A YAML double-quoted scalar; JSON string escaping is valid YAML double-quoted syntax.
private func yamlQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += String(format: "\\u%04X", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}
