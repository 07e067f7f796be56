/// Names and texts that the API server, the controllers and the node agent must agree on for service accounts.
public enum ServiceAccountDefaults {
    /// Where the ServiceAccount admission plugin mounts the `kube-api-access-*` volume.
    public static let mountPath = "/var/run/secrets/kubernetes.io/serviceaccount"
    /// The ConfigMap holding the cluster CA in every namespace.
    public static let rootCAConfigMap = "kube-root-ca.crt"
    public static let rootCADescription = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."
    /// The token lifetime the admission plugin asks for; the kubelet refreshes at 80% of it.
    public static let projectedTokenSeconds: Int64 = 3607

    /// The `kube-root-ca.crt` ConfigMap of a namespace, as both the API server's namespace set-up and the
    /// root-ca-cert-publisher write it (metadata beyond name, namespace and annotations is the store's to add).
    public static func rootCAConfigMapObject(namespace: String, caPEM: String) -> JSON {
        ["apiVersion": "v1", "kind": "ConfigMap",
         "metadata": ["name": .string(rootCAConfigMap), "namespace": .string(namespace),
                      "annotations": ["kubernetes.io/description": .string(rootCADescription)]],
         "data": ["ca.crt": .string(caPEM)]]
    }
}
