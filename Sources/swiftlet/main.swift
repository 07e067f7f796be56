import APIServer
import ArgumentParser
import Foundation

@main
struct Swiftlet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftlet",
        abstract: "A Kubernetes node in one process: API server, controllers, node agent, service proxy and cluster DNS.",
        subcommands: [Server.self])
}

struct Server: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the API server (and, once built, the node agent) on this machine.")

    @Option(help: "Where state, certificates and the admin kubeconfig live.") var dataDir = "/var/lib/swiftlet"
    @Option(help: "HTTPS port of the Kubernetes API.") var apiPort = 6443
    @Option(help: "Address the API listens on.") var bindAddress = "0.0.0.0"
    @Option(help: "Service ClusterIP range.") var serviceCIDR = "10.96.0.0/12"
    @Option(help: "Pod IP range (a /24 per node).") var podCIDR = "10.244.0.0/16"
    @Option(help: "This node's name (default: the hostname).") var nodeName: String?
    @Option(help: "This node's InternalIP (default: the default-route interface's address).") var nodeIP: String?
    @Option(help: "An ExternalIP to advertise for this node.") var nodeExternalIP: String?
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
        let kubeconfig = server.adminKubeconfigPath
        try await server.run {
            FileHandle.standardError.write(Data("swiftlet: serving the Kubernetes API on https://\(config.bindAddress):\(config.apiPort); export KUBECONFIG=\(kubeconfig)\n".utf8))
        }
    }
}
