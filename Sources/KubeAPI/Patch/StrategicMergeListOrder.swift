/// The element order of a merged list, as apimachinery computes it: elements named by the patch
/// (or by `$setElementOrder`) come in that order; elements only the live object has keep their
/// live order and are woven in before the first patch element that comes after them in the live
/// list.
enum ListOrder {
    static func normalize(
        _ merged: [JSON], desiredOrder: [JSON], liveOrder: [JSON], identity: (JSON) -> JSON?
    ) -> [JSON] {
        guard merged.count > 1 else { return merged }
        let desiredIDs = desiredOrder.map(identity)
        let liveIDs = liveOrder.map(identity)
        func position(_ id: JSON?, in ids: [JSON?]) -> Int? {
            guard let id else { return nil }
            return ids.firstIndex { $0?.patchEquals(id) ?? false }
        }

        var named: [(rank: Int, sequence: Int, element: JSON, livePosition: Int?)] = []
        var serverOnly: [(element: JSON, livePosition: Int?)] = []
        for (sequence, element) in merged.enumerated() {
            let id = identity(element)
            let livePosition = position(id, in: liveIDs)
            if let rank = position(id, in: desiredIDs) {
                named.append((rank, sequence, element, livePosition))
            } else {
                serverOnly.append((element, livePosition))
            }
        }
        named.sort { ($0.rank, $0.sequence) < ($1.rank, $1.sequence) }

        var result: [JSON] = []
        result.reserveCapacity(merged.count)
        var i = 0
        var j = 0
        while i < serverOnly.count || j < named.count {
            if j == named.count {
                result.append(serverOnly[i].element)
                i += 1
            } else if i == serverOnly.count {
                result.append(named[j].element)
                j += 1
            } else if let left = serverOnly[i].livePosition, let right = named[j].livePosition, left < right {
                result.append(serverOnly[i].element)
                i += 1
            } else {
                result.append(named[j].element)
                j += 1
            }
        }
        return result
    }
}
