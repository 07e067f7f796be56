import Metrics
import Prometheus

/// The API server's request metrics, named and labelled as kube-apiserver's: a counter by verb, resource and HTTP
/// code, and a latency histogram by verb and resource. They go through swift-metrics; `/metrics` renders whatever
/// the process registered in `APIMetrics.registry` (the node agent's, the proxy's and the DNS's figures too).
enum APIMetrics {
    /// kube-apiserver's buckets for apiserver_request_duration_seconds.
    static let durationBuckets: [Duration] = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8,
                                              10, 15, 20, 30, 45, 60].map { .milliseconds(Int64($0 * 1000)) }

    static func observe(verb: String, resource: String, code: Int, duration: Duration) {
        Counter(label: "apiserver_request_total", dimensions: [("code", "\(code)"), ("resource", resource), ("verb", verb)]).increment()
        Timer(label: "apiserver_request_duration_seconds", dimensions: [("resource", resource), ("verb", verb)]).record(duration: duration)
    }
}

/// The process's Prometheus registry and the swift-metrics backend that fills it. `bootstrap` is called once, by
/// `swiftlet server`, before anything records a figure; until then (unit tests) swift-metrics records nothing.
public enum MetricsBackend {
    public static let registry = PrometheusCollectorRegistry()

    /// Histogram buckets by metric name for the figures that are histograms of values, not durations.
    public static func bootstrap(valueBuckets: [String: [Double]] = [:], durationBuckets: [String: [Duration]] = [:]) {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = durationBuckets.merging(["apiserver_request_duration_seconds": APIMetrics.durationBuckets]) { a, _ in a }
        factory.valueHistogramBuckets = valueBuckets
        MetricsSystem.bootstrap(factory)
    }

    /// Prometheus' text format, for GET /metrics.
    static func render() -> String { registry.emitToString() }
}
