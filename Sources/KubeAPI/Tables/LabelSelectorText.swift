/// Renders a metav1.LabelSelector in the selector syntax (`app=web,tier in (a,b),!legacy`), as
/// `LabelSelectorAsSelector(...).String()` does: one requirement per matchLabels entry and per
/// matchExpressions entry, sorted by key, with the values of set operators sorted.
enum LabelSelectorText {
    /// nil when the selector is malformed (unknown operator, or values that do not fit it).
    static func render(_ selector: JSON) -> String? {
        guard case .object = selector else { return "" }
        var requirements: [(key: String, text: String)] = []
        for (key, value) in selector["matchLabels"].stringMap {
            requirements.append((key, "\(key)=\(value)"))
        }
        for expression in selector["matchExpressions"].elements {
            let key = expression["key"].string ?? ""
            let values = expression["values"].elements.compactMap(\.string)
            switch expression["operator"].string ?? "" {
            case "In", "NotIn":
                guard !values.isEmpty else { return nil }
                let op = expression["operator"].string == "In" ? "in" : "notin"
                requirements.append((key, "\(key) \(op) (\(values.sorted().joined(separator: ",")))"))
            case "Exists":
                guard values.isEmpty else { return nil }
                requirements.append((key, key))
            case "DoesNotExist":
                guard values.isEmpty else { return nil }
                requirements.append((key, "!\(key)"))
            default:
                return nil
            }
        }
        // Kubernetes sorts the requirements by key only; keep insertion order among equal keys.
        let sorted = requirements.enumerated().sorted {
            $0.element.key != $1.element.key ? $0.element.key < $1.element.key : $0.offset < $1.offset
        }
        return sorted.map(\.element.text).joined(separator: ",")
    }

    /// `metav1.FormatLabelSelector`: "<none>" for an empty selector, "<error>" for a malformed one.
    static func formatted(_ selector: JSON) -> String {
        guard let text = render(selector) else { return "<error>" }
        return text.isEmpty ? "<none>" : text
    }
}
