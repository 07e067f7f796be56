import KubeAPI

/// The `pod-template-hash` of a Deployment's pod template, which names its ReplicaSets
/// (`<deployment>-<hash>`) and labels their pods.
///
/// Kubernetes feeds the template, printed by Go's spew with fixed settings, to FNV-32a, appends
/// the collision count (when set) as 8 little-endian bytes, and encodes the decimal text of the
/// 32-bit sum with `rand.SafeEncodeString`. Go's printer output cannot be reproduced from JSON,
/// so swiftlet hashes a canonical serialization instead: the template with nulls, empty lists
/// and empty maps removed and integral numbers as integers (see `PodTemplates.canonical`),
/// written as compact JSON with sorted keys. The names therefore look like Kubernetes' (same
/// alphabet and length) and are stable for a given template, but differ from the values a real
/// cluster would compute for the same template.
public enum PodTemplateHash {
    public static let labelKey = "pod-template-hash"
    static let safeAlphabet = Array("bcdfghjklmnpqrstvwxz2456789".utf8)

    public static func compute(_ template: JSON, collisionCount: Int64? = nil) -> String {
        var bytes = PodTemplates.canonical(template).serialized(sortedKeys: true)
        if let collisionCount {
            let v = UInt32(truncatingIfNeeded: collisionCount)
            bytes += [UInt8(v & 0xff), UInt8((v >> 8) & 0xff), UInt8((v >> 16) & 0xff), UInt8(v >> 24), 0, 0, 0, 0]
        }
        return safeEncode(String(fnv32a(bytes)))
    }

    public static func fnv32a(_ bytes: [UInt8]) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for b in bytes {
            hash ^= UInt32(b)
            hash = hash &* 16_777_619
        }
        return hash
    }

    /// Kubernetes' rand.SafeEncodeString: each byte mapped into the vowel-free alphabet.
    public static func safeEncode(_ text: String) -> String {
        String(decoding: text.utf8.map { safeAlphabet[Int($0) % safeAlphabet.count] }, as: UTF8.self)
    }
}

/// Comparing pod templates as Kubernetes' `apiequality.Semantic.DeepEqual` does, where a nil and
/// an empty map or list are equal.
public enum PodTemplates {
    /// Keys whose empty object means the same as their absence (Go maps and value structs).
    static let emptyMeansAbsent: Set<String> = [
        "labels", "annotations", "nodeSelector", "limits", "requests", "resources", "metadata", "matchLabels",
    ]

    public static func canonical(_ value: JSON) -> JSON {
        switch value {
        case .object(let members):
            var out: [String: JSON] = [:]
            for (k, v) in members {
                let c = canonical(v)
                switch c {
                case .null: continue
                case .array(let a) where a.isEmpty: continue
                case .object(let o) where o.isEmpty && emptyMeansAbsent.contains(k): continue
                default: out[k] = c
                }
            }
            return .object(out)
        case .array(let items):
            return .array(items.map(canonical))
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18:
            return .int(Int64(d))
        default:
            return value
        }
    }

    /// The template without the `pod-template-hash` label.
    public static func withoutHash(_ template: JSON) -> JSON {
        var t = template
        t["metadata"]["labels"][PodTemplateHash.labelKey] = .null
        return t
    }

    /// EqualIgnoreHash: equal once the `pod-template-hash` labels are removed.
    public static func equalIgnoringHash(_ a: JSON, _ b: JSON) -> Bool {
        canonical(withoutHash(a)) == canonical(withoutHash(b))
    }
}
