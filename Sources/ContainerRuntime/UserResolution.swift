import Foundation

/// The container's credentials after consulting the image's /etc/passwd and /etc/group.
public struct ResolvedUser: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    public var supplementalGroups: [UInt32]
    /// The user's home from /etc/passwd ("/" when unknown): HOME when the env has none.
    public var home: String
}

extension UserRequest {
    /// Resolves names and the primary group as containerd does: runAsUser/runAsGroup win;
    /// otherwise the image's User, names looked up in the rootfs; the gid of a bare uid comes
    /// from /etc/passwd (0 if absent); supplementary groups are the user's /etc/group
    /// memberships, the pod's supplementalGroups and fsGroup. Enforces runAsNonRoot with the
    /// kubelet's messages.
    public func resolve(rootfs: String, podDescription: String = "", containerName: String = "") throws -> ResolvedUser {
        let passwd = PasswdFile(path: rootfs + "/etc/passwd")
        let groups = GroupFile(path: rootfs + "/etc/group")
        let parts = imageUser.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let imageUserPart = parts.first ?? ""
        let imageGroupPart = parts.count > 1 ? parts[1] : ""

        if runAsNonRoot {
            if let runAsUser {
                if runAsUser == 0 {
                    throw RuntimeError.plan("container's runAsUser breaks non-root policy (pod: \"\(podDescription)\", container: \(containerName))")
                }
            } else if imageUserPart.isEmpty || UInt32(imageUserPart) == 0 {
                throw RuntimeError.plan("container has runAsNonRoot and image will run as root (pod: \"\(podDescription)\", container: \(containerName))")
            } else if UInt32(imageUserPart) == nil {
                throw RuntimeError.plan("container has runAsNonRoot and image has non-numeric user (\(imageUserPart)), cannot verify user is non-root (pod: \"\(podDescription)\", container: \(containerName))")
            }
        }

        var uid: UInt32 = 0
        var gid: UInt32 = 0
        var userName: String?
        var home = "/"
        if let runAsUser {
            uid = UInt32(truncatingIfNeeded: runAsUser)
            if let entry = passwd.byUID[uid] {
                gid = entry.gid
                userName = entry.name
                home = entry.home
            }
        } else if !imageUserPart.isEmpty {
            if let numeric = UInt32(imageUserPart) {
                uid = numeric
                if let entry = passwd.byUID[numeric] {
                    gid = entry.gid
                    userName = entry.name
                    home = entry.home
                }
            } else if let entry = passwd.byName[imageUserPart] {
                uid = entry.uid
                gid = entry.gid
                userName = entry.name
                home = entry.home
            } else {
                throw RuntimeError.plan("unable to find user \(imageUserPart): no matching entries in passwd file")
            }
            if !imageGroupPart.isEmpty {
                if let numeric = UInt32(imageGroupPart) {
                    gid = numeric
                } else if let g = groups.byName[imageGroupPart] {
                    gid = g.gid
                } else {
                    throw RuntimeError.plan("unable to find group \(imageGroupPart): no matching entries in group file")
                }
            }
        } else if let entry = passwd.byUID[0] {
            userName = entry.name
            home = entry.home
        }
        if let runAsGroup { gid = UInt32(truncatingIfNeeded: runAsGroup) }

        var supplementary: [UInt32] = [gid]
        if let userName { supplementary += groups.memberships(of: userName) }
        supplementary += supplementalGroups.map { UInt32(truncatingIfNeeded: $0) }
        if let fsGroup { supplementary.append(UInt32(truncatingIfNeeded: fsGroup)) }
        var seen = Set<UInt32>()
        supplementary = supplementary.filter { seen.insert($0).inserted }
        return ResolvedUser(uid: uid, gid: gid, supplementalGroups: supplementary, home: home)
    }
}

struct PasswdFile {
    struct Entry { var name: String; var uid: UInt32; var gid: UInt32; var home: String }
    var byName: [String: Entry] = [:]
    var byUID: [UInt32: Entry] = [:]

    init(path: String) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 6, let uid = UInt32(f[2]), let gid = UInt32(f[3]) else { continue }
            let entry = Entry(name: f[0], uid: uid, gid: gid, home: f[5].isEmpty ? "/" : f[5])
            if byName[f[0]] == nil { byName[f[0]] = entry }
            if byUID[uid] == nil { byUID[uid] = entry }
        }
    }
}

struct GroupFile {
    struct Entry { var name: String; var gid: UInt32; var members: [String] }
    var entries: [Entry] = []
    var byName: [String: Entry] = [:]

    init(path: String) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 3, let gid = UInt32(f[2]) else { continue }
            let members = f.count > 3 ? f[3].split(separator: ",").map(String.init) : []
            let entry = Entry(name: f[0], gid: gid, members: members)
            entries.append(entry)
            if byName[f[0]] == nil { byName[f[0]] = entry }
        }
    }

    func memberships(of user: String) -> [UInt32] { entries.filter { $0.members.contains(user) }.map(\.gid) }
}
