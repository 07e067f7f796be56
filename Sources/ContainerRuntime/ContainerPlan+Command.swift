import KubeAPI

extension ContainerPlan {
    static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// argv as Kubernetes and containerd build it: $(VAR) expanded in command and args; no
    /// command → the image's Entrypoint (unless it is [""]), and no args either → its Cmd.
    static func argv(container: JSON, image: ImageConfig, environment: [(name: String, value: String)]) throws -> [String] {
        var vars: [String: String] = [:]
        for (name, value) in environment { vars[name] = value }
        let commandGiven = !container["command"].isNull
        var command = container["command"].elements.compactMap(\.string).map { expand($0, vars) }
        var args = container["args"].elements.compactMap(\.string).map { expand($0, vars) }
        if command.isEmpty {
            if args.isEmpty { args = image.cmd }
            if !commandGiven && !(image.entrypoint.count == 1 && image.entrypoint[0].isEmpty) {
                command = image.entrypoint
            }
        }
        let argv = command + args
        guard let first = argv.first, !first.isEmpty else { throw RuntimeError.plan("no command specified") }
        return argv
    }

    /// Kubernetes' $(VAR) expansion: $(NAME) becomes the value when NAME is defined (else stays
    /// as written), $$ is a literal $, anything else is kept.
    public static func expand(_ input: String, _ vars: [String: String]) -> String {
        var out = ""
        let chars = Array(input)
        var i = 0
        while i < chars.count {
            guard chars[i] == "$", i + 1 < chars.count else {
                out.append(chars[i])
                i += 1
                continue
            }
            let next = chars[i + 1]
            if next == "$" {
                out.append("$")
                i += 2
            } else if next == "(", let close = chars[(i + 2)...].firstIndex(of: ")") {
                let name = String(chars[(i + 2)..<close])
                if let value = vars[name] { out += value } else { out += "$(" + name + ")" }
                i = close + 1
            } else {
                out.append("$")
                out.append(next)
                i += 2
            }
        }
        return out
    }

    /// The process environment as containerd composes it: PATH (default when nobody sets it),
    /// HOSTNAME, the image's Env, then the container's (later values replace earlier ones in
    /// place); TERM=xterm with a tty unless set.
    static func mergedEnvironment(image: ImageConfig, environment: [(name: String, value: String)],
                                  hostname: String?, tty: Bool) -> [String] {
        var order: [String] = []
        var values: [String: String] = [:]
        func set(_ entry: String) {
            let key = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? entry
            if values[key] == nil { order.append(key) }
            values[key] = entry
        }
        set(defaultPath)
        if let hostname { set("HOSTNAME=" + hostname) }
        image.env.forEach(set)
        for (name, value) in environment { set(name + "=" + value) }
        if tty && values["TERM"] == nil { set("TERM=xterm") }
        return order.compactMap { values[$0] }
    }
}
