import Foundation
import KubeAPI

extension ContainerPlan {
    /// securityContext.capabilities as containerd applies them: "ALL" in add grants everything,
    /// "ALL" in drop starts from nothing, then single adds, then single drops. Names gain the
    /// "CAP_" prefix Kubernetes leaves out.
    static func capabilities(_ caps: JSON) -> SpawnSpec.Capabilities {
        func normalise(_ name: String) -> String {
            let upper = name.uppercased()
            return upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
        }
        let add = caps["add"].elements.compactMap(\.string)
        let drop = caps["drop"].elements.compactMap(\.string)
        var set = SpawnSpec.Capabilities.defaultNames
        if add.contains(where: { $0.uppercased() == "ALL" }) { set = ["ALL"] }
        if drop.contains(where: { $0.uppercased() == "ALL" }) { set = [] }
        for name in add where name.uppercased() != "ALL" {
            let cap = normalise(name)
            if !set.contains(cap) { set.append(cap) }
        }
        let dropped = Set(drop.filter { $0.uppercased() != "ALL" }.map(normalise))
        if !dropped.isEmpty {
            if set == ["ALL"] || set.first == "ALL" {
                // "ALL" minus some: spell out every capability we hold, then drop.
                set = HostCapabilities.allNames() + set.dropFirst()
            }
            set.removeAll { dropped.contains($0) }
        }
        return .containerd(set)
    }

    /// The container's seccomp choice; the container's securityContext wins over the pod's.
    static func seccomp(container sc: JSON, pod podSC: JSON, options: PlanOptions) throws -> SeccompChoice {
        let profile = sc["seccompProfile"].isNull ? podSC["seccompProfile"] : sc["seccompProfile"]
        switch profile["type"].string {
        case "RuntimeDefault": return .runtimeDefault
        case "Unconfined": return .unconfined
        case "Localhost":
            guard let file = profile["localhostProfile"].string, !file.isEmpty else {
                throw RuntimeError.plan("localhostProfile must be set when seccomp profile type is Localhost")
            }
            return .localhost(path: (options.seccompRoot as NSString).appendingPathComponent(file))
        case nil:
            return options.seccompDefault ? .runtimeDefault : .unconfined
        case let other?:
            throw RuntimeError.plan("unsupported seccomp profile type \(other)")
        }
    }
}

/// Capabilities of the running kernel, by name.
enum HostCapabilities {
    static let known = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ]

    /// The capabilities this process holds (containerd's "all capabilities" for a privileged
    /// container is likewise what the runtime itself has), from /proc/self/status CapPrm.
    static func allNames() -> [String] {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapPrm:") }),
              let mask = UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) else { return known }
        return known.enumerated().filter { mask & (1 << UInt64($0.offset)) != 0 }.map(\.element)
    }
}
