/// Decoding of metav1.ObjectMeta (k8s.io/apimachinery meta/v1 generated.proto) into the JSON
/// object the same metadata would be in a JSON request, following the Go struct's `omitempty`
/// rules: empty strings, zero generation, empty maps and lists are left out; pointer fields
/// (deletionGracePeriodSeconds, controller, blockOwnerDeletion) appear whenever they were sent.
enum ProtobufObjectMeta {
    static func decode(_ bytes: ArraySlice<UInt8>) throws -> JSON {
        var reader = ProtobufWireReader(bytes, context: "ObjectMeta")
        var meta: [String: JSON] = [:]
        var labels: [String: JSON] = [:]
        var annotations: [String: JSON] = [:]
        var ownerReferences: [JSON] = []
        var finalizers: [JSON] = []

        // Optional scalars: the last occurrence wins, as in any protobuf decoder; an empty
        // string is then dropped, because Go's JSON encoder omits it.
        func setString(_ key: String, _ value: String) {
            meta[key] = value.isEmpty ? nil : .string(value)
        }

        while let tag = try reader.readTag() {
            switch tag.field {
            case 1: setString("name", try reader.readString(tag, "name"))
            case 2: setString("generateName", try reader.readString(tag, "generateName"))
            case 3: setString("namespace", try reader.readString(tag, "namespace"))
            case 4: setString("selfLink", try reader.readString(tag, "selfLink"))
            case 5: setString("uid", try reader.readString(tag, "uid"))
            case 6: setString("resourceVersion", try reader.readString(tag, "resourceVersion"))
            case 7:
                let generation = try reader.readInt64(tag, "generation")
                meta["generation"] = generation == 0 ? nil : .int(generation)
            case 8:
                // A zero time (.null) leaves the key out.
                meta["creationTimestamp"] = try ProtobufTime.decode(
                    try reader.readMessage(tag, "creationTimestamp"), field: "creationTimestamp").nonNull
            case 9:
                meta["deletionTimestamp"] = try ProtobufTime.decode(
                    try reader.readMessage(tag, "deletionTimestamp"), field: "deletionTimestamp").nonNull
            case 10:
                meta["deletionGracePeriodSeconds"] = .int(try reader.readInt64(tag, "deletionGracePeriodSeconds"))
            case 11:
                let (key, value) = try reader.readStringMapEntry(tag, "labels")
                labels[key] = .string(value)
            case 12:
                let (key, value) = try reader.readStringMapEntry(tag, "annotations")
                annotations[key] = .string(value)
            case 13:
                ownerReferences.append(try decodeOwnerReference(try reader.readMessage(tag, "ownerReferences")))
            case 14:
                finalizers.append(.string(try reader.readString(tag, "finalizers")))
            default:
                // 17 managedFields is deliberately skipped: the server records its own field
                // managers, and clients never send it on create. 15 (clusterName) is retired.
                try reader.skip(tag)
            }
        }
        if !labels.isEmpty { meta["labels"] = .object(labels) }
        if !annotations.isEmpty { meta["annotations"] = .object(annotations) }
        if !ownerReferences.isEmpty { meta["ownerReferences"] = .array(ownerReferences) }
        if !finalizers.isEmpty { meta["finalizers"] = .array(finalizers) }
        return .object(meta)
    }

    /// metav1.OwnerReference: its four identifying strings carry no `omitempty` in Go, so they
    /// are always present in JSON, even when empty.
    static func decodeOwnerReference(_ bytes: ArraySlice<UInt8>) throws -> JSON {
        var reader = ProtobufWireReader(bytes, context: "OwnerReference")
        var ref: [String: JSON] = ["apiVersion": "", "kind": "", "name": "", "uid": ""]
        while let tag = try reader.readTag() {
            switch tag.field {
            case 1: ref["kind"] = .string(try reader.readString(tag, "kind"))
            case 3: ref["name"] = .string(try reader.readString(tag, "name"))
            case 4: ref["uid"] = .string(try reader.readString(tag, "uid"))
            case 5: ref["apiVersion"] = .string(try reader.readString(tag, "apiVersion"))
            case 6: ref["controller"] = .bool(try reader.readBool(tag, "controller"))
            case 7: ref["blockOwnerDeletion"] = .bool(try reader.readBool(tag, "blockOwnerDeletion"))
            default: try reader.skip(tag)
            }
        }
        return .object(ref)
    }
}

extension JSON {
    /// nil for `.null`, so that assigning into a Swift dictionary leaves the key out.
    /// (Spelled out: a bare `nil` here could become JSON's own nil literal, `.null`.)
    fileprivate var nonNull: JSON? { isNull ? Optional<JSON>.none : Optional.some(self) }
}

/// metav1.Time travels as {1: seconds, 2: nanos}. Kubernetes reads only whole seconds (its JSON
/// form has second precision) and treats an empty message as the zero time, which JSON writes
/// as null; we leave such a timestamp out instead, which every reader treats the same way.
enum ProtobufTime {
    static func decode(_ bytes: ArraySlice<UInt8>, field: String) throws -> JSON {
        if bytes.isEmpty { return .null }
        var reader = ProtobufWireReader(bytes, context: field)
        var seconds: Int64 = 0
        while let tag = try reader.readTag() {
            switch tag.field {
            case 1: seconds = try reader.readInt64(tag, "seconds")
            default: try reader.skip(tag)  // nanos: dropped, as Kubernetes does
            }
        }
        guard let text = rfc3339(unixSeconds: seconds) else {
            throw ProtobufDecodeError.malformed("invalid protobuf in \(field): \(seconds) seconds is outside years 0-9999")
        }
        return .string(text)
    }

    /// Formats Unix seconds as RFC 3339 in UTC (`2006-01-02T15:04:05Z`), as metav1.Time prints.
    static func rfc3339(unixSeconds: Int64) -> String? {
        // Years 0...9999 are what a four-digit RFC 3339 year can hold.
        let minSeconds: Int64 = -62_167_219_200  // 0000-01-01T00:00:00Z
        let maxSeconds: Int64 = 253_402_300_799  // 9999-12-31T23:59:59Z
        guard unixSeconds >= minSeconds, unixSeconds <= maxSeconds else { return nil }
        let days = floorDiv(unixSeconds, 86_400)
        let secondOfDay = unixSeconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
            + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))Z"
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Proleptic Gregorian date for a day count from 1970-01-01 (Howard Hinnant's civil_from_days).
    private static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSinceEpoch + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
