/// A tiny protobuf writer for building request bodies the way kubectl (Go, gogo-protobuf)
/// encodes them: fields in ascending number order, empty non-pointer strings still written.
struct WireProtobufTestWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Appends bytes as they are, for deliberately broken input.
    mutating func raw(_ raw: [UInt8]) { bytes += raw }

    mutating func tag(_ field: UInt64, wireType: UInt64) { varint(field << 3 | wireType) }

    mutating func bytesField(_ field: UInt64, _ value: [UInt8]) {
        tag(field, wireType: 2)
        varint(UInt64(value.count))
        bytes += value
    }

    mutating func string(_ field: UInt64, _ value: String) { bytesField(field, Array(value.utf8)) }

    mutating func message(_ field: UInt64, _ build: (inout WireProtobufTestWriter) -> Void) {
        var inner = WireProtobufTestWriter()
        build(&inner)
        bytesField(field, inner.bytes)
    }

    mutating func int64(_ field: UInt64, _ value: Int64) {
        tag(field, wireType: 0)
        varint(UInt64(bitPattern: value))
    }

    mutating func bool(_ field: UInt64, _ value: Bool) { int64(field, value ? 1 : 0) }

    /// One map entry {1 key, 2 value}; Go writes entries sorted by key.
    mutating func mapEntry(_ field: UInt64, _ key: String, _ value: [UInt8]) {
        message(field) { entry in
            entry.string(1, key)
            entry.bytesField(2, value)
        }
    }

    mutating func fixed32(_ field: UInt64, _ value: UInt32) {
        tag(field, wireType: 5)
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func fixed64(_ field: UInt64, _ value: UInt64) {
        tag(field, wireType: 1)
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func stringMapEntry(_ field: UInt64, _ key: String, _ value: String) {
        mapEntry(field, key, Array(value.utf8))
    }

    /// resource.Quantity {1 string}.
    mutating func quantity(_ field: UInt64, _ text: String) {
        message(field) { q in q.string(1, text) }
    }

    /// A map<string, Quantity> entry.
    mutating func quantityMapEntry(_ field: UInt64, _ key: String, _ text: String) {
        message(field) { entry in
            entry.string(1, key)
            entry.quantity(2, text)
        }
    }

    /// intstr.IntOrString as gogo writes it: all three fields, type 0 for a number.
    mutating func intOrString(_ field: UInt64, _ value: Int32) {
        message(field) { v in
            v.int64(1, 0)
            v.int64(2, Int64(value))
            v.string(3, "")
        }
    }

    /// intstr.IntOrString holding a string (type 1).
    mutating func intOrString(_ field: UInt64, _ value: String) {
        message(field) { v in
            v.int64(1, 1)
            v.int64(2, 0)
            v.string(3, value)
        }
    }

    /// metav1.Time {1 seconds, 2 nanos}.
    mutating func time(_ field: UInt64, seconds: Int64) {
        message(field) { t in
            t.int64(1, seconds)
            t.int64(2, 0)
        }
    }

    /// The `k8s\0` magic and a runtime.Unknown envelope around `raw`.
    static func envelope(apiVersion: String, kind: String, raw: [UInt8]) -> [UInt8] {
        var w = WireProtobufTestWriter()
        w.message(1) { typeMeta in
            typeMeta.string(1, apiVersion)
            typeMeta.string(2, kind)
        }
        w.bytesField(2, raw)
        w.string(3, "")
        w.string(4, "")
        return [0x6b, 0x38, 0x73, 0x00] + w.bytes
    }

    /// ObjectMeta as kubectl sends it for `create secret`: name set, the other non-pointer
    /// fields present but empty, and an empty (zero) creationTimestamp.
    mutating func kubectlMetadata(name: String) {
        message(1) { meta in
            meta.string(1, name)
            meta.string(2, "")
            meta.string(3, "")
            meta.string(4, "")
            meta.string(5, "")
            meta.string(6, "")
            meta.int64(7, 0)
            meta.message(8) { _ in }
        }
    }
}

extension Array where Element == UInt8 {
    var wireHex: String { map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
}
