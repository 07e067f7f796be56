import Foundation
import KubeAPI
import KubeClient

/// The node agent decides; these do. Each has a Linux implementation (PodNetwork, ImageStore,
/// ContainerRuntime) and can be replaced by a recording double in unit tests.

/// A pod's network namespace and address.
public struct PodSandbox: Sendable, Equatable {
    public let podUID: String
    public let netnsPath: String
    public let ip: String
    public init(podUID: String, netnsPath: String, ip: String) {
        self.podUID = podUID
        self.netnsPath = netnsPath
        self.ip = ip
    }
}

public protocol SandboxProvider: Sendable {
    func setUpHost() throws
    func createSandbox(podUID: String) throws -> PodSandbox
    func sandbox(podUID: String) -> PodSandbox?
    func listSandboxes() -> [PodSandbox]
    func destroySandbox(podUID: String) throws
    /// Pod UIDs with any network state, including half-made sandboxes from a crash.
    func leftovers() -> [String]
}

/// An image ready to run: its layers (lowest first) and its config.
public struct ResolvedImage: Sendable {
    public let reference: String
    public let id: String
    public let layerDirs: [String]
    public let entrypoint: [String]
    public let cmd: [String]
    public let env: [String]
    public let workingDir: String
    public let user: String
    public init(reference: String, id: String, layerDirs: [String], entrypoint: [String], cmd: [String], env: [String], workingDir: String, user: String) {
        self.reference = reference
        self.id = id
        self.layerDirs = layerDirs
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.env = env
        self.workingDir = workingDir
        self.user = user
    }
}

public protocol ImageProvider: Sendable {
    /// The image if present locally.
    func local(_ reference: String) -> ResolvedImage?
    /// Pulls the image from its registry.
    func pull(_ reference: String) async throws -> ResolvedImage
}

/// What a container should be, decided by the agent.
public struct ContainerLaunch: Sendable {
    public var podUID: String
    public var podName: String
    public var podNamespace: String
    public var containerName: String
    public var attempt: Int
    public var bundleDir: String
    public var logPath: String
    public var image: ResolvedImage
    /// The container's environment as resolved from env, envFrom, valueFrom and Service links, in order.
    public var env: [(String, String)]
    public var netnsPath: String
    /// (host path, container path, read-only)
    public var mounts: [(String, String, Bool)]
    public var hostsFile: String
    public var resolvConf: String
    public var hostnameFile: String
    /// The pod spec's container (command, args, securityContext, resources, tty) and the pod itself.
    public var container: JSON
    public var pod: JSON
    public var seccompDefault: Bool
}

public enum RunState: Sendable, Equatable {
    case running(pid: Int32, startedAt: String)
    case exited(code: Int32, startedAt: String, finishedAt: String, reason: String)
    case unknown
}

public protocol ContainerEngine: Sendable {
    func start(_ launch: ContainerLaunch) async throws -> RunState
    func state(bundleDir: String) -> RunState
    func signal(bundleDir: String, _ signal: Int32)
    /// Stops processes, unmounts and removes the bundle (the log file stays for --previous).
    func remove(bundleDir: String) throws
    func exec(bundleDir: String, argv: [String], tty: Bool, stdin: Bool) async throws -> any StreamSession
    func attach(bundleDir: String, stdin: Bool) async throws -> any StreamSession
    /// Removes what the pod as a whole held (its cgroup), after its containers are removed.
    func cleanUpPod(podUID: String)
}

/// A service-account token, as the TokenRequest API returns it.
public struct IssuedToken: Sendable, Equatable {
    public let token: String
    public let issuedAt: Date
    public let expiry: Date
    public init(token: String, issuedAt: Date, expiry: Date) {
        self.token = token
        self.issuedAt = issuedAt
        self.expiry = expiry
    }
}

/// The TokenRequest API (`POST serviceaccounts/<name>/token`), through which the agent gets the tokens of
/// projected `serviceAccountToken` volume sources, bound to the pod.
public protocol ServiceAccountTokenIssuer: Sendable {
    func requestToken(namespace: String, serviceAccount: String, audiences: [String], expirationSeconds: Int64,
                      podName: String, podUID: String) async throws -> IssuedToken
}
