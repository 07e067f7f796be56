/// A chain of the proxy's table. `hook` is the base-chain spec (`type nat hook output priority -100;
/// policy accept;`) for chains attached to netfilter hooks, nil for regular chains.
public struct NftChain: Sendable, Equatable {
    public var name: String
    public var hook: String?
    /// Rule bodies in order, as written after `add rule ip TABLE CHAIN`.
    public var rules: [String]

    public init(name: String, hook: String? = nil, rules: [String] = []) {
        self.name = name
        self.hook = hook
        self.rules = rules
    }
}

/// A set or map declaration: `spec` is the body between braces (`type ipv4_addr; flags timeout; ...`).
public struct NftSet: Sendable, Equatable {
    public var name: String
    public var isMap: Bool
    public var spec: String

    public init(name: String, isMap: Bool = false, spec: String) {
        self.name = name
        self.isMap = isMap
        self.spec = spec
    }
}

/// One element of a set (`value` nil) or map (`key : value`).
public struct NftElement: Sendable, Hashable {
    public var set: String
    public var key: String
    public var value: String?

    public init(set: String, key: String, value: String? = nil) {
        self.set = set
        self.key = key
        self.value = value
    }

    var text: String { value.map { "\(key) : \($0)" } ?? key }
}

/// Everything one owner (the static skeleton, or one Service) contributes to the table: the unit that an
/// incremental sync rewrites or leaves alone.
public struct RuleGroup: Sendable, Equatable {
    public var chains: [NftChain] = []
    public var sets: [NftSet] = []
    public var elements: [NftElement] = []

    public init(chains: [NftChain] = [], sets: [NftSet] = [], elements: [NftElement] = []) {
        self.chains = chains
        self.sets = sets
        self.elements = elements
    }

    public var isEmpty: Bool { chains.isEmpty && sets.isEmpty && elements.isEmpty }

    public func chain(_ name: String) -> NftChain? { chains.first { $0.name == name } }
}

/// The whole desired content of the proxy's table: a static skeleton plus one group per Service
/// (`namespace/name`). Pure data, compared between syncs to find what changed.
public struct ProxyRuleset: Sendable, Equatable {
    public var tableName: String
    public var base: RuleGroup
    public var services: [String: RuleGroup]

    public init(tableName: String, base: RuleGroup, services: [String: RuleGroup]) {
        self.tableName = tableName
        self.base = base
        self.services = services
    }

    /// Every chain, base first, then Services in key order (for tests and debugging).
    public var allChains: [NftChain] { base.chains + services.keys.sorted().flatMap { services[$0]!.chains } }
    public var allElements: [NftElement] { base.elements + services.keys.sorted().flatMap { services[$0]!.elements } }

    public func chain(_ name: String) -> NftChain? { allChains.first { $0.name == name } }
    public func elements(of set: String) -> [NftElement] { allElements.filter { $0.set == set } }
}
