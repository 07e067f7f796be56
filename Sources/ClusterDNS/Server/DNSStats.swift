import Metrics
import Synchronization

/// Query counters for metrics, in the spirit of CoreDNS's coredns_dns_requests_total{type} and
/// coredns_dns_responses_total{rcode}.
public struct DNSStats: Sendable, Equatable {
    /// Queries by question type ("A", "AAAA", "SRV", "PTR", ...; "none" for packets without a question).
    public var queriesByType: [String: Int] = [:]
    /// Responses by rcode ("NOERROR", "NXDOMAIN", "REFUSED", ...).
    public var responsesByRcode: [String: Int] = [:]
    public var udpQueries = 0
    public var tcpQueries = 0
    /// Queries sent on to the upstream resolvers, and how many of those failed (SERVFAIL to the client).
    public var forwarded = 0
    public var forwardFailures = 0
    /// UDP responses cut down to fit, with TC set.
    public var truncated = 0

    public init() {}

    public var totalQueries: Int { udpQueries + tcpQueries }
}

final class StatsRecorder: Sendable {
    private struct State {
        var stats = DNSStats()
        /// swift-metrics counters by dimensions, made once: making one per query (the backend validates the names
        /// and looks the series up under its lock) cost as much as answering from the answer cache.
        var requestCounters: [RequestKey: Counter] = [:]
        var responseCounters: [String: Counter] = [:]
    }

    private struct RequestKey: Hashable {
        var type: String
        var overTCP: Bool
    }

    private let state = Mutex(State())

    var snapshot: DNSStats { state.withLock { $0.stats } }

    func update(_ body: (inout DNSStats) -> Void) { state.withLock { body(&$0.stats) } }

    /// One query, counted here and as CoreDNS's coredns_dns_requests_total{proto,type}.
    func countQuery(type: String, overTCP: Bool) {
        let counter = state.withLock { s in
            s.stats.queriesByType[type, default: 0] += 1
            if overTCP { s.stats.tcpQueries += 1 } else { s.stats.udpQueries += 1 }
            return s.requestCounters.memo(RequestKey(type: type, overTCP: overTCP)) {
                Counter(label: "coredns_dns_requests_total", dimensions: [("proto", overTCP ? "tcp" : "udp"), ("type", type)])
            }
        }
        counter.increment()
    }

    /// One response, counted here and as coredns_dns_responses_total{rcode}.
    func countResponse(rcode: String, truncated: Bool = false) {
        let counter = state.withLock { s in
            s.stats.responsesByRcode[rcode, default: 0] += 1
            if truncated { s.stats.truncated += 1 }
            return s.responseCounters.memo(rcode) { Counter(label: "coredns_dns_responses_total", dimensions: [("rcode", rcode)]) }
        }
        counter.increment()
    }
}

extension Dictionary {
    /// The value for `key`, made by `make` and kept the first time.
    fileprivate mutating func memo(_ key: Key, _ make: () -> Value) -> Value {
        if let value = self[key] { return value }
        let value = make()
        self[key] = value
        return value
    }
}
