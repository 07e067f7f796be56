/// An error the workload controllers raise themselves, with Kubernetes' wording.
struct WorkloadError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    init(message: String) { self.message = message }
    var description: String { message }
}
