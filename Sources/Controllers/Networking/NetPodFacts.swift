import Foundation
import KubeAPI

extension Net {
    /// What the endpoint controllers need to know about a Pod object (the helpers of k8s.io/endpointslice/util
    /// and pkg/api/v1/pod).
    enum PodFacts {
        static func readyCondition(_ pod: JSON) -> JSON? {
            pod["status"]["conditions"].elements.first { $0["type"].string == "Ready" }
        }

        static func isReady(_ pod: JSON) -> Bool { readyCondition(pod)?["status"].string == "True" }

        /// Succeeded or Failed: its containers are gone for good.
        static func isTerminal(_ pod: JSON) -> Bool {
            let phase = pod["status"]["phase"].string
            return phase == "Succeeded" || phase == "Failed"
        }

        static func isTerminating(_ pod: JSON) -> Bool { pod["metadata"]["deletionTimestamp"].string != nil }

        /// The pod's IPs: `status.podIPs`, or `status.podIP` from writers that set only that.
        static func ips(_ pod: JSON) -> [String] {
            let listed = pod["status"]["podIPs"].elements.compactMap { $0["ip"].string }.filter { !$0.isEmpty }
            if !listed.isEmpty { return listed }
            if let ip = pod["status"]["podIP"].string, !ip.isEmpty { return [ip] }
            return []
        }

        /// Whether the pod belongs in Endpoints/EndpointSlices at all: not finished, has an IP, and (unless
        /// asked for) not being deleted.
        static func shouldBeInEndpoints(_ pod: JSON, includeTerminating: Bool) -> Bool {
            if isTerminal(pod) { return false }
            if ips(pod).isEmpty { return false }
            if !includeTerminating && isTerminating(pod) { return false }
            return true
        }

        /// A pod whose `hostname` is set and whose `subdomain` names this Service gets a DNS hostname in it.
        static func shouldSetHostname(_ pod: JSON, service: JSON) -> Bool {
            let hostname = pod["spec"]["hostname"].string ?? ""
            return !hostname.isEmpty && pod["spec"]["subdomain"].string == service.name
                && pod.namespace == service.namespace
        }

        /// The container port a Service port's `targetPort` means for this pod: a number is taken as is; a name
        /// is looked up among the ports (same protocol) of the containers and of sidecar init containers
        /// (restartPolicy Always). Nil when the name is not found: the pod is then left out for that port.
        static func findPort(_ pod: JSON, servicePort: JSON) -> Int64? {
            let target = servicePort["targetPort"]
            if let number = target.int { return number }
            guard let name = target.string else { return servicePort["port"].int }  // unset means "same as port"
            let protocolName = servicePort["protocol"].string ?? "TCP"
            func search(_ containers: [JSON]) -> Int64? {
                for container in containers {
                    for port in container["ports"].elements
                    where port["name"].string == name && (port["protocol"].string ?? "TCP") == protocolName {
                        return port["containerPort"].int
                    }
                }
                return nil
            }
            if let found = search(pod["spec"]["containers"].elements) { return found }
            let sidecars = pod["spec"]["initContainers"].elements.filter { $0["restartPolicy"].string == "Always" }
            return search(sidecars)
        }

        /// When the pod last turned ready or unready: its Ready condition's lastTransitionTime.
        static func readyTransitionTime(_ pod: JSON) -> Date? {
            readyCondition(pod)?["lastTransitionTime"].string.flatMap(parseRFC3339)
        }
    }
}
