import APIServer
import ArgumentParser
import ClusterDNS
import Controllers
import Foundation
import KubeAPI
import KubeClient
import NodeAgent
import PodNetwork
import ServiceProxy

@main
struct Swiftlet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftlet",
        abstract: "A Kubernetes node in one process: API server, controllers, node agent, service proxy and cluster DNS.",
        subcommands: [Server.self, Image.self, Reset.self])
}

/// Flags shared by the commands that touch the node's network.
struct NetworkOptions: ParsableArguments {
    @Option(help: "Where state, certificates and the admin kubeconfig live.") var dataDir = "/var/lib/swiftlet"
    @Option(help: "Service ClusterIP range.") var serviceCIDR = "10.96.0.0/12"
    @Option(help: "Pod IP range (this node takes its first /24).") var podCIDR = "10.244.0.0/16"

    /// This node's /24 of the pod range.
    var nodePodCIDR: String {
        guard let cidr = KubeAPI.IPv4CIDR(podCIDR) else { return "10.244.0.0/24" }
        return "\(cidr.address(at: 0))/24"
    }

    /// kube-dns's ClusterIP, which the node's DNS answers on itself (see NodeServices).
    var kubeDNSIP: String { (KubeAPI.IPv4CIDR(serviceCIDR) ?? KubeAPI.IPv4CIDR("10.96.0.0/12")!).kubeDNSServiceIP }

    var podNetworkConfig: PodNetworkConfig {
        var c = PodNetworkConfig()
        c.localServiceIPs = [kubeDNSIP]
        c.nodePodCIDR = nodePodCIDR
        c.clusterPodCIDR = podCIDR
        c.serviceCIDR = serviceCIDR
        c.stateDir = dataDir
        return c
    }
}

struct Server: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the API server, the controllers and (unless --no-agent) this machine's node.")

    @OptionGroup var network: NetworkOptions
    @Option(help: "HTTPS port of the Kubernetes API.") var apiPort = 6443
    @Option(help: "Address the API listens on.") var bindAddress = "0.0.0.0"
    @Option(help: "This node's name (default: the hostname).") var nodeName: String?
    @Option(help: "This node's InternalIP (default: the default-route interface's address).") var nodeIP: String?
    @Option(help: "An ExternalIP to advertise for this node.") var nodeExternalIP: String?
    @Option(help: "Seconds without a node heartbeat before the node turns NotReady.") var nodeMonitorGracePeriod = NodeLifecycleController.defaultGracePeriod
    @Flag(help: "Serve the API and controllers only; run no pods, proxy or DNS on this machine.") var noAgent = false
    @Flag(help: "Cluster DNS answers cluster names only and never forwards others upstream.") var noDnsUpstream = false
    @Flag(help: "Apply the RuntimeDefault seccomp profile to every container that does not ask otherwise.") var seccompDefault = false
    @Option(help: "A directory of static pod manifests, run on this node with mirror pods in the API.") var podManifestPath: String?
    // For tests that need the history compacted quickly; watches from before the retained changes get 410 Gone.
    @Option(help: .hidden) var watchHistory = ServerConfig.defaultWatchHistory

    func run() async throws {
        var config = ServerConfig(nodeName: (nodeName ?? ProcessInfo.processInfo.hostName).lowercased(),
                                  nodeIP: nodeIP ?? HostAddresses.internalIP())
        config.dataDir = network.dataDir
        config.apiPort = apiPort
        config.bindAddress = bindAddress
        config.serviceCIDR = network.serviceCIDR
        config.podCIDR = network.podCIDR
        config.nodeExternalIP = nodeExternalIP
        config.watchHistory = watchHistory
        MetricsBackend.bootstrap(valueBuckets: [AgentMetrics.podStartMetric: AgentMetrics.podStartBuckets])
        let server = try KubeAPIServer(config: config)
        let banner = "swiftlet: serving the Kubernetes API on https://\(config.bindAddress):\(config.apiPort); export KUBECONFIG=\(server.adminKubeconfigPath)\n"
        let client = InProcessClient(server: server)
        let controllers = ControllerContext(client: client)
        let grace = nodeMonitorGracePeriod
        var node: NodeServices?
        if !noAgent {
            node = try NodeServices(server: server, client: client, config: config, network: network,
                                    forwardDNS: !noDnsUpstream, seccompDefault: seccompDefault, podManifestPath: podManifestPath)
            server.podStreams = node?.agent.streams
        }
        let nodeServices = node
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await server.run {
                    SystemdNotify.send("READY=1")
                    FileHandle.standardError.write(Data(banner.utf8))
                }
            }
            group.addTask {
                await ControllerManager.run(controllers, [
                    DeploymentController(context: controllers),
                    ReplicaSetController(context: controllers),
                    Scheduler(context: controllers),
                    EndpointsController(context: controllers),
                    EndpointSliceController(context: controllers),
                    ServiceLoadBalancerController(context: controllers),
                    GarbageCollector(context: controllers),
                    NamespaceController(context: controllers),
                    RootCACertPublisher(context: controllers, caPEM: server.rootCAPEM),
                    ServiceAccountsController(context: controllers),
                    NodeLifecycleController(context: controllers, gracePeriod: grace),
                ])
            }
            if let nodeServices {
                group.addTask { await nodeServices.agent.run() }
                group.addTask { await nodeServices.proxy.run() }
                group.addTask { try await nodeServices.dns.run() }
            }
            // The API server ends on SIGTERM/SIGINT; everything else goes with it. Containers keep running.
            try await group.next()
            group.cancelAll()
        }
    }
}

