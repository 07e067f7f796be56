import CSpawn
import Foundation

/// Seccomp profiles in CSpawn's text format (documented in CSpawn's cspawn.h).
public enum SeccompProfile {
    /// The built-in RuntimeDefault profile (Moby's default) as text.
    public static var runtimeDefaultText: String { String(cString: cspawn_seccomp_default_profile()) }

    /// Converts a Docker/OCI JSON seccomp profile (what Localhost profiles are) to the text
    /// format: defaultAction/defaultErrnoRet, architectures or archMap, syscalls with names,
    /// action, errnoRet, args and includes/excludes (caps, arches, minKernel).
    public static func text(fromDockerJSON data: Data) throws -> String {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw RuntimeError.plan("seccomp profile: not a JSON object")
        }
        var out = "# converted from a Docker/OCI seccomp profile\n"
        let defaultErrno = (root["defaultErrnoRet"] as? NSNumber)?.intValue
        out += "default " + (try action(root["defaultAction"] as? String ?? "", errno: defaultErrno)) + "\n"
        var arches: [String] = []
        if let list = root["architectures"] as? [String] { arches = list }
        if let archMap = root["archMap"] as? [[String: Any]] {
            let native = nativeArchitecture()
            for entry in archMap where (entry["architecture"] as? String) == native {
                arches = [native] + ((entry["subArchitectures"] as? [String]) ?? [])
            }
        }
        if !arches.isEmpty { out += "arch " + arches.joined(separator: " ") + "\n" }
        for call in root["syscalls"] as? [[String: Any]] ?? [] {
            var names = call["names"] as? [String] ?? []
            if let single = call["name"] as? String { names.append(single) }
            guard !names.isEmpty else { continue }
            var words = [try action(call["action"] as? String ?? "", errno: (call["errnoRet"] as? NSNumber)?.intValue)]
            for (key, prefix) in [("includes", ""), ("excludes", "ex")] {
                guard let filter = call[key] as? [String: Any] else { continue }
                if let caps = filter["caps"] as? [String], !caps.isEmpty { words.append("\(prefix)caps=" + caps.joined(separator: ",")) }
                if let a = filter["arches"] as? [String], !a.isEmpty { words.append("\(prefix)arches=" + a.joined(separator: ",")) }
                if prefix.isEmpty, let k = filter["minKernel"] as? String, !k.isEmpty { words.append("minkernel=" + k) }
            }
            for arg in call["args"] as? [[String: Any]] ?? [] {
                let index = (arg["index"] as? NSNumber)?.intValue ?? 0
                let value = (arg["value"] as? NSNumber)?.uint64Value ?? 0
                let value2 = (arg["valueTwo"] as? NSNumber)?.uint64Value ?? 0
                let op = (arg["op"] as? String ?? "").replacingOccurrences(of: "SCMP_CMP_", with: "").lowercased()
                let short = op == "masked_eq" ? "me" : op
                guard ["ne", "lt", "le", "eq", "ge", "gt", "me"].contains(short) else {
                    throw RuntimeError.plan("seccomp profile: unknown operator \(op)")
                }
                words.append("arg=\(index),\(short),\(value),\(value2)")
            }
            out += words.joined(separator: " ") + " : " + names.joined(separator: " ") + "\n"
        }
        return out
    }

    static func action(_ name: String, errno: Int?) throws -> String {
        switch name {
        case "SCMP_ACT_ALLOW": return "allow"
        case "SCMP_ACT_ERRNO": return "errno \(errno ?? Int(EPERM))"
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": return "kill"
        case "SCMP_ACT_KILL_PROCESS": return "kill_process"
        case "SCMP_ACT_TRAP": return "trap"
        case "SCMP_ACT_TRACE": return "trace \(errno ?? 0)"
        case "SCMP_ACT_LOG": return "log"
        default: throw RuntimeError.plan("seccomp profile: unsupported action \"\(name)\"")
        }
    }

    static func nativeArchitecture() -> String {
        #if arch(x86_64)
        return "SCMP_ARCH_X86_64"
        #elseif arch(arm64)
        return "SCMP_ARCH_AARCH64"
        #else
        return ""
        #endif
    }

    /// Compiles a profile text as the shim will (to check it early). Returns the number of BPF
    /// instructions.
    public static func validate(_ text: String, capabilities: [String] = SpawnSpec.Capabilities.defaultNames) throws -> Int {
        var err = cspawn_error()
        var mask: UInt64 = 0
        let names = capabilities.map { strdup($0) }
        defer { names.forEach { free($0) } }
        var list = names.map { UnsafePointer($0) } + [nil]
        if cspawn_caps_mask(&list, &mask, &err) != 0 { throw SeccompProfile.error(err) }
        var bpf: UnsafeMutableRawPointer?
        var len = 0
        if cspawn_seccomp_compile(text, mask, &bpf, &len, &err) != 0 { throw SeccompProfile.error(err) }
        free(bpf)
        return len
    }

    static func error(_ err: cspawn_error) -> RuntimeError {
        let message = withUnsafeBytes(of: err.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return .plan(message)
    }
}
