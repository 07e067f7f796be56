import Foundation

/// A pod's network sandbox: its network namespace and its place on the node's bridge.
public struct Sandbox: Sendable, Equatable, Codable {
    /// The pod's metadata.uid.
    public let podUID: String
    /// The pinned namespace (`<stateDir>/netns/<podUID>`): a container's child process opens it and calls
    /// setns(fd, CLONE_NEWNET) before execve (instead of creating a network namespace of its own).
    public let netnsPath: String
    /// The pod IP (status.podIP).
    public let ip: String
    /// The prefix length of the pod's address (the node range's).
    public let prefixLength: Int
    /// The default gateway inside the pod (the bridge's address).
    public let gateway: String
    /// The host end of the veth pair: `veth` + 8 hex digits of a hash of the pod UID.
    public let hostVeth: String
    /// MAC of the pod's eth0.
    public let mac: String?
}

/// Sandbox records on disk, one JSON file per pod (`<dir>/<podUID>.json`), replaced atomically.
struct SandboxStore {
    let directory: String

    private func path(_ podUID: String) -> String { "\(directory)/\(podUID).json" }

    func load(_ podUID: String) -> Sandbox? {
        guard let data = FileManager.default.contents(atPath: path(podUID)) else { return nil }
        return try? JSONDecoder().decode(Sandbox.self, from: data)
    }

    func all() -> [Sandbox] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
            .compactMap { load(String($0.dropLast(5))) }
            .sorted { $0.podUID < $1.podUID }
    }

    func save(_ sandbox: Sandbox) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw PodNetworkError("create sandbox record directory \(directory)", reason: "\(error)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(sandbox)
        try writeAtomically(path(sandbox.podUID), String(decoding: data, as: UTF8.self))
    }

    func remove(_ podUID: String) throws {
        if unlink(path(podUID)) != 0 && errno != ENOENT {
            throw PodNetworkError.system("remove sandbox record \(path(podUID))")
        }
    }
}
