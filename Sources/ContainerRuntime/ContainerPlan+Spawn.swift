import Foundation

extension ContainerPlan {
    /// The spawn spec for this plan: resolves the user in the rootfs (enforcing runAsNonRoot),
    /// reads a Localhost seccomp profile, lists host devices for privileged containers.
    public func spawnSpec(rootfs: String, netnsPath: String? = nil, logPath: String? = nil, cgroupPath: String? = nil,
                          mounts: [SpawnSpec.Mount] = [], hostsFile: String? = nil, resolvConf: String? = nil,
                          hostnameFile: String? = nil) throws -> SpawnSpec {
        let resolved = try user.resolve(rootfs: rootfs, podDescription: podDescription, containerName: containerName)
        var environment = env
        if !environment.contains(where: { $0.hasPrefix("HOME=") }) { environment.append("HOME=" + resolved.home) }
        var spec = SpawnSpec(rootfs: rootfs, args: args, env: environment)
        spec.workingDir = workingDir
        spec.hostname = hostname
        spec.netnsPath = netnsPath
        spec.uid = resolved.uid
        spec.gid = resolved.gid
        spec.supplementalGroups = resolved.supplementalGroups
        spec.capabilities = capabilities
        spec.noNewPrivileges = noNewPrivileges
        spec.readOnlyRootfs = readOnlyRootfs
        spec.maskedPaths = maskedPaths
        spec.readonlyPaths = readonlyPaths
        switch seccomp {
        case .unconfined: spec.seccomp = .unconfined
        case .runtimeDefault: spec.seccomp = .runtimeDefault
        case .localhost(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw RuntimeError.plan("cannot load seccomp profile \"\(path)\": open \(path): no such file or directory")
            }
            spec.seccomp = .profile(try SeccompProfile.text(fromDockerJSON: data))
        }
        if privileged {
            spec.sysReadWrite = true
            spec.devices = HostDevices.list()
        }
        spec.mounts = mounts
        spec.hostsFile = hostsFile
        spec.resolvConf = resolvConf
        spec.hostnameFile = hostnameFile
        spec.resources = resources
        spec.oomScoreAdj = oomScoreAdj
        spec.tty = tty
        spec.stdin = stdin
        spec.stdinOnce = stdinOnce
        spec.logPath = logPath
        spec.cgroupPath = cgroupPath
        return spec
    }
}

/// The host's device nodes, for privileged containers (containerd's HostDevices).
public enum HostDevices {
    static let skippedDirectories: Set<String> = ["pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"]

    public static func list(root: String = "/dev") -> [SpawnSpec.Device] {
        var out: [SpawnSpec.Device] = []
        walk(root, into: &out)
        return out
    }

    /// glibc's dev_t encoding (major/minor are macros Swift cannot see).
    static func major(_ dev: dev_t) -> UInt32 {
        let d = UInt64(dev)
        return UInt32(truncatingIfNeeded: ((d >> 8) & 0xfff) | ((d >> 32) & ~UInt64(0xfff)))
    }
    static func minor(_ dev: dev_t) -> UInt32 {
        let d = UInt64(dev)
        return UInt32(truncatingIfNeeded: (d & 0xff) | ((d >> 12) & ~UInt64(0xff)))
    }

    private static func walk(_ dir: String, into out: inout [SpawnSpec.Device]) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            let path = dir + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            let type = st.st_mode & S_IFMT
            if type == S_IFDIR {
                if !skippedDirectories.contains(name) { walk(path, into: &out) }
            } else if (type == S_IFCHR || type == S_IFBLK) && path != "/dev/console" {
                out.append(SpawnSpec.Device(path: path, kind: type == S_IFCHR ? .char : .block,
                                            major: major(st.st_rdev), minor: minor(st.st_rdev),
                                            mode: UInt32(st.st_mode & 0o7777), uid: st.st_uid, gid: st.st_gid))
            }
        }
    }
}
