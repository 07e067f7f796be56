/// A Kubernetes label selector: the `?labelSelector=` query parameter (`app=web,tier!=db`,
/// `env in (a,b)`, `!canary`, …) and the metav1.LabelSelector object that workloads and
/// services carry (`matchLabels` + `matchExpressions`).
///
/// Requirements are ANDed. An empty selector selects everything; `LabelSelector.nothing`
/// (what a null selector object means) selects nothing.
public struct LabelSelector: Sendable, Hashable, CustomStringConvertible {
    /// The operators of Kubernetes' `selection` package; raw values are Kubernetes' spellings.
    public enum Operator: String, Sendable, Hashable {
        case `in` = "in"
        case notIn = "notin"
        case equals = "="
        case doubleEquals = "=="
        case notEquals = "!="
        case exists = "exists"
        case doesNotExist = "!"
        case greaterThan = "gt"
        case lessThan = "lt"
    }

    public struct Requirement: Sendable, Hashable, CustomStringConvertible {
        public let key: String
        public let `operator`: Operator
        /// The values as given (the string parser sorts and de-duplicates them; the object form
        /// keeps them in order). Empty for exists / doesNotExist.
        public let values: [String]

        /// A requirement that has passed Kubernetes' validation; see `LabelSelector.requirement`.
        init(validatedKey key: String, operator op: Operator, values: [String]) {
            self.key = key
            self.operator = op
            self.values = values
        }

        public func matches(_ labels: [String: String]) -> Bool {
            switch self.operator {
            case .in, .equals, .doubleEquals:
                guard let value = labels[key] else { return false }
                return values.contains(value)
            case .notIn, .notEquals:
                guard let value = labels[key] else { return true }
                return !values.contains(value)
            case .exists:
                return labels[key] != nil
            case .doesNotExist:
                return labels[key] == nil
            case .greaterThan, .lessThan:
                guard let text = labels[key], let actual = Int64(text),
                      values.count == 1, let bound = Int64(values[0]) else { return false }
                return self.operator == .greaterThan ? actual > bound : actual < bound
            }
        }

        /// Kubernetes' canonical text for one requirement (labels.Requirement.String()).
        public var description: String {
            var text = self.operator == .doesNotExist ? "!" + key : key
            switch self.operator {
            case .exists, .doesNotExist: return text
            case .equals: text += "="
            case .doubleEquals: text += "=="
            case .notEquals: text += "!="
            case .greaterThan: text += ">"
            case .lessThan: text += "<"
            case .in: text += " in ("
            case .notIn: text += " notin ("
            }
            text += values.count == 1 ? values[0] : values.sorted(by: FieldSelector.goLess).joined(separator: ",")
            if self.operator == .in || self.operator == .notIn { text += ")" }
            return text
        }
    }

    /// The requirements, sorted by key as Kubernetes keeps them.
    public let requirements: [Requirement]
    private let selectsNothing: Bool

    private init(requirements: [Requirement], selectsNothing: Bool) {
        // A stable sort keeps same-key requirements in the order they were written.
        self.requirements = requirements.enumerated()
            .sorted {
                $0.element.key == $1.element.key
                    ? $0.offset < $1.offset : FieldSelector.goLess($0.element.key, $1.element.key)
            }
            .map(\.element)
        self.selectsNothing = selectsNothing
    }

    /// Selects every object.
    public static let everything = LabelSelector(requirements: [], selectsNothing: false)
    /// Selects no object: the meaning of a null (absent) selector object.
    public static let nothing = LabelSelector(requirements: [], selectsNothing: true)

    /// Builds a selector from already-validated requirements.
    public init(requirements: [Requirement]) {
        self.init(requirements: requirements, selectsNothing: false)
    }

    /// An equality selector for a label map, such as a Service's `spec.selector`
    /// (Kubernetes' SelectorFromSet: no validation; an empty map selects everything).
    public init(matchLabels: [String: String]) {
        self.init(requirements: matchLabels.map {
            Requirement(validatedKey: $0.key, operator: .equals, values: [$0.value])
        }, selectsNothing: false)
    }

    /// Parses the `labelSelector` query syntax. Errors carry Kubernetes' wording
    /// (`unable to parse requirement: …`, `found 'x', expected: …`); answer them with 400 BadRequest.
    public init(parsing text: String) throws {
        var parser = LabelSelectorParser(text)
        self.init(requirements: try parser.parse(), selectsNothing: false)
    }

