import Foundation

/// Stable names derived from pod UIDs and bridge names.
enum Naming {
    /// 64-bit FNV-1a: tiny, stable across processes and releases (unlike Hasher, which is seeded per run).
    static func fnv1a64(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    /// The host end of a pod's veth pair: `veth` + 8 hex digits (12 bytes, inside IFNAMSIZ), as the bridge
    /// CNI plugin names them, but derived from the pod UID so a restarted agent finds it again.
    static func hostVeth(podUID: String) -> String {
        let h = fnv1a64(podUID)
        let folded = UInt32(truncatingIfNeeded: h ^ (h >> 32))
        let hex = String(folded, radix: 16)
        return "veth" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// A locally administered unicast MAC for the bridge, the same on every start, so the pods' gateway
    /// keeps its MAC across agent restarts and bridge re-creation.
    static func bridgeMAC(bridgeName: String) -> [UInt8] {
        let h = fnv1a64("swiftlet-bridge/" + bridgeName)
        return [0x02] + (0..<5).map { UInt8(truncatingIfNeeded: h >> (8 * UInt64($0))) }
    }

    /// Pod UIDs become file names and appear in paths: allow what Kubernetes UIDs (UUIDs) and test names
    /// use, and nothing that could climb out of the state directory.
    static func validatePodUID(_ uid: String) throws {
        let ok = !uid.isEmpty && uid.utf8.count <= 128 && !uid.hasPrefix(".")
            && uid.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }
        if !ok {
            throw PodNetworkError("use pod UID \"\(uid)\" for a sandbox", errno: EINVAL,
                                  reason: "a pod UID must be 1-128 characters of [A-Za-z0-9._-], not starting with '.'")
        }
    }
}
