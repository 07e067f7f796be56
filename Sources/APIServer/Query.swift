/// A request's query string, decoded once; repeated keys (exec's `command=`) keep every value in order.
struct Query: Sendable {
    private(set) var pairs: [(String, String)] = []

    init(_ raw: String?) {
        guard let raw, !raw.isEmpty else { return }
        for part in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            pairs.append((Query.unescape(kv[0]), kv.count > 1 ? Query.unescape(kv[1]) : ""))
        }
    }

    subscript(key: String) -> String? { pairs.first { $0.0 == key }?.1 }

    func all(_ key: String) -> [String] { pairs.filter { $0.0 == key }.map(\.1) }

    func bool(_ key: String) -> Bool { self[key].map { $0 == "true" || $0 == "1" } ?? false }

    func int(_ key: String) -> Int? { self[key].flatMap { Int($0) } }

    static func unescape(_ s: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = s.utf8.makeIterator()
        while let b = it.next() {
            switch b {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                if let h = it.next(), let l = it.next(), let v = UInt8(String(decoding: [h, l], as: UTF8.self), radix: 16) {
                    bytes.append(v)
                }
            default: bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
