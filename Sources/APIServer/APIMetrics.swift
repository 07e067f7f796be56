import Foundation
import Synchronization

/// API request counters and latency sums, rendered in Prometheus' text format at /metrics.
final class APIMetrics: Sendable {
    private struct Key: Hashable { let verb: String; let resource: String; let code: Int }
    private struct Series { var count = 0; var seconds = 0.0 }
    private let series = Mutex<[Key: Series]>([:])

    func observe(verb: String, resource: String, code: Int, seconds: Double) {
        series.withLock { s in
            let k = Key(verb: verb, resource: resource, code: code)
            s[k, default: Series()].count += 1
            s[k, default: Series()].seconds += seconds
        }
    }

    func render() -> String {
        let snapshot = series.withLock { $0 }
        let keys = snapshot.keys.sorted { ($0.resource, $0.verb, $0.code) < ($1.resource, $1.verb, $1.code) }
        var out = "# HELP apiserver_request_total Counter of API requests by verb, resource and HTTP code.\n"
        out += "# TYPE apiserver_request_total counter\n"
        for k in keys {
            out += "apiserver_request_total{code=\"\(k.code)\",resource=\"\(k.resource)\",verb=\"\(k.verb)\"} \(snapshot[k]!.count)\n"
        }
        out += "# HELP apiserver_request_duration_seconds_sum Total time spent answering API requests.\n"
        out += "# TYPE apiserver_request_duration_seconds_sum counter\n"
        for k in keys {
            out += "apiserver_request_duration_seconds_sum{code=\"\(k.code)\",resource=\"\(k.resource)\",verb=\"\(k.verb)\"} \(snapshot[k]!.seconds)\n"
        }
        return out
    }
}
