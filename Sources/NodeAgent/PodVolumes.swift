import Foundation
import KubeAPI
#if canImport(Glibc)
import Glibc
#endif

/// A pod's volumes on the host: payload volumes (secret, configMap, downwardAPI, projected) on their own tmpfs and
/// kept current by the atomic writer; emptyDir as a directory (or tmpfs for medium Memory); hostPath as given.
struct PodVolumes {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let podDir: String

    var volumesDir: String { podDir + "/volumes" }

    func hostPath(of volume: JSON) -> String {
        if let path = volume["hostPath"]["path"].string { return path }
        return "\(volumesDir)/\(volume["name"].string ?? "")"
    }

    /// Creates or refreshes every volume. Throws the kubelet's FailedMount message for the first that fails.
    func setUp(pod: JSON, lookup: VolumePayload.Lookup, tokens: [String: String] = [:]) throws {
        try FileManager.default.createDirectory(atPath: volumesDir, withIntermediateDirectories: true)
        for volume in pod["spec"]["volumes"].elements {
            let name = volume["name"].string ?? ""
            let dir = "\(volumesDir)/\(name)"
            do {
                if let files = try VolumePayload.files(for: volume, pod: pod, lookup: lookup, tokens: tokens) {
                    try mountTmpfs(dir, size: nil)
                    try AtomicWriter(directory: dir).write(files)
                } else if !volume["emptyDir"].isNull {
                    if volume["emptyDir"]["medium"].string == "Memory" {
                        try mountTmpfs(dir, size: volume["emptyDir"]["sizeLimit"].string)
                    } else {
                        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                        chmod(dir, 0o777)
                    }
                } else if !volume["hostPath"].isNull {
                    let path = volume["hostPath"]["path"].string ?? ""
                    switch volume["hostPath"]["type"].string ?? "" {
                    case "DirectoryOrCreate":
                        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                    case "FileOrCreate":
                        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
                    case "Directory", "File", "Socket", "CharDevice", "BlockDevice":
                        guard FileManager.default.fileExists(atPath: path) else {
                            throw Failure(description: "hostPath type check failed: \(path) does not exist")
                        }
                    default:
                        break
                    }
                } else {
                    // Volume kinds this node cannot provide (persistentVolumeClaim, nfs, ...): an empty directory keeps
                    // the pod runnable, and the event says so.
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                }
            } catch {
                throw Failure(description: "MountVolume.SetUp failed for volume \"\(name)\" : \(error)")
            }
        }
    }

    /// Unmounts and removes every volume of the pod (hostPath contents are never touched).
    func tearDown() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: volumesDir) else { return }
        for name in names {
            let dir = "\(volumesDir)/\(name)"
            while umount2(dir, Int32(MNT_DETACH)) == 0 {}
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    func mountTmpfs(_ dir: String, size: String?) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if Self.isMountPoint(dir) { return }
        var options = "mode=0755"
        if let bytes = ResourceQuantity.value(size) { options += ",size=\(bytes)" }
        guard mount("tmpfs", dir, "tmpfs", UInt(MS_NOSUID | MS_NODEV), options) == 0 else {
            throw Failure(description: "mount tmpfs on \(dir): \(String(cString: strerror(errno)))")
        }
    }

    static func isMountPoint(_ path: String) -> Bool {
        guard let mounts = HostMounts.table() else { return false }
        return mounts.split(separator: "\n").contains { $0.split(separator: " ").dropFirst().first.map(String.init) == path }
    }
}

/// The host's mount table, for sweeping what a pod left mounted.
enum HostMounts {
    /// /proc/self/mounts read to EOF (Foundation's one-shot readers truncate procfs files).
    static func table() -> String? {
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/mounts") else { return nil }
        defer { try? handle.close() }
        return (try? handle.readToEnd()).map { String(decoding: $0 ?? Data(), as: UTF8.self) }
    }

    /// Mount points at or below `dir`, from /proc/self/mounts (octal escapes decoded).
    static func under(_ dir: String) -> [String] {
        guard let text = table() else { return [] }
        return text.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 1 else { return nil }
            let point = unescape(String(fields[1]))
            return point == dir || point.hasPrefix(dir + "/") ? point : nil
        }
    }

    static func unescape(_ s: String) -> String {
        var out = ""
        var chars = Array(s)[...]
        while let c = chars.first {
            chars = chars.dropFirst()
            if c == "\\", chars.count >= 3, let v = UInt8(String(chars.prefix(3)), radix: 8) {
                out.append(Character(UnicodeScalar(v)))
                chars = chars.dropFirst(3)
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// Detaches every mount under `dir`, deepest first; stacked mounts are detached until none is left.
    static func unmountAll(under dir: String) {
        for _ in 0..<8 {
            let points = under(dir).sorted { $0.count > $1.count }
            if points.isEmpty { return }
            for p in points { umount2(p, Int32(MNT_DETACH)) }
        }
    }
}
