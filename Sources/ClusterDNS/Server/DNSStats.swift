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
    private let state = Mutex(DNSStats())

    var snapshot: DNSStats { state.withLock { $0 } }

    func update(_ body: (inout DNSStats) -> Void) { state.withLock { body(&$0) } }

    /// One query, counted here and as CoreDNS's coredns_dns_requests_total{proto,type}.
    func countQuery(type: String, overTCP: Bool) {
        update {
            $0.queriesByType[type, default: 0] += 1
            if overTCP { $0.tcpQueries += 1 } else { $0.udpQueries += 1 }
        }
        Counter(label: "coredns_dns_requests_total", dimensions: [("proto", overTCP ? "tcp" : "udp"), ("type", type)]).increment()
    }

    /// One response, counted here and as coredns_dns_responses_total{rcode}.
    func countResponse(rcode: String, truncated: Bool = false) {
        update {
            $0.responsesByRcode[rcode, default: 0] += 1
            if truncated { $0.truncated += 1 }
        }
        Counter(label: "coredns_dns_responses_total", dimensions: [("rcode", rcode)]).increment()
    }
}
