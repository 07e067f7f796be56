import KubeAPI

/// Knobs of the planner that come from the node, not the pod.
public struct PlanOptions: Sendable, Equatable {
    /// kubelet --seccomp-default: RuntimeDefault for containers that do not choose.
    public var seccompDefault: Bool
    /// Where Localhost seccomp profiles live (the kubelet's <root-dir>/seccomp).
    public var seccompRoot: String
    /// Node memory in bytes, for the Burstable oom_score_adj (nil: not set).
    public var nodeMemoryCapacity: Int64?

    public init(seccompDefault: Bool = false, seccompRoot: String = "/var/lib/swiftlet/seccomp", nodeMemoryCapacity: Int64? = nil) {
        self.seccompDefault = seccompDefault
        self.seccompRoot = seccompRoot
        self.nodeMemoryCapacity = nodeMemoryCapacity
    }
}

/// Which seccomp profile a container gets.
public enum SeccompChoice: Sendable, Equatable {
    case unconfined
    case runtimeDefault
    /// A Docker/OCI JSON profile file (Localhost: <seccompRoot>/<localhostProfile>).
    case localhost(path: String)
}

/// Who the container runs as, before the image's /etc/passwd is consulted.
public struct UserRequest: Sendable, Equatable {
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    /// The image's User ("", "name", "uid", "name:group", "uid:gid").
    public var imageUser: String
    public var supplementalGroups: [Int64]
    public var fsGroup: Int64?
    public var runAsNonRoot: Bool
}

/// A Kubernetes container turned into what the runtime does, as the kubelet and containerd
/// decide it: argv from command/args and the image's Entrypoint/Cmd, environment, user,
/// capabilities, no_new_privs, seccomp, masked paths, cgroup values. Pure: reading the image's
/// /etc/passwd or a Localhost seccomp file happens in `spawnSpec(…)`.
public struct ContainerPlan: Sendable, Equatable {
    public var containerName: String
    /// "name_namespace(uid)" as the kubelet names a pod in messages.
    public var podDescription: String
    public var args: [String]
    public var env: [String]
    public var workingDir: String
    public var hostname: String?
    public var user: UserRequest
    public var privileged: Bool
    public var capabilities: SpawnSpec.Capabilities
    public var noNewPrivileges: Bool
    public var readOnlyRootfs: Bool
    public var seccomp: SeccompChoice
    public var maskedPaths: [String]
    public var readonlyPaths: [String]
    public var resources: SpawnSpec.Resources
    public var oomScoreAdj: Int?
    public var tty: Bool
    public var stdin: Bool
    public var stdinOnce: Bool

    /// - Parameters:
    ///   - container: the container object of the pod spec.
    ///   - pod: the pod (for its securityContext, hostname, QoS); may be empty.
    ///   - image: the image's config.
    ///   - environment: the container's environment as the agent resolved it (env, envFrom,
    ///     valueFrom, service links), in order; used for $(VAR) in command and args too.
    public init(container: JSON, pod: JSON = .emptyObject, image: ImageConfig = ImageConfig(),
                environment: [(name: String, value: String)] = [], options: PlanOptions = PlanOptions()) throws {
        let name = container["name"].string ?? ""
        containerName = name
        podDescription = "\(pod.name ?? "")_\(pod.namespace ?? "")(\(pod.uid ?? ""))"
        let podSC = pod["spec"]["securityContext"]
        let sc = container["securityContext"]

        args = try ContainerPlan.argv(container: container, image: image, environment: environment)
        hostname = ContainerPlan.hostname(pod: pod)
        env = ContainerPlan.mergedEnvironment(image: image, environment: environment, hostname: hostname,
                                              tty: container["tty"].bool ?? false)
        let wd = container["workingDir"].string ?? ""
        workingDir = !wd.isEmpty ? wd : (!image.workingDir.isEmpty ? image.workingDir : "/")

        user = UserRequest(runAsUser: sc["runAsUser"].int ?? podSC["runAsUser"].int,
                           runAsGroup: sc["runAsGroup"].int ?? podSC["runAsGroup"].int,
                           imageUser: image.user,
                           supplementalGroups: podSC["supplementalGroups"].elements.compactMap(\.int),
                           fsGroup: podSC["fsGroup"].int,
                           runAsNonRoot: sc["runAsNonRoot"].bool ?? podSC["runAsNonRoot"].bool ?? false)

        privileged = sc["privileged"].bool ?? false
        capabilities = privileged ? .containerd(["ALL"]) : ContainerPlan.capabilities(sc["capabilities"])
        // The kubelet asks for no_new_privs only when allowPrivilegeEscalation is false.
        noNewPrivileges = !privileged && sc["allowPrivilegeEscalation"].bool == false
        readOnlyRootfs = sc["readOnlyRootFilesystem"].bool ?? false
        seccomp = privileged ? .unconfined : try ContainerPlan.seccomp(container: sc, pod: podSC, options: options)
        let unmasked = privileged || sc["procMount"].string == "Unmasked"
        maskedPaths = unmasked ? [] : SpawnSpec.defaultMaskedPaths
        readonlyPaths = unmasked ? [] : SpawnSpec.defaultReadonlyPaths
        resources = ContainerPlan.resources(container["resources"])
        oomScoreAdj = ContainerPlan.oomScoreAdj(pod: pod, container: container, nodeMemory: options.nodeMemoryCapacity)
        tty = container["tty"].bool ?? false
        stdin = container["stdin"].bool ?? false
        stdinOnce = container["stdinOnce"].bool ?? false
    }

    /// The pod's hostname: spec.hostname, else the pod name (at most 63 characters).
    static func hostname(pod: JSON) -> String? {
        if pod["spec"]["hostNetwork"].bool == true { return nil }
        if let h = pod["spec"]["hostname"].string, !h.isEmpty { return h }
        guard let name = pod.name, !name.isEmpty else { return nil }
        var hostname = String(name.prefix(63))
        // The kubelet trims what truncation leaves at the end that a hostname cannot end with.
        while let last = hostname.last, last == "-" || last == "." { hostname.removeLast() }
        return hostname
    }
}
