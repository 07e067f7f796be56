/// Everything the shim needs to start one container: the Swift face of `spawn.conf`
/// (format documented in Sources/swiftlet-shim/shim_conf.h). Build it with `ContainerPlan`
/// (from a Kubernetes container) or by hand, then `write(to:)` a bundle directory and
/// `ContainerRuntime.start(bundle:)`.
public struct SpawnSpec: Sendable, Equatable {
    /// A bind mount of a host path (volume, /etc/hosts …) into the container.
    public struct Mount: Sendable, Equatable {
        /// Kubernetes mountPropagation: None, HostToContainer, Bidirectional.
        public enum Propagation: String, Sendable, Equatable {
            case none = "private"
            case hostToContainer = "rslave"
            case bidirectional = "rshared"
        }
        public var source: String
        public var destination: String
        public var readOnly: Bool
        public var propagation: Propagation

        public init(source: String, destination: String, readOnly: Bool = false, propagation: Propagation = .none) {
            self.source = source
            self.destination = destination
            self.readOnly = readOnly
            self.propagation = propagation
        }
    }

    /// A device node created in the container's /dev (privileged containers get the host's).
    public struct Device: Sendable, Equatable {
        public enum Kind: String, Sendable { case char = "c", block = "b" }
        public var path: String
        public var kind: Kind
        public var major: UInt32
        public var minor: UInt32
        public var mode: UInt32
        public var uid: UInt32
        public var gid: UInt32

        public init(path: String, kind: Kind, major: UInt32, minor: UInt32, mode: UInt32 = 0o666, uid: UInt32 = 0, gid: UInt32 = 0) {
            self.path = path
            self.kind = kind
            self.major = major
            self.minor = minor
            self.mode = mode
            self.uid = uid
            self.gid = gid
        }
    }

    /// The five capability sets, as names ("CAP_CHOWN"; "ALL" = every capability we hold).
    public struct Capabilities: Sendable, Equatable {
        public var bounding: [String]
        public var effective: [String]
        public var permitted: [String]
        public var inheritable: [String]
        public var ambient: [String]

        public init(bounding: [String], effective: [String], permitted: [String], inheritable: [String] = [], ambient: [String] = []) {
            self.bounding = bounding
            self.effective = effective
            self.permitted = permitted
            self.inheritable = inheritable
            self.ambient = ambient
        }

        /// As containerd sets them: bounding = effective = permitted; inheritable and ambient empty.
        public static func containerd(_ caps: [String]) -> Capabilities {
            Capabilities(bounding: caps, effective: caps, permitted: caps)
        }

        /// containerd's default 14.
        public static let defaultNames = [
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
            "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
        ]
        public static let `default` = containerd(defaultNames)
    }

    public enum Seccomp: Sendable, Equatable {
        case unconfined
        /// The Moby/containerd default profile built into CSpawn.
        case runtimeDefault
        /// A profile in CSpawn's text format (see `SeccompProfile.text(fromDockerJSON:)`).
        case profile(String)
    }

    public struct Rlimit: Sendable, Equatable {
        public var name: String   // "NOFILE", "NPROC" …
        public var soft: UInt64
        public var hard: UInt64
        public init(name: String, soft: UInt64, hard: UInt64) {
            self.name = name
            self.soft = soft
            self.hard = hard
        }
    }

    /// cgroup limits (v1 names; the shim converts for v2).
    public struct Resources: Sendable, Equatable {
        public var cpuShares: Int64?
        public var cpuQuota: Int64?
        public var cpuPeriod: Int64?
        public var memoryLimit: Int64?
        public var pidsLimit: Int64?
        public init(cpuShares: Int64? = nil, cpuQuota: Int64? = nil, cpuPeriod: Int64? = nil, memoryLimit: Int64? = nil, pidsLimit: Int64? = nil) {
            self.cpuShares = cpuShares
            self.cpuQuota = cpuQuota
            self.cpuPeriod = cpuPeriod
            self.memoryLimit = memoryLimit
            self.pidsLimit = pidsLimit
        }
    }

    /// The kubelet's default masked paths.
    public static let defaultMaskedPaths = [
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
        "/sys/firmware", "/sys/devices/virtual/powercap",
    ]
    /// The kubelet's default read-only paths.
    public static let defaultReadonlyPaths = [
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ]

    public var rootfs: String
    public var args: [String]
    public var env: [String]
    public var workingDir: String = "/"
    public var hostname: String?
    /// Join this network namespace (the pod's); nil: a new, empty one.
    public var netnsPath: String?
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0
    public var supplementalGroups: [UInt32] = []
    public var capabilities: Capabilities = .default
    public var noNewPrivileges = false
    public var seccomp: Seccomp = .unconfined
    public var readOnlyRootfs = false
    public var mounts: [Mount] = []
    /// Bind-mounted on /etc/hosts, /etc/resolv.conf, /etc/hostname (read-only when the root is),
    /// unless `mounts` already has that destination.
    public var hostsFile: String?
    public var resolvConf: String?
    public var hostnameFile: String?
    public var devices: [Device] = []
    public var maskedPaths: [String] = SpawnSpec.defaultMaskedPaths
    public var readonlyPaths: [String] = SpawnSpec.defaultReadonlyPaths
    public var sysReadWrite = false
    public var shmSize: String?
    public var rlimits: [Rlimit] = []
    public var oomScoreAdj: Int?
    public var tty = false
    public var stdin = false
    public var stdinOnce = false
    /// The CRI log file the shim writes.
    public var logPath: String?
    /// Relative cgroup path, e.g. "swiftlet/<pod-uid>/<container>"; nil: no cgroup.
    public var cgroupPath: String?
    public var resources = Resources()

    public init(rootfs: String, args: [String], env: [String] = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]) {
        self.rootfs = rootfs
        self.args = args
        self.env = env
    }

    /// `mounts` plus the /etc files, in the order the shim mounts them.
    public var effectiveMounts: [Mount] {
        var all = mounts
        let extra: [(String?, String)] = [(hostsFile, "/etc/hosts"), (resolvConf, "/etc/resolv.conf"), (hostnameFile, "/etc/hostname")]
        for (source, destination) in extra {
            guard let source, !all.contains(where: { $0.destination == destination }) else { continue }
            all.append(Mount(source: source, destination: destination, readOnly: readOnlyRootfs))
        }
        return all
    }
}
