import Foundation

@testable import KubeAPI

/// Test-only helpers: JSON text into `KubeAPI.JSON`, hex into bytes, and a readable first
/// difference between two JSON values.
enum WireTestJSON {
    private struct Node: Decodable {
        let value: JSON

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                value = .null
            } else if let b = try? container.decode(Bool.self) {
                value = .bool(b)
            } else if let i = try? container.decode(Int64.self) {
                value = .int(i)
            } else if let d = try? container.decode(Double.self) {
                value = .double(d)
            } else if let s = try? container.decode(String.self) {
                value = .string(s)
            } else if let a = try? container.decode([Node].self) {
                value = .array(a.map(\.value))
            } else {
                value = .object(try container.decode([String: Node].self).mapValues(\.value))
            }
        }
    }

    static func parse(_ text: String) throws -> JSON {
        try JSONDecoder().decode(Node.self, from: Data(text.utf8)).value
    }

    static func bytes(hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            bytes.append(UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)!)
        }
        return bytes
    }

    /// The path and both values where `actual` first departs from `expected`, or nil if equal.
    static func firstDifference(_ actual: JSON, _ expected: JSON, path: String = "") -> String? {
        switch (actual, expected) {
        case (.object(let a), .object(let e)):
            for key in Set(a.keys).union(e.keys).sorted() {
                if let d = firstDifference(a[key] ?? .null, e[key] ?? .null, path: path + "." + key) { return d }
            }
            return nil
        case (.array(let a), .array(let e)):
            if a.count != e.count { return "\(path): \(a.count) elements, expected \(e.count)" }
            for (i, (x, y)) in zip(a, e).enumerated() {
                if let d = firstDifference(x, y, path: "\(path)[\(i)]") { return d }
            }
            return nil
        default:
            return actual == expected ? nil : "\(path): got \(actual), expected \(expected)"
        }
    }
}
