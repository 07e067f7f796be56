import Foundation

/// The spawn.conf text format (see Sources/swiftlet-shim/shim_conf.h): "key field field…",
/// fields escaped with \\ \s \n \t \r and \e for an empty field.
enum SpawnConf {
    static func escape(_ field: String) -> String {
        if field.isEmpty { return "\\e" }
        var out = ""
        for ch in field.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case " ": out += "\\s"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    static func unescape(_ field: String) -> String {
        var out = ""
        var it = field.unicodeScalars.makeIterator()
        while let ch = it.next() {
            guard ch == "\\", let next = it.next() else {
                out.unicodeScalars.append(ch)
                continue
            }
            switch next {
            case "s": out += " "
            case "n": out += "\n"
            case "t": out += "\t"
            case "r": out += "\r"
            case "e": break
            default: out.unicodeScalars.append(next)
            }
        }
        return out
    }

    static func line(_ key: String, _ fields: [String]) -> String {
        ([key] + fields.map(escape)).joined(separator: " ") + "\n"
    }

    /// Parses the text into (key, fields) pairs, in order.
    static func parse(_ text: String) -> [(key: String, fields: [String])] {
        var out: [(String, [String])] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if raw.hasPrefix("#") { continue }
            let parts = raw.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard let key = parts.first else { continue }
            out.append((key, parts.dropFirst().map(unescape)))
        }
        return out
    }

    static func read(bundle: String) throws -> [(key: String, fields: [String])] {
        let path = bundle + "/spawn.conf"
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw RuntimeError.syscall(call: "read", object: path, errno: ENOENT)
        }
        return parse(text)
    }
}

extension SpawnSpec {
    /// The name of the profile file written next to spawn.conf for `.profile` seccomp.
    public static let seccompProfileFile = "seccomp.profile"

    /// spawn.conf for this spec; `bundle` is needed to name the seccomp profile file.
    public func confText(bundle: String) -> String {
        var s = "# written by swiftlet ContainerRuntime.SpawnSpec\n"
        func add(_ key: String, _ fields: String...) { s += SpawnConf.line(key, fields) }
        add("version", "1")
        add("rootfs", rootfs)
        for arg in args { add("arg", arg) }
        for entry in env { add("env", entry) }
        add("cwd", workingDir.isEmpty ? "/" : workingDir)
        if let hostname { add("hostname", hostname) }
        if let netnsPath { add("netns", netnsPath) }
        add("user", String(uid), String(gid))
        for group in supplementalGroups { add("group", String(group)) }
        let sets = [("bounding", capabilities.bounding), ("effective", capabilities.effective),
                    ("permitted", capabilities.permitted), ("inheritable", capabilities.inheritable),
                    ("ambient", capabilities.ambient)]
        for (name, caps) in sets {
            s += SpawnConf.line("cap." + name, caps)
        }
        add("noNewPrivileges", String(noNewPrivileges))
        switch seccomp {
        case .unconfined: add("seccomp", "unconfined")
        case .runtimeDefault: add("seccomp", "runtime-default")
        case .profile: add("seccomp", "profile", bundle + "/" + SpawnSpec.seccompProfileFile)
        }
        add("readonlyRootfs", String(readOnlyRootfs))
        for m in effectiveMounts {
            add("mount", m.source, m.destination, m.readOnly ? "ro" : "rw", m.propagation.rawValue)
        }
        for d in devices {
            add("device", d.path, d.kind.rawValue, String(d.major), String(d.minor), String(d.mode, radix: 8), String(d.uid), String(d.gid))
        }
        for p in maskedPaths { add("masked", p) }
        for p in readonlyPaths { add("readonly", p) }
        add("sysReadWrite", String(sysReadWrite))
        if let shmSize { add("shmSize", shmSize) }
        for r in rlimits { add("rlimit", r.name, String(r.soft), String(r.hard)) }
        if let oomScoreAdj { add("oomScoreAdj", String(oomScoreAdj)) }
        add("tty", String(tty))
        add("stdin", String(stdin))
        add("stdinOnce", String(stdinOnce))
        if let logPath { add("log", logPath) }
        if let cgroupPath {
            add("cgroup", cgroupPath)
            if let v = resources.cpuShares { add("cgroup.cpuShares", String(v)) }
            if let v = resources.cpuQuota { add("cgroup.cpuQuota", String(v)) }
            if let v = resources.cpuPeriod { add("cgroup.cpuPeriod", String(v)) }
            if let v = resources.memoryLimit { add("cgroup.memoryLimit", String(v)) }
            if let v = resources.pidsLimit { add("cgroup.pidsLimit", String(v)) }
        }
        return s
    }

    /// Creates the bundle directory (0700) and writes spawn.conf (and the seccomp profile)
    /// atomically. Stale result files of an earlier run (pid, state, exit) are removed; a bundle
    /// whose container still runs is refused.
    public func write(to bundle: String) throws {
        if let record = BundleFiles.record(bundle: bundle), record.containerAlive, BundleFiles.exitInfo(bundle: bundle) == nil {
            throw RuntimeError.shim(bundle: bundle, message: "container of \(bundle) is already running (pid \(record.pid))")
        }
        try check(mkdirAll(bundle, mode: 0o700), "mkdir", bundle)
        if case .profile(let text) = seccomp {
            try writeAtomically(bundle + "/" + SpawnSpec.seccompProfileFile, text)
        }
        try writeAtomically(bundle + "/spawn.conf", confText(bundle: bundle))
        for stale in ["pid", "state", "exit"] { unlink(bundle + "/" + stale) }
    }
}

/// mkdir -p; returns 0 or -1 with errno.
func mkdirAll(_ path: String, mode: mode_t) -> Int32 {
    var current = ""
    for component in path.split(separator: "/", omittingEmptySubsequences: true) {
        current += "/" + component
        if mkdir(current, mode) == -1 && errno != EEXIST { return -1 }
    }
    return 0
}

/// Writes a temporary file and renames it into place: readers see the old file or the new one, never a part.
///
/// Not fsynced: a bundle describes processes, which a crash of the machine takes with it, and the agent treats a
/// bundle it cannot read as a container in an unknown state. An fsync here forced a journal commit for every
/// container start (milliseconds on a busy disk, and later unlinks of the same files waited for it too).
func writeAtomically(_ path: String, _ text: String) throws {
    let tmp = path + ".tmp"
    let fd = try check(open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600), "open", tmp)
    defer { close(fd) }
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeMutableBytes { raw in write(fd, raw.baseAddress! + offset, raw.count - offset) }
        if n < 0 {
            if errno == EINTR { continue }
            throw RuntimeError.syscall(call: "write", object: tmp, errno: errno)
        }
        offset += n
    }
    try check(rename(tmp, path), "rename", path)
    bytes.removeAll()
}
