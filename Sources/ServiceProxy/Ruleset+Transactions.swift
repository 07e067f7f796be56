/// Turns rulesets into nft command text. Every text produced here is applied as ONE libnftables call,
/// hence one kernel transaction: packets see the old rules or the new ones, never a mix.
extension ProxyRuleset {
    static let tableComment = "rules for swiftlet service proxy"

    /// Replaces the table wholesale: whatever a crashed or older run left behind (stale chains, sets,
    /// elements, other priorities) disappears in the same transaction that installs the new content.
    public func fullSyncCommands() -> String {
        var out = CommandWriter(table: tableName)
        out.line("add table ip \(tableName) { comment \"\(Self.tableComment)\"; }")
        out.line("delete table ip \(tableName)")
        out.line("add table ip \(tableName) { comment \"\(Self.tableComment)\"; }")
        let groups = [base] + services.keys.sorted().map { services[$0]! }
        // Declarations before rules, so rules may jump to any chain and name any set.
        for g in groups { for c in g.chains { out.addChain(c) } }
        for g in groups { for s in g.sets { out.addSet(s) } }
        for g in groups { for c in g.chains { out.addRules(c) } }
        for g in groups { for e in g.elements { out.addElement(e) } }
        return out.text
    }

    /// The commands that turn `old` (what the kernel holds) into `self`, touching only the Services whose
    /// rules changed; nil when nothing changed. Falls back to a full sync when the skeleton changed.
    public func incrementalCommands(from old: ProxyRuleset) -> String? {
        guard old.tableName == tableName, old.base == base else { return fullSyncCommands() }
        let keys = Set(old.services.keys).union(services.keys).sorted()
        let changed = keys.filter { old.services[$0] != services[$0] }
        if changed.isEmpty { return nil }
        let empty = RuleGroup()
        let pairs = changed.map { (old: old.services[$0] ?? empty, new: services[$0] ?? empty) }
        var out = CommandWriter(table: tableName)

        // 1. Drop the map/set elements that go away or change value: they may point at chains
        //    deleted below, and a key can only hold one value.
        for p in pairs {
            let keep = Set(p.new.elements)
            for e in p.old.elements where !keep.contains(e) { out.deleteElement(e) }
        }
        // 2. Sets that go away or change definition are recreated; unchanged ones keep their contents
        //    (ClientIP affinity entries survive an endpoint change).
        let recreatedSets = pairs.map { p in
            Set(p.old.sets.filter { s in p.new.sets.first(where: { $0.name == s.name }) != s }.map(\.name))
        }
        // 3. Empty the chains that go away or change (creating new ones), and those naming a set about to
        //    be deleted: this releases their references to other chains and to sets. Unchanged chains
        //    are left alone.
        var rewrite: [[NftChain]] = []
        for (i, p) in pairs.enumerated() {
            let before = Dictionary(p.old.chains.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            let live = Set(p.new.chains.map(\.name))
            let touched = p.new.chains.filter { c in
                before[c.name] != c || recreatedSets[i].contains { set in c.rules.contains { $0.contains("@\(set) ") } }
            }
            for c in p.old.chains where !live.contains(c.name) {
                out.line("flush chain ip \(tableName) \(c.name)")
            }
            for c in touched {
                out.addChain(c)
                if before[c.name] != nil { out.line("flush chain ip \(tableName) \(c.name)") }
            }
            rewrite.append(touched)
        }
        for (i, p) in pairs.enumerated() {
            for s in p.old.sets where recreatedSets[i].contains(s.name) {
                out.line("delete \(s.isMap ? "map" : "set") ip \(tableName) \(s.name)")
            }
        }
        for p in pairs {
            for s in p.new.sets where p.old.sets.first(where: { $0.name == s.name }) != s { out.addSet(s) }
        }
        // 4. Refill the chains and add the new elements.
        for chains in rewrite { for c in chains { out.addRules(c) } }
        for p in pairs {
            let had = Set(p.old.elements)
            for e in p.new.elements where !had.contains(e) { out.addElement(e) }
        }
        // 5. Chains nobody references any more (all their referrers were flushed or deleted above).
        for p in pairs {
            let live = Set(p.new.chains.map(\.name))
            for c in p.old.chains where !live.contains(c.name) {
                out.line("delete chain ip \(tableName) \(c.name)")
            }
        }
        return out.text
    }
}

/// Accumulates command lines for one transaction.
struct CommandWriter {
    let table: String
    private(set) var text = ""

    init(table: String) { self.table = table }

    mutating func line(_ s: String) {
        text += s
        text += "\n"
    }

    mutating func addChain(_ c: NftChain) {
        if let hook = c.hook {
            line("add chain ip \(table) \(c.name) { \(hook) }")
        } else {
            line("add chain ip \(table) \(c.name)")
        }
    }

    mutating func addRules(_ c: NftChain) {
        for r in c.rules { line("add rule ip \(table) \(c.name) \(r)") }
    }

    mutating func addSet(_ s: NftSet) {
        line("add \(s.isMap ? "map" : "set") ip \(table) \(s.name) { \(s.spec) }")
    }

    mutating func addElement(_ e: NftElement) {
        line("add element ip \(table) \(e.set) { \(e.text) }")
    }

    mutating func deleteElement(_ e: NftElement) {
        line("delete element ip \(table) \(e.set) { \(e.key) }")
    }
}
