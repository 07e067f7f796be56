/// `/healthz`, `/livez` and `/readyz` as Kubernetes serves them: `ok`, or with `?verbose` one line per named check
/// and a verdict; `/livez/ping` and the like answer for one check.
enum Health {
    /// The checks each endpoint runs. They pass whenever this process answers: the store lives in-process, and a
    /// server that is shutting down stops listening before it would report anything else.
    static let checks: [String: [String]] = [
        "healthz": ["ping", "log", "store"],
        "livez": ["ping", "log", "store"],
        "readyz": ["ping", "log", "store", "shutdown"],
    ]

    /// The body for `path` ("livez", "livez/ping"), or nil when there is no such endpoint or check.
    static func body(path: String, verbose: Bool) -> String? {
        let parts = path.split(separator: "/").map(String.init)
        guard let endpoint = parts.first, let names = checks[endpoint], parts.count <= 2 else { return nil }
        if parts.count == 2 {
            guard names.contains(parts[1]) else { return nil }
            return "ok"
        }
        guard verbose else { return "ok" }
        return names.map { "[+]\($0) ok\n" }.joined() + "\(endpoint) check passed\n"
    }
}
