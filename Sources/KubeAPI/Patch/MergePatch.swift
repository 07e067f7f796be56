/// RFC 7386 JSON merge patch (`application/merge-patch+json`), what `kubectl scale` sends to the
/// scale subresource and what `kubectl patch --type=merge` sends: objects merge key by key, `null`
/// removes a key, and anything else (arrays included) replaces the target wholesale.
extension JSON {
    public func applyingMergePatch(_ patch: JSON) -> JSON {
        var result = self
        result.applyMergePatch(patch)
        return result
    }

    /// In-place form; each level's dictionary is taken out of its parent before it is changed,
    /// so only the objects on the patched paths are touched, never copied twice.
    public mutating func applyMergePatch(_ patch: JSON) {
        guard case .object(let patchMembers) = patch else {
            self = patch
            return
        }
        var members = patchTakeMembers()
        for (key, patchValue) in patchMembers {
            if patchValue.isNull {
                members.removeValue(forKey: key)
            } else {
                // A key the target lacks merges into null, which drops the patch's own nulls.
                var child = members.removeValue(forKey: key) ?? .null
                child.applyMergePatch(patchValue)
                members[key] = child
            }
        }
        self = .object(members)
    }
}
