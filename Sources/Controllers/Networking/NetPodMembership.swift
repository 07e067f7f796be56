import KubeAPI
import KubeClient

extension Net {
    /// Which Services a pod event concerns, as the endpoint controllers decide it
    /// (`GetServicesToUpdateOnPodChange`): a pod added or deleted concerns the Services selecting it; an update
    /// concerns them only when something that shows in endpoints changed, and a label change concerns the
    /// Services it joins or leaves.
    enum PodMembership {
        /// Keys of the Services in `namespace` whose selector matches `labels`.
        static func services(selecting labels: [String: String], namespace: String, among services: [JSON]) -> Set<String> {
            var keys = Set<String>()
            for service in services where (service.namespace ?? "") == namespace {
                if let selector = ServiceFacts.selector(service), selector.matches(labels) {
                    keys.insert(Informer.key(service))
                }
            }
            return keys
        }

        static func servicesToSync(old: JSON?, new: JSON?, services: [JSON]) -> Set<String> {
            switch (old, new) {
            case (nil, nil):
                return []
            case (nil, let pod?), (let pod?, nil):
                return Self.services(selecting: pod.labels, namespace: pod.namespace ?? "", among: services)
            case (let oldPod?, let newPod?):
                if oldPod.resourceVersion != nil && oldPod.resourceVersion == newPod.resourceVersion { return [] }
                let (podChanged, labelsChanged) = endpointsChanged(old: oldPod, new: newPod)
                if !podChanged && !labelsChanged { return [] }
                let namespace = newPod.namespace ?? ""
                let current = Self.services(selecting: newPod.labels, namespace: namespace, among: services)
                if !labelsChanged { return current }
                let previous = Self.services(selecting: oldPod.labels, namespace: namespace, among: services)
                // With the pod itself unchanged, only the Services it joined or left need a sync.
                return podChanged ? current.union(previous) : current.symmetricDifference(previous)
            }
        }

        /// (the pod changed in a way its endpoints show, its labels or DNS name changed)
        static func endpointsChanged(old: JSON, new: JSON) -> (Bool, Bool) {
            let labelsChanged = old.labels != new.labels
                || old["spec"]["hostname"] != new["spec"]["hostname"]
                || old["spec"]["subdomain"] != new["spec"]["subdomain"]
            let podChanged = old["metadata"]["deletionTimestamp"] != new["metadata"]["deletionTimestamp"]
                || PodFacts.isReady(old) != PodFacts.isReady(new)
                || PodFacts.ips(old) != PodFacts.ips(new)
                || PodFacts.isTerminal(old) != PodFacts.isTerminal(new)
                || old["spec"]["nodeName"] != new["spec"]["nodeName"]
            return (podChanged, labelsChanged)
        }
    }
}
