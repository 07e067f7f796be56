/// The `labelSelector` query syntax, tokenised and parsed the way Kubernetes' labels.Parse does,
/// so that what it accepts, what it rejects and the error texts all match:
///
///     selector    := requirement ("," requirement)*
///     requirement := ["!"] KEY [ ("in" | "notin") "(" values ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]
///
/// Whitespace (space, tab, CR, LF) separates tokens; `in`/`notin` are keywords only where an
/// operator is expected, so they still work as keys and values.
struct LabelSelectorParser {
    enum Token: Equatable {
        case endOfString, closedParen, comma, doesNotExist, doubleEquals, equals, greaterThan
        case identifier, inKeyword, lessThan, notEquals, notInKeyword, openParen
        case error
    }

    struct Item {
        let token: Token
        let literal: String
    }

    private var items: [Item] = []
    private var position = 0

    init(_ text: String) {
        items = LabelSelectorParser.scan(Array(text.utf8))
    }

    // MARK: lexer

    private static let symbols: [String: Token] = [
        ")": .closedParen, ",": .comma, "!": .doesNotExist, "==": .doubleEquals, "=": .equals,
        ">": .greaterThan, "in": .inKeyword, "<": .lessThan, "!=": .notEquals, "notin": .notInKeyword,
        "(": .openParen,
    ]

