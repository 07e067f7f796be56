import Foundation
import KubeAPI
import Synchronization

extension Net {
    /// Works out the `endpoints.kubernetes.io/last-change-trigger-time` annotation as Kubernetes'
    /// TriggerTimeTracker does: the earliest of the changes since the Service's previous sync, where a pod's
    /// change time is its Ready condition's last transition and the Service's is its creation. Each controller
    /// keeps its own tracker, since each syncs on its own schedule.
    final class TriggerTimeTracker: Sendable {
        private struct ServiceState {
            var podTimes: [String: Date] = [:]
            var serviceTime: Date?
        }
        private let states = Mutex<[String: ServiceState]>([:])

        /// The trigger time for this sync (nil when nothing changed), remembering what was seen.
        func compute(key: String, service: JSON, pods: [JSON]) -> Date? {
            let previous = states.withLock { $0[key] } ?? ServiceState()
            var next = ServiceState()
            var earliest: Date?
            func consider(_ d: Date) { if earliest == nil || d < earliest! { earliest = d } }
            for pod in pods {
                guard let t = PodFacts.readyTransitionTime(pod), let name = pod.name else { continue }
                next.podTimes[name] = t
                if let before = previous.podTimes[name], !(t > before) { continue }
                consider(t)
            }
            let created = service["metadata"]["creationTimestamp"].string.flatMap(parseRFC3339)
            if let created {
                if previous.serviceTime == nil || created > previous.serviceTime! { consider(created) }
                next.serviceTime = created
            }
            states.withLock { $0[key] = next }
            return earliest
        }

        func forget(key: String) {
            _ = states.withLock { $0.removeValue(forKey: key) }
        }
    }

    /// A time as Go's `time.RFC3339Nano` prints it in UTC: fraction only when non-zero, trailing zeros trimmed.
    static func rfc3339Nano(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        var text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", parts.tm_year + 1900, parts.tm_mon + 1,
                          parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec)
        // Microseconds are all a Double keeps reliably at today's epoch offsets.
        let micros = Int(((date.timeIntervalSince1970 - seconds) * 1_000_000).rounded())
        if micros > 0 && micros < 1_000_000 {
            var fraction = String(format: "%06d", micros)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
    }
}
