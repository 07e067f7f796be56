import APIServer
import ArgumentParser
import Controllers
import Foundation
import KubeClient

@main
struct Swiftlet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftlet",
        abstract: "A Kubernetes node in one process: API server, controllers, node agent, service proxy and cluster DNS.",
        subcommands: [Server.self])
}

struct Server: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the API server and the controllers (and, once built, the node agent) on this machine.")

    @Option(help: "Where state, certificates and the admin kubeconfig live.") var dataDir = "/var/lib/swiftlet"
    @Option(help: "HTTPS port of the Kubernetes API.") var apiPort = 6443
    @Option(help: "Address the API listens on.") var bindAddress = "0.0.0.0"
    @Option(help: "Service ClusterIP range.") var serviceCIDR = "10.96.0.0/12"
    @Option(help: "Pod IP range (a /24 per node).") var podCIDR = "10.244.0.0/16"
    @Option(help: "This node's name (default: the hostname).") var nodeName: String?
    @Option(help: "This node's InternalIP (default: the default-route interface's address).") var nodeIP: String?
    @Option(help: "An ExternalIP to advertise for this node.") var nodeExternalIP: String?
    @Option(help: "Seconds without a node heartbeat before the node turns NotReady.") var nodeMonitorGracePeriod = 40.0
    @Flag(help: "Serve the API and controllers only; run no pods on this machine.") var noAgent = false

    func run() async throws {
        var config = ServerConfig(nodeName: (nodeName ?? ProcessInfo.processInfo.hostName).lowercased(),
                                  nodeIP: nodeIP ?? HostAddresses.internalIP())
        config.dataDir = dataDir
        config.apiPort = apiPort
        config.bindAddress = bindAddress
        config.serviceCIDR = serviceCIDR
        config.podCIDR = podCIDR
        config.nodeExternalIP = nodeExternalIP
        let server = try KubeAPIServer(config: config)
        let banner = "swiftlet: serving the Kubernetes API on https://\(config.bindAddress):\(config.apiPort); export KUBECONFIG=\(server.adminKubeconfigPath)\n"
        let controllers = ControllerContext(client: InProcessClient(server: server))
        let bind = server.bindPod
        let grace = nodeMonitorGracePeriod
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await server.run { FileHandle.standardError.write(Data(banner.utf8)) }
            }
            group.addTask {
                await ControllerManager.run(controllers, [
                    DeploymentController(context: controllers),
                    ReplicaSetController(context: controllers),
                    Scheduler(context: controllers, bind: bind),
                    EndpointsController(context: controllers),
                    EndpointSliceController(context: controllers),
                    ServiceLoadBalancerController(context: controllers),
                    GarbageCollector(context: controllers),
                    NamespaceController(context: controllers),
                    NodeLifecycleController(context: controllers, gracePeriod: grace),
                ])
            }
            // The server ends on SIGTERM/SIGINT; the controllers go with it.
            try await group.next()
            group.cancelAll()
        }
    }
}