    /// Converts a metav1.LabelSelector object (`{"matchLabels":{…},"matchExpressions":[…]}`) as
    /// Kubernetes' LabelSelectorAsSelector does: null selects nothing, `{}` selects everything.
    public init(selectorObject: JSON) throws {
        self = try LabelSelectorObject.selector(from: selectorObject)
    }

    /// True when the selector places no restriction (Kubernetes' Selector.Empty()).
    public var isEmpty: Bool { requirements.isEmpty && !selectsNothing }

    /// True only for `LabelSelector.nothing`.
    public var matchesNothing: Bool { selectsNothing }

    public func matches(_ labels: [String: String]) -> Bool {
        if selectsNothing { return false }
        return requirements.allSatisfy { $0.matches(labels) }
    }

    /// Matches an object by its `metadata.labels`.
    public func matches(object: JSON) -> Bool { matches(object.labels) }

    /// Kubernetes' canonical form (labels.Selector.String()): requirements sorted by key, joined
    /// by ","; e.g. `run=my-nginx` for a Scale's `status.selector`. Empty for everything/nothing.
    public var string: String { requirements.map(\.description).joined(separator: ",") }

    public var description: String { string }

    /// The single value the selector requires for `key` (`key=v`, `key==v` or `key in (v)`), if
    /// any; lets a store use an index instead of scanning (Kubernetes' RequiresExactMatch).
    public func exactValue(for key: String) -> String? {
        guard let requirement = requirements.first(where: { $0.key == key }) else { return nil }
        switch requirement.operator {
        case .equals, .doubleEquals, .in:
            return requirement.values.count == 1 ? requirement.values[0] : nil
        default:
            return nil
        }
    }

    /// Kubernetes' NewRequirement: validates the key, the number of values for the operator and
    /// every value, with its messages and field paths (`key`, `values`, `values[0][key]`).
    /// `values: nil` stands for a Go nil slice, which prints differently in messages.
    public static func requirement(key: String, operator op: Operator, values: [String]?) throws -> Requirement {
        var errors: [String] = []
        let keyProblems = LabelSyntax.labelKeyErrors(key)
        if !keyProblems.isEmpty {
            errors.append("key: Invalid value: \(WireGoFormat.quote(key)): " + keyProblems.joined(separator: "; "))
        }
        let list = values ?? []
        let shown = WireGoFormat.stringSlice(values)
        switch op {
        case .in, .notIn:
            if list.isEmpty {
                errors.append("values: Invalid value: \(shown): for 'in', 'notin' operators, values set can't be empty")
            }
        case .equals, .doubleEquals, .notEquals:
            if list.count != 1 {
                errors.append("values: Invalid value: \(shown): exact-match compatibility requires one single value")
            }
        case .exists, .doesNotExist:
            if !list.isEmpty {
                errors.append("values: Invalid value: \(shown): values set must be empty for exists and does not exist")
            }
        case .greaterThan, .lessThan:
            if list.count != 1 {
                errors.append("values: Invalid value: \(shown): for 'Gt', 'Lt' operators, exactly one value is required")
            }
            for (i, value) in list.enumerated() where Int64(value) == nil {
                errors.append("values[\(i)]: Invalid value: \(WireGoFormat.quote(value)): for 'Gt', 'Lt' operators, the value must be an integer")
            }
        }
        for (i, value) in list.enumerated() {
            let problems = LabelSyntax.labelValueErrors(value)
            if !problems.isEmpty {
                errors.append("values[\(i)][\(key)]: Invalid value: \(WireGoFormat.quote(value)): " + problems.joined(separator: "; "))
            }
        }
        if !errors.isEmpty { throw LabelSelectorError(aggregating: errors) }
        return Requirement(validatedKey: key, operator: op, values: list)
    }
}

/// A label selector that Kubernetes would reject; `message` is the Status message to return
/// with 400 BadRequest.
public struct LabelSelectorError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    /// Kubernetes' aggregate error text: one message alone, several as `[a, b]` (duplicates dropped).
    init(aggregating messages: [String]) {
        var seen = Set<String>()
        let unique = messages.filter { seen.insert($0).inserted }
        self.message = unique.count == 1 ? unique[0] : "[" + unique.joined(separator: ", ") + "]"
    }

    public var description: String { message }
}
