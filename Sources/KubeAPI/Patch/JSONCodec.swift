/// The public face of the JSON codec: parsing request bodies and stored objects into `JSON`, and
/// serializing `JSON` back the way the apiserver's Go encoder writes it (see JSONSerializer.swift).
extension JSON {
    /// Parses one JSON document from UTF-8 bytes (`[UInt8]`, `Data`, a NIO byte view, …).
    /// Trailing non-whitespace is an error. Duplicate keys are accepted, the last one winning.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSON {
        var ignored: [String] = []
        return try parse(bytes, trackingDuplicates: false, into: &ignored)
    }

    /// Parses one JSON document from a string.
    public static func parse(_ text: String) throws(JSONParseError) -> JSON {
        var ignored: [String] = []
        return try parse(text, trackingDuplicates: false, into: &ignored)
    }

    /// Parses like `parse(_:)` and appends to `duplicateKeys` the path of every repeated key, in
    /// the form of Kubernetes' strict decoding (`metadata.name`, `spec.containers[0].image`), so
    /// the caller can answer `duplicate field "metadata.name"` under `fieldValidation=Strict` or
    /// warn under `Warn`. The last value of a repeated key wins.
    public static func parse(
        _ bytes: some Collection<UInt8>, duplicateKeys: inout [String]
    ) throws(JSONParseError) -> JSON {
        try parse(bytes, trackingDuplicates: true, into: &duplicateKeys)
    }

    /// The string form of `parse(_:duplicateKeys:)`.
    public static func parse(_ text: String, duplicateKeys: inout [String]) throws(JSONParseError) -> JSON {
        try parse(text, trackingDuplicates: true, into: &duplicateKeys)
    }

    /// The path of every key in the document (`spec.template.spec.containers[0].image`), repeats included, in
    /// the order they appear; empty when the document does not parse. Go's strict decoder reports problems in
    /// this order, which the parsed (unordered) objects no longer have.
    public static func keyPathsInDocumentOrder(_ bytes: [UInt8]) -> [String] {
        bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONByteParser(buffer, trackDuplicates: true, recordKeyOrder: true)
            guard (try? parser.parseDocument()) != nil else { return [] }
            return parser.keyOrder
        }
    }

    private static func parse(
        _ text: String, trackingDuplicates: Bool, into duplicates: inout [String]
    ) throws(JSONParseError) -> JSON {
        var text = text
        let result = text.withUTF8 { buffer in
            parseBuffer(buffer, trackingDuplicates: trackingDuplicates)
        }
        duplicates.append(contentsOf: result.duplicates)
        return try result.value.get()
    }

    private static func parse(
        _ bytes: some Collection<UInt8>, trackingDuplicates: Bool, into duplicates: inout [String]
    ) throws(JSONParseError) -> JSON {
        // Contiguous inputs (arrays, Data, NIO views) are read in place; others are copied once.
        let result =
            bytes.withContiguousStorageIfAvailable { buffer in
                parseBuffer(buffer, trackingDuplicates: trackingDuplicates)
            }
            ?? ContiguousArray(bytes).withUnsafeBufferPointer { buffer in
                parseBuffer(buffer, trackingDuplicates: trackingDuplicates)
            }
        duplicates.append(contentsOf: result.duplicates)
        return try result.value.get()
    }

    private static func parseBuffer(
        _ buffer: UnsafeBufferPointer<UInt8>, trackingDuplicates: Bool
    ) -> (value: Result<JSON, JSONParseError>, duplicates: [String]) {
        var parser = JSONByteParser(buffer, trackDuplicates: trackingDuplicates)
        let value = Result { () throws(JSONParseError) -> JSON in try parser.parseDocument() }
        return (value, parser.duplicates)
    }
}

extension JSON {
    /// Compact JSON as Go's encoding/json writes it: keys sorted byte-wise (what the apiserver
    /// emits for unstructured objects), HTML-safe escapes, floats in Go's shortest form.
    public func serialized(sortedKeys: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        JSONSerializer.write(self, into: &out, sortedKeys: sortedKeys)
        return out
    }

    /// Appends the compact, key-sorted serialization to `out`, so lists and watch streams can
    /// build one response buffer instead of concatenating many.
    public func appendSerialized(to out: inout [UInt8]) {
        JSONSerializer.write(self, into: &out, sortedKeys: true)
    }

    /// Like `appendSerialized(to:)`, choosing whether keys are sorted (unsorted is faster and is
    /// fine where only a machine reads the result).
    public func appendSerialized(to out: inout [UInt8], sortedKeys: Bool) {
        JSONSerializer.write(self, into: &out, sortedKeys: sortedKeys)
    }

    /// The compact, key-sorted serialization as a string.
    public var jsonString: String {
        String(decoding: serialized(), as: UTF8.self)
    }
}
