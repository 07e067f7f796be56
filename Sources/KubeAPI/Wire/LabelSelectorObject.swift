/// Conversion of a metav1.LabelSelector object to a `LabelSelector`, as Kubernetes'
/// LabelSelectorAsSelector does it:
/// - null (no selector) selects nothing, `{}` (no requirements) selects everything;
/// - each `matchLabels` entry is an `=` requirement;
/// - each `matchExpressions` entry maps In / NotIn / Exists / DoesNotExist to the set operators.
enum LabelSelectorObject {
    static func selector(from object: JSON) throws -> LabelSelector {
        switch object {
        case .null:
            return .nothing
        case .object:
            break
        default:
            throw LabelSelectorError("invalid label selector: expected an object with matchLabels and matchExpressions")
        }
        let matchLabels = object["matchLabels"]
        let matchExpressions = object["matchExpressions"]
        guard matchLabels.isNull || matchLabels.object != nil else {
            throw LabelSelectorError("invalid label selector: matchLabels must be an object of strings")
        }
        guard matchExpressions.isNull || matchExpressions.array != nil else {
            throw LabelSelectorError("invalid label selector: matchExpressions must be a list")
        }
        if matchLabels.members.isEmpty && matchExpressions.elements.isEmpty { return .everything }

        var requirements: [LabelSelector.Requirement] = []
        // Go walks the map in random order and reports the first bad entry; sorted is steadier.
        for (key, value) in matchLabels.members.sorted(by: { $0.key < $1.key }) {
            guard let text = value.string else {
                throw LabelSelectorError("invalid label selector: matchLabels[\(WireGoFormat.quote(key))] must be a string")
            }
            requirements.append(try LabelSelector.requirement(key: key, operator: .equals, values: [text]))
        }
        for expression in matchExpressions.elements {
            let operatorName = expression["operator"].string ?? ""
            let op: LabelSelector.Operator
            switch operatorName {
            case "In": op = .in
            case "NotIn": op = .notIn
            case "Exists": op = .exists
            case "DoesNotExist": op = .doesNotExist
            default: throw LabelSelectorError("\(WireGoFormat.quote(operatorName)) is not a valid label selector operator")
            }
            // An absent or empty values list is a nil slice in Go, and prints as such in errors.
            var values: [String]? = nil
            if !expression["values"].elements.isEmpty {
                values = try expression["values"].elements.map { value in
                    guard let text = value.string else {
                        throw LabelSelectorError("invalid label selector: matchExpressions values must be strings")
                    }
                    return text
                }
            }
            requirements.append(try LabelSelector.requirement(
                key: expression["key"].string ?? "", operator: op, values: values))
        }
        return LabelSelector(requirements: requirements)
    }
}
