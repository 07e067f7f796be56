import KubeAPI

/// The parts of an OCI image config that decide how a container runs.
public struct ImageConfig: Sendable, Equatable {
    public var entrypoint: [String]
    public var cmd: [String]
    public var env: [String]
    public var workingDir: String
    /// "", "name", "uid", "name:group", "uid:gid".
    public var user: String

    public init(entrypoint: [String] = [], cmd: [String] = [], env: [String] = [], workingDir: String = "", user: String = "") {
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.env = env
        self.workingDir = workingDir
        self.user = user
    }

    /// From an OCI image config document (`{"config": {"Entrypoint": …}}`) or its inner
    /// `config` object.
    public init(ociConfig json: JSON) {
        let c = json["config"].isNull ? json : json["config"]
        self.init(entrypoint: c["Entrypoint"].elements.compactMap(\.string),
                  cmd: c["Cmd"].elements.compactMap(\.string),
                  env: c["Env"].elements.compactMap(\.string),
                  workingDir: c["WorkingDir"].string ?? "",
                  user: c["User"].string ?? "")
    }
}
