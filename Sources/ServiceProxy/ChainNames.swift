/// Names of the per-service objects in the table, in kube-proxy's nftables style:
/// `service-<HASH>-<ns>/<name>/<proto>/<portName>` and `endpoint-<HASH>-<...>__<ip>/<port>`.
/// The hash keeps names visually distinct and unique should one ever be cut to nftables' length limit.
/// `/` separates the parts because it may appear in an nftables name but never in a Kubernetes name.
enum ChainNames {
    /// nftables limits chain and set names to 256 bytes including the terminator.
    static let maxLength = 255

    static let clusterPolicyPrefix = "service-"
    static let localPolicyPrefix = "local-"
    static let externalPrefix = "external-"
    static let firewallPrefix = "firewall-"
    static let endpointPrefix = "endpoint-"
    static let affinityPrefix = "affinity-"

    static func servicePortBase(namespace: String, name: String, proto: String, portName: String) -> String {
        hashed("\(namespace)/\(name)/\(proto)/\(portName)")
    }

    static func endpointBase(namespace: String, name: String, proto: String, portName: String,
                             ip: String, port: Int) -> String {
        hashed("\(namespace)/\(name)/\(proto)/\(portName)__\(ip)/\(port)")
    }

    /// Prefixes `name` with 8 base32 characters of its hash, cutting the result so that any prefix
    /// above still fits.
    static func hashed(_ name: String) -> String {
        let full = "\(hash8(name))-\(name)"
        let limit = maxLength - 16
        guard full.utf8.count > limit else { return full }
        return String(full.prefix(limit - 3)) + "..."
    }

    /// FNV-1a (64 bit) rendered as RFC 4648 base32; stable across runs and platforms, which Swift's
    /// `Hasher` is not.
    static func hash8(_ s: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = ""
        for i in 0..<8 {
            out.append(alphabet[Int((h >> UInt64(59 - 5 * i)) & 31)])
        }
        return out
    }
}
