/// An IPv4 prefix such as the service CIDR 10.96.0.0/12.
public struct IPv4CIDR: Sendable, Hashable, CustomStringConvertible {
    public let network: UInt32
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let base = IPv4CIDR.parseAddress(String(parts[0])),
              let len = Int(parts[1]), (0...32).contains(len) else { return nil }
        prefixLength = len
        network = base & IPv4CIDR.mask(len)
    }

    static func mask(_ len: Int) -> UInt32 { len == 0 ? 0 : ~UInt32(0) << (32 - len) }

    /// The number of addresses in the prefix.
    public var size: UInt64 { UInt64(1) << (32 - prefixLength) }

    /// The address at `offset` from the network address (offset 1 is the first usable host).
    public func address(at offset: UInt32) -> String { IPv4CIDR.format(network &+ offset) }

    /// The offset of an address within this prefix, or nil when outside.
    public func offset(of address: String) -> UInt32? {
        guard let a = IPv4CIDR.parseAddress(address), a & IPv4CIDR.mask(prefixLength) == network else { return nil }
        return a - network
    }

    public func contains(_ address: String) -> Bool { offset(of: address) != nil }

    /// The ClusterIPs kubeadm gives the two built-in Services: `kubernetes` the first of the range, `kube-dns` the
    /// tenth (the `clusterDNS` every kubelet writes into pods' resolv.conf).
    public var kubernetesServiceIP: String { address(at: 1) }
    public var kubeDNSServiceIP: String { address(at: 10) }

    public var description: String { "\(IPv4CIDR.format(network))/\(prefixLength)" }

    public static func parseAddress(_ s: String) -> UInt32? {
        let octets = s.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var v: UInt32 = 0
        for o in octets {
            guard !o.isEmpty, o.count <= 3, let n = UInt32(o), n <= 255 else { return nil }
            v = v << 8 | n
        }
        return v
    }

    public static func format(_ a: UInt32) -> String {
        "\(a >> 24).\(a >> 16 & 0xff).\(a >> 8 & 0xff).\(a & 0xff)"
    }
}
