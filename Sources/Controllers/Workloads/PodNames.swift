import KubeAPI

/// Pod names as the API server's generateName makes them: the prefix (cut to 58 characters so the
/// whole name stays within 63) plus five characters from Kubernetes' "safe" alphabet, which has
/// no vowels (no accidental words) and no look-alike characters.
public enum PodNames {
    public static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
    static let maxPrefixLength = 63 - 5

    public static func randomSuffix(length: Int = 5) -> String {
        var g = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(g.next(upperBound: UInt64(alphabet.count)))] })
    }

    /// `<owner>-` as the generateName prefix of the pods a controller creates.
    public static func prefix(forOwner owner: String) -> String { owner + "-" }

    public static func generate(prefix: String) -> String {
        String(prefix.prefix(maxPrefixLength)) + randomSuffix()
    }
}
