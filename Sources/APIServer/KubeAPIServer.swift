import ClusterPKI
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import KubeAPI
import KubeClient
import KubeStore
import Logging
import ServiceLifecycle
import NIOCore
import NIOSSL
import Synchronization

/// How the server is configured (DESIGN §1 flags).
public struct ServerConfig: Sendable {
    public var dataDir = "/var/lib/swiftlet"
    public var apiPort = 6443
    public var bindAddress = "0.0.0.0"
    public var serviceCIDR = "10.96.0.0/12"
    public var podCIDR = "10.244.0.0/16"
    public var nodeName: String
    public var nodeIP: String
    public var nodeExternalIP: String?
    /// How many changes the store keeps (at least) for watches to resume from.
    public var watchHistory = ServerConfig.defaultWatchHistory
    public static let defaultWatchHistory = 10_000

    public init(nodeName: String, nodeIP: String) {
        self.nodeName = nodeName
        self.nodeIP = nodeIP
    }
}

/// The Kubernetes API server of swiftlet: PKI, store, registry and the HTTPS listener.
public final class KubeAPIServer: Sendable {
    public let config: ServerConfig
    public let registry: Registry
    public let pki: ClusterPKI
    /// The node agent's container streams (logs, exec, attach, port-forward), set when an agent runs in-process.
    private let streamProvider = Mutex<(any PodStreams)?>(nil)
    public var podStreams: (any PodStreams)? {
        get { streamProvider.withLock { $0 } }
        set { streamProvider.withLock { $0 = newValue } }
    }
    let logger: Logger
    let httpWatches = HTTPWatches()

    public var store: ObjectStore { registry.store }
    /// The cluster CA certificate (PEM), which pods trust through `kube-root-ca.crt`.
    public var rootCAPEM: String { pki.caCertificatePEM }
    var authenticator: Authenticator { Authenticator(registry: registry) }
    var advertisedAddress: String { "\(config.nodeIP):\(config.apiPort)" }
    public var adminKubeconfigPath: String { config.dataDir + "/admin.kubeconfig" }

    var versionInfo: JSON {
        ["major": "1", "minor": "32", "gitVersion": "v1.32.4-swiftlet", "gitCommit": "", "gitTreeState": "clean",
         "buildDate": "2026-11-27T00:00:00Z", "goVersion": "swift6.3", "compiler": "swiftc", "platform": "linux/amd64"]
    }

    public init(config: ServerConfig, logger: Logger = Logger(label: "swiftlet.apiserver")) throws {
        self.config = config
        self.logger = logger
        guard let serviceCIDR = IPv4CIDR(config.serviceCIDR) else {
            throw APIError.badRequest("invalid --service-cidr \(config.serviceCIDR)")
        }
        try FileManager.default.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let host = ProcessInfo.processInfo.hostName
        let names = Array(Set([host, config.nodeName, "localhost", "kubernetes", "kubernetes.default",
                               "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"])).sorted()
        let ips = Array(Set(["127.0.0.1", config.nodeIP, serviceCIDR.address(at: 1)] + (config.nodeExternalIP.map { [$0] } ?? []))).sorted()
        pki = try ClusterPKI.loadOrCreate(directory: config.dataDir, serverNames: names, serverIPs: ips)
        let store = try ObjectStore(path: config.dataDir + "/state.db", historyLimit: max(1, config.watchHistory))
        let allocator = ServiceAllocator(serviceCIDR: serviceCIDR)
        allocator.adopt(store.list("services").items)
        registry = Registry(store: store, allocator: allocator,
                            tokenSigner: try ServiceAccountTokenSigner.loadOrCreate(directory: config.dataDir),
                            rootCAPEM: pki.caCertificatePEM)
        try Bootstrap(registry: registry, config: config).run()
        try ClusterPKI.writeSecretFile(adminKubeconfigPath, contents: pki.kubeconfig(
            server: "https://127.0.0.1:\(config.apiPort)",
            clientCertificatePEM: pki.adminCertificatePEM, clientKeyPEM: pki.adminPrivateKeyPEM))
    }

    func tlsConfiguration() throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(pki.serverCertificatePEM.utf8)).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(bytes: Array(pki.serverPrivateKeyPEM.utf8), format: .pem)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pki.caCertificatePEM.utf8)))
        // A client certificate is checked when presented; requests without one are answered 401, as Kubernetes does.
        tls.certificateVerification = .optionalVerification
        return tls
    }

    /// Serves until cancelled. `onReady` runs once the listener accepts connections.
    public func run(onReady: @escaping @Sendable () async -> Void = {}) async throws {
        let app = Application(
            responder: HTTPHandler(server: self),
            server: try .tls(httpServer(), tlsConfiguration: tlsConfiguration()),
            configuration: .init(address: .hostname(config.bindAddress, port: config.apiPort), serverName: nil),
            onServerRunning: { _ in await onReady() },
            logger: logger)
        var group = ServiceGroupConfiguration(
            services: [.init(service: app),
                       .init(service: WatchDrainService(watches: httpWatches), successTerminationBehavior: .ignore)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // Streams (logs -f, exec, port-forward) also hold responses open; past this they are cancelled.
        group.maximumGracefulShutdownDuration = .seconds(5)
        try await ServiceGroup(configuration: group).run()
        store.closeWatches()
    }

    /// HTTP/1.1 with the two upgrades kubectl's streams use: WebSocket (Hummingbird's) and SPDY/3.1.
    func httpServer() -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            StreamUpgradeChannel(
                http: HTTP1WebSocketUpgradeChannel(responder: responder, configuration: .init()) { head, channel, _ in
                    try await ContainerStreams.shouldUpgrade(head, channel, server: self)
                },
                acceptSPDY: { head, channel in await SPDYStreams.accept(head, channel: channel, server: self) },
                serveSPDY: { channel, plan, logger in await SPDYStreams.serve(channel, plan: plan, logger: logger) })
        }
    }
}


extension KubeAPIServer {
    /// serviceaccounts/token for the in-process node agent: a TokenRequest bound to a pod, through the same
    /// validation as over HTTPS. Returns the token, when it was issued and when it expires.
    public func requestPodToken(namespace: String, serviceAccount: String, audiences: [String], expirationSeconds: Int64,
                                podName: String, podUID: String) throws -> (token: String, issuedAt: Date, expiry: Date) {
        let now = Date()
        var spec: JSON = ["expirationSeconds": .int(expirationSeconds),
                          "boundObjectRef": ["kind": "Pod", "apiVersion": "v1", "name": .string(podName), "uid": .string(podUID)]]
        if !audiences.isEmpty { spec["audiences"] = .array(audiences.map(JSON.string)) }
        do {
            let response = try registry.requestToken(namespace: namespace, serviceAccount: serviceAccount,
                                                     request: ["spec": spec], now: now)
            return (response["status"]["token"].string ?? "", now, now.addingTimeInterval(Double(expirationSeconds)))
        } catch let e as APIError {
            throw ClientError(status: e.statusObject)
        }
    }
}