    private static func isWhitespace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0d || c == 0x0a }

    private static func isSpecialSymbol(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: ","), UInt8(ascii: ">"), UInt8(ascii: "<"):
            return true
        default:
            return false
        }
    }

    private static func scan(_ s: [UInt8]) -> [Item] {
        var items: [Item] = []
        var pos = 0
        // Like Go's lexer, a NUL byte reads as the end of the input.
        func peek() -> UInt8 { pos < s.count ? s[pos] : 0 }
        func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

        while true {
            while isWhitespace(peek()) { pos += 1 }
            let c = peek()
            if c == 0 {
                items.append(Item(token: .endOfString, literal: ""))
                return items
            }
            if isSpecialSymbol(c) {
                // Longest run of symbol characters that still spells an operator.
                let start = pos
                var last: Item?
                while isSpecialSymbol(peek()) {
                    let candidate = text(s[start...pos])
                    if let token = symbols[candidate] {
                        last = Item(token: token, literal: candidate)
                    } else if last != nil {
                        break
                    }
                    pos += 1
                }
                if let last {
                    pos = start + last.literal.utf8.count
                    items.append(last)
                } else {
                    items.append(Item(token: .error, literal: "error expected: keyword found '\(text(s[start..<pos]))'"))
                }
            } else {
                let start = pos
                while peek() != 0 && !isSpecialSymbol(peek()) && !isWhitespace(peek()) { pos += 1 }
                let word = text(s[start..<pos])
                let token = symbols[word] ?? .identifier
                items.append(Item(token: token, literal: word))
            }
        }
    }

    // MARK: parser

    /// In value context the keywords `in`/`notin` are plain identifiers.
    private func lookahead(values: Bool = true) -> (Token, String) {
        let item = items[min(position, items.count - 1)]
        if values && (item.token == .inKeyword || item.token == .notInKeyword) { return (.identifier, item.literal) }
        return (item.token, item.literal)
    }

    private mutating func consume(values: Bool = true) -> (Token, String) {
        let result = lookahead(values: values)
        position += 1
        return result
    }

    private struct Failure: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    mutating func parse() throws -> [LabelSelector.Requirement] {
        var requirements: [LabelSelector.Requirement] = []
        while true {
            let (token, literal) = lookahead()
            switch token {
            case .identifier, .doesNotExist:
                do {
                    requirements.append(try parseRequirement())
                } catch let failure as Failure {
                    throw LabelSelectorError("unable to parse requirement: " + failure.message)
                } catch let error as LabelSelectorError {
                    throw LabelSelectorError("unable to parse requirement: " + error.message)
                }
                let (next, nextLiteral) = consume()
                switch next {
                case .endOfString:
                    return requirements
                case .comma:
                    let (after, afterLiteral) = lookahead()
                    if after != .identifier && after != .doesNotExist {
                        throw LabelSelectorError("found '\(afterLiteral)', expected: identifier after ','")
                    }
                default:
                    throw LabelSelectorError("found '\(nextLiteral)', expected: ',' or 'end of string'")
                }
            case .endOfString:
                return requirements
            default:
                throw LabelSelectorError("found '\(literal)', expected: !, identifier, or 'end of string'")
            }
        }
    }

    private mutating func parseRequirement() throws -> LabelSelector.Requirement {
        var (token, key) = consume()
        var negated = false
        if token == .doesNotExist {
            negated = true
            (token, key) = consume()
        }
        guard token == .identifier else { throw Failure("found '\(key)', expected: identifier") }
        let keyProblems = LabelSyntax.labelKeyErrors(key)
        if !keyProblems.isEmpty {
            // Kubernetes validates the key here with a nil field path, printed as "<nil>".
            throw Failure("<nil>: Invalid value: \(WireGoFormat.quote(key)): " + keyProblems.joined(separator: "; "))
        }
        let (next, _) = lookahead()
        if negated || next == .endOfString || next == .comma {
            // `!key` followed by anything else is caught by the caller (expects ',' or end).
            return try LabelSelector.requirement(key: key, operator: negated ? .doesNotExist : .exists, values: [])
        }

        let op: LabelSelector.Operator
        let (opToken, opLiteral) = consume(values: false)
        switch opToken {
        case .inKeyword: op = .in
        case .equals: op = .equals
        case .doubleEquals: op = .doubleEquals
        case .greaterThan: op = .greaterThan
        case .lessThan: op = .lessThan
        case .notInKeyword: op = .notIn
        case .notEquals: op = .notEquals
        default: throw Failure("found '\(opLiteral)', expected: in, notin, =, ==, !=, gt, lt")
        }
        let values: Set<String>
        switch op {
        case .in, .notIn: values = try parseValueSet()
        default: values = try parseExactValue()
        }
        return try LabelSelector.requirement(key: key, operator: op, values: values.sorted(by: FieldSelector.goLess))
    }

    /// `( v1, v2, … )`; empty members (`(a,,b)`, `()`) stand for the empty string.
    private mutating func parseValueSet() throws -> Set<String> {
        let (open, openLiteral) = consume()
        guard open == .openParen else { throw Failure("found '\(openLiteral)' expected: '('") }
        let (token, literal) = lookahead()
        switch token {
        case .identifier, .comma:
            let values = try parseIdentifierList()
            let (close, _) = consume()
            guard close == .closedParen else { throw Failure("found '\(literal)', expected: ')'") }
            return values
        case .closedParen:
            _ = consume()
            return [""]
        default:
            throw Failure("found '\(literal)', expected: ',', ')' or identifier")
        }
    }

    private mutating func parseIdentifierList() throws -> Set<String> {
        var values = Set<String>()
        while true {
            let (token, literal) = consume()
            switch token {
            case .identifier:
                values.insert(literal)
                let (next, nextLiteral) = lookahead()
                switch next {
                case .comma: continue
                case .closedParen: return values
                default: throw Failure("found '\(nextLiteral)', expected: ',' or ')'")
                }
            case .comma:
                if values.isEmpty { values.insert("") }  // "(,"
                let (next, _) = lookahead()
                if next == .closedParen {  // ",)"
                    values.insert("")
                    return values
                }
                if next == .comma {  // ",,"
                    _ = consume()
                    values.insert("")
                }
            default:
                throw Failure("found '\(literal)', expected: ',', or identifier")
            }
        }
    }

    /// The single value after `=`, `==`, `!=`, `>` or `<`; nothing there means the empty string.
    private mutating func parseExactValue() throws -> Set<String> {
        let (next, _) = lookahead()
        if next == .endOfString || next == .comma { return [""] }
        let (token, literal) = consume()
        guard token == .identifier else { throw Failure("found '\(literal)', expected: identifier") }
        return [literal]
    }
}
