/// Namespace for the networking controllers' internal helpers, so their names cannot clash with other
/// controller areas compiled into the same module.
enum Net {}

extension Net {
    /// Label, annotation and finalizer keys the networking controllers read and write, spelled as Kubernetes
    /// spells them (core/v1 and discovery/v1 well-known keys, the cloud-provider service controller, k3s's
    /// ServiceLB).
    enum Keys {
        /// On EndpointSlices: the Service they belong to.
        static let serviceName = "kubernetes.io/service-name"
        /// On EndpointSlices: the controller that owns their content.
        static let managedBy = "endpointslice.kubernetes.io/managed-by"
        /// On Endpoints and EndpointSlices of a Service without a cluster IP.
        static let headless = "service.kubernetes.io/headless"
        /// When the change that led to this Endpoints/EndpointSlice version happened (a pod turning ready...).
        static let lastChangeTriggerTime = "endpoints.kubernetes.io/last-change-trigger-time"
        /// Set to "truncated" when an Endpoints object would hold more than 1000 addresses.
        static let overCapacity = "endpoints.kubernetes.io/over-capacity"
        static let truncated = "truncated"
        /// Endpoints used as leader-election locks carry this; they have no Service and must not be deleted.
        static let leaderElection = "control-plane.alpha.kubernetes.io/leader"
        static let topologyZone = "topology.kubernetes.io/zone"

        /// The cloud-provider service controller's finalizer on LoadBalancer Services.
        static let loadBalancerCleanup = "service.kubernetes.io/load-balancer-cleanup"
        /// Nodes carrying this label never take load-balancer traffic.
        static let excludeFromLoadBalancers = "node.kubernetes.io/exclude-from-external-load-balancers"
        /// The cluster autoscaler's taint on nodes it is about to remove.
        static let toBeDeletedTaint = "ToBeDeletedByClusterAutoscaler"
        /// k3s ServiceLB: once any node has this label, only nodes labelled "true" take load-balancer traffic.
        static let serviceLBEnable = "svccontroller.k3s.cattle.io/enablelb"
    }
}
