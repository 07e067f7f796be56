/// The column sets of the apiserver's printers (pkg/printers/internalversion), in the order
/// their cells are produced. The server always produces the wide cells too; kubectl drops the
/// priority-1 columns unless asked for `-o wide`.
enum TableColumns {
    typealias D = ColumnDescription

    static let name = TableColumn(name: "Name", type: "string", format: "name", description: D.name)
    static let age = TableColumn(name: "Age", type: "string", description: D.creationTimestamp)

    private static func wide(_ name: String, _ description: String, type: String = "string") -> TableColumn {
        TableColumn(name: name, type: type, description: description, priority: 1)
    }
    private static func col(_ name: String, _ description: String, type: String = "string") -> TableColumn {
        TableColumn(name: name, type: type, description: description)
    }

    /// Kinds without a printer of their own get these (the apiserver's default table).
    static let objectMeta: [TableColumn] = [name, age]

    static let pod: [TableColumn] = [
        name,
        col("Ready", D.podReady),
        col("Status", D.podStatus),
        col("Restarts", D.podRestarts),
        age,
        wide("IP", D.podIP),
        wide("Node", D.nodeName),
        wide("Nominated Node", D.nominatedNodeName),
        wide("Readiness Gates", D.readinessGates),
    ]

    static let service: [TableColumn] = [
        name,
        col("Type", D.serviceType),
        col("Cluster-IP", D.clusterIP),
        col("External-IP", D.externalIPs),
        col("Port(s)", D.servicePorts),
        age,
        wide("Selector", D.serviceSelector),
    ]

    static let endpoints: [TableColumn] = [name, col("Endpoints", D.endpointsSubsets), age]

    static let endpointSlice: [TableColumn] = [
        name,
        col("AddressType", D.sliceAddressType),
        col("Ports", D.slicePorts),
        col("Endpoints", D.sliceEndpoints),
        age,
    ]

    // Kubernetes declares Up-to-date and Available as "string" although the cells are integers.
    static let deployment: [TableColumn] = [
        name,
        col("Ready", D.deploymentReady),
        col("Up-to-date", D.deploymentUpdated),
        col("Available", D.deploymentAvailable),
        age,
        wide("Containers", D.templateContainers),
        wide("Images", D.templateImages),
        wide("Selector", D.deploymentSelector),
    ]

    static let replicaSet: [TableColumn] = [
        name,
        col("Desired", D.replicaSetDesired, type: "integer"),
        col("Current", D.replicaSetCurrent, type: "integer"),
        col("Ready", D.replicaSetReady, type: "integer"),
        age,
        wide("Containers", D.templateContainers),
        wide("Images", D.templateImages),
        wide("Selector", D.replicaSetSelector),
    ]

    static let secret: [TableColumn] = [name, col("Type", D.secretType), col("Data", D.secretData), age]
    static let configMap: [TableColumn] = [name, col("Data", D.configMapData), age]
    static let namespace: [TableColumn] = [name, col("Status", D.namespaceStatus), age]
    static let serviceAccount: [TableColumn] = [name, col("Secrets", D.serviceAccountSecrets), age]
    static let lease: [TableColumn] = [name, col("Holder", D.leaseHolder), age]

    static let node: [TableColumn] = [
        name,
        col("Status", D.nodeStatus),
        col("Roles", D.nodeRoles),
        age,
        col("Version", D.kubeletVersion),
        wide("Internal-IP", D.nodeAddresses),
        wide("External-IP", D.nodeAddresses),
        wide("OS-Image", D.osImage),
        wide("Kernel-Version", D.kernelVersion),
        wide("Container-Runtime", D.containerRuntimeVersion),
    ]

    /// Events lead with Last Seen and keep their name as a wide column at the end.
    static let event: [TableColumn] = [
        col("Last Seen", D.eventLastTimestamp),
        col("Type", D.eventType),
        col("Reason", D.eventReason),
        col("Object", D.eventInvolvedObject),
        wide("Subobject", D.eventFieldPath),
        wide("Source", D.eventSource),
        col("Message", D.eventMessage),
        wide("First Seen", D.eventFirstTimestamp),
        wide("Count", D.eventCount),
        TableColumn(name: "Name", type: "string", format: "name", description: D.name, priority: 1),
    ]
}