/// The node side of the all-in-one server: the agent, the service proxy and the cluster DNS.
struct NodeServices: Sendable {
    let agent: NodeAgent
    let proxy: ServiceProxy
    let dns: ClusterDNSServer

    init(server: KubeAPIServer, client: InProcessClient, config: ServerConfig, network options: NetworkOptions,
         forwardDNS: Bool, seccompDefault: Bool, podManifestPath: String?) throws {
        let network = try PodNetwork(config: options.podNetworkConfig)
        let dnsAddress = network.gatewayIP
        // kube-dns has no pods: swiftlet answers on the bridge address, and its endpoints say so. It also answers on
        // kube-dns's ClusterIP itself, a local address on the bridge whose DNS traffic the proxy leaves untracked
        // (NodeLocal DNSCache's arrangement): pods' queries then skip the DNAT and conntrack altogether.
        try server.registry.publishEndpoints(service: "kube-dns", namespace: "kube-system", ip: dnsAddress, ports: [
            ["name": "dns", "port": 53, "protocol": "UDP"], ["name": "dns-tcp", "port": 53, "protocol": "TCP"],
        ])
        var agentConfig = AgentConfig(nodeName: config.nodeName, nodeIP: config.nodeIP, dataDir: config.dataDir,
                                      podCIDR: options.nodePodCIDR, shimPath: Self.shimPath())
        agentConfig.nodeExternalIP = config.nodeExternalIP
        agentConfig.clusterDNS = options.kubeDNSIP
        agentConfig.seccompDefault = seccompDefault
        agentConfig.podManifestPath = podManifestPath
        agent = NodeAgent(client: client, config: agentConfig,
                          images: try StoreImages(dataDir: config.dataDir),
                          sandboxes: PodNetworkSandboxes(network: network),
                          engine: RuntimeEngine(shimPath: agentConfig.shimPath),
                          tokenIssuer: InProcessTokenIssuer(server: server))
        var nodeIPs = [config.nodeIP]
        if let ext = config.nodeExternalIP { nodeIPs.append(ext) }
        var proxyConfig = ProxyConfig(serviceCIDR: options.serviceCIDR, clusterCIDR: options.podCIDR, nodeIPs: nodeIPs,
                                      nodeName: config.nodeName)
        proxyConfig.nodeLocalDNS = options.kubeDNSIP
        proxy = ServiceProxy(client: client, config: proxyConfig)
        dns = ClusterDNSServer(client: client, config: DNSConfig(listenAddresses: [dnsAddress, options.kubeDNSIP],
                                                                 forwardUpstream: forwardDNS))
    }

    /// The monitor executable sits next to this one.
    static func shimPath() -> String {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let candidate = exe.deletingLastPathComponent().appendingPathComponent("swiftlet-shim").path
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : "/usr/local/bin/swiftlet-shim"
    }
}

/// Removes everything a node made: containers and their monitors, mounts, sandboxes, the bridge and routes, the
/// nftables table. State (objects, certificates) stays unless --all.
struct Reset: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop every pod of this node and remove what swiftlet made on the host.")

    @OptionGroup var network: NetworkOptions
    @Flag(help: "Also delete the data directory (objects, certificates, images).") var all = false

    func run() async throws {
        let report = NodeReset(dataDir: network.dataDir, podNetwork: network.podNetworkConfig,
                               engine: RuntimeEngine(shimPath: NodeServices.shimPath())).run()
        try? ServiceProxy.uninstall()
        for line in report { print(line) }
        if all { try? FileManager.default.removeItem(atPath: network.dataDir) }
    }
}

/// The node agent's TokenRequest calls, served by the API server in the same process.
struct InProcessTokenIssuer: ServiceAccountTokenIssuer {
    let server: KubeAPIServer

    func requestToken(namespace: String, serviceAccount: String, audiences: [String], expirationSeconds: Int64,
                      podName: String, podUID: String) async throws -> IssuedToken {
        let t = try server.requestPodToken(namespace: namespace, serviceAccount: serviceAccount, audiences: audiences,
                                           expirationSeconds: expirationSeconds, podName: podName, podUID: podUID)
        return IssuedToken(token: t.token, issuedAt: t.issuedAt, expiry: t.expiry)
    }
}
