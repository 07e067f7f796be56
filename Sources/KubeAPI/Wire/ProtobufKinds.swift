extension ProtobufSchemas {
    /// The top-level kinds the server accepts as protobuf, by apiVersion and then kind: every kind
    /// a `kubectl create <subcommand>` of kubectl 1.32 sends (it posts them all through typed
    /// clients, which speak protobuf and never fall back to JSON). Secret and ConfigMap, the first
    /// two, have hand-written decoders in `ProtobufCoreObjects`.
    static let topLevelKinds: [String: [String: ProtobufMessageSchema]] = [
        "v1": [
            "Namespace": namespace,  // create namespace
            "ServiceAccount": serviceAccount,  // create serviceaccount
            "Service": service,  // create service clusterip|nodeport|loadbalancer|externalname
            "ResourceQuota": resourceQuota,  // create quota
        ],
        "apps/v1": ["Deployment": deployment],  // create deployment
        "batch/v1": [
            "Job": job,  // create job, also --from=cronjob/NAME
            "CronJob": cronJob,  // create cronjob
        ],
        "rbac.authorization.k8s.io/v1": [
            "Role": role,  // create role
            "ClusterRole": clusterRole,  // create clusterrole
            "RoleBinding": roleBinding,  // create rolebinding
            "ClusterRoleBinding": clusterRoleBinding,  // create clusterrolebinding
        ],
        "scheduling.k8s.io/v1": ["PriorityClass": priorityClass],  // create priorityclass
        "policy/v1": ["PodDisruptionBudget": podDisruptionBudget],  // create poddisruptionbudget
        "networking.k8s.io/v1": ["Ingress": ingress],  // create ingress
        "authentication.k8s.io/v1": ["TokenRequest": tokenRequest],  // create token (POST …/serviceaccounts/NAME/token)
    ]
}
