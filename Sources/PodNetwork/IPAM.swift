import Foundation

/// Host-local style address management for the node's pod range, kept on disk so it survives restarts:
/// one file per leased address (`<dir>/10.244.0.7`, holding the pod UID) plus `last_reserved_ip`, the
/// cursor for round-robin allocation (a just-freed address is handed out last, so a stale endpoint or
/// conntrack entry for it has time to go away).
///
/// A lease file is created by link(2)ing a fully written temp file into place: link fails with EEXIST if
/// anyone got there first, so an address is never handed out twice, not even by two processes, and a lease
/// file is never seen half-written.
struct IPAM {
    let directory: String
    let range: IPv4CIDR

    init(directory: String, range: IPv4CIDR) {
        self.directory = directory
        self.range = range
    }

    /// The addresses pods may get: the range minus the network address, the gateway (.1, the bridge's)
    /// and the broadcast address.
    var firstHost: UInt32 { range.network.value + 2 }
    var lastHost: UInt32 { range.broadcast.value - 1 }

    private func leasePath(_ ip: IPv4Address) -> String { "\(directory)/\(ip)" }
    private var cursorPath: String { "\(directory)/last_reserved_ip" }

    /// Every lease in the range: address → pod UID.
    func leases() -> [IPv4Address: String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [:] }
        var out: [IPv4Address: String] = [:]
        for name in names {
            guard let ip = IPv4Address(name), range.contains(ip),
                  let owner = try? String(contentsOfFile: leasePath(ip), encoding: .utf8) else { continue }
            out[ip] = owner.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return out
    }

    /// The address leased to `owner`, if any.
    func lease(of owner: String) -> IPv4Address? {
        leases().filter { $0.value == owner }.keys.min()
    }

    /// Leases an address to `owner`, or returns the one it already holds.
    func allocate(for owner: String) throws -> IPv4Address {
        try ensureDirectory()
        if let held = lease(of: owner) { return held }
        guard lastHost >= firstHost else {
            throw PodNetworkError("allocate a pod IP in \(range) for \(owner)", errno: ENOSPC,
                                  reason: "the range has no addresses for pods")
        }
        let count = lastHost - firstHost + 1
        var start = firstHost
        if let text = try? String(contentsOfFile: cursorPath, encoding: .utf8),
           let last = IPv4Address(text.trimmingCharacters(in: .whitespacesAndNewlines)),
           last.value >= firstHost, last.value <= lastHost {
            start = last.value == lastHost ? firstHost : last.value + 1
        }
        for i in 0..<count {
            let candidate = IPv4Address(firstHost + (start - firstHost + i) % count)
            if try claim(candidate, for: owner) {
                try? writeAtomically(cursorPath, candidate.description)
                return candidate
            }
        }
        throw PodNetworkError("allocate a pod IP in \(range) for \(owner)", errno: ENOSPC,
                              reason: "all \(count) addresses are leased")
    }

    /// Frees whatever `owner` holds; only files that still name `owner` are removed (an address that was
    /// already released and re-leased to another pod stays with that pod).
    func release(owner: String) throws {
        for (ip, holder) in leases() where holder == owner {
            if unlink(leasePath(ip)) != 0 && errno != ENOENT {
                throw PodNetworkError.system("release pod IP \(ip) of \(owner) (\(leasePath(ip)))")
            }
        }
    }

    private func ensureDirectory() throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw PodNetworkError("create IPAM directory \(directory)", errno: nil, reason: "\(error)")
        }
    }

    /// Tries to create the lease file; false when somebody holds the address.
    private func claim(_ ip: IPv4Address, for owner: String) throws -> Bool {
        let tmp = "\(directory)/.claim-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try writeFile(tmp, owner)
        defer { unlink(tmp) }
        if link(tmp, leasePath(ip)) == 0 {
            return true
        }
        if errno == EEXIST { return false }
        throw PodNetworkError.system("lease pod IP \(ip) to \(owner) (\(leasePath(ip)))")
    }
}

/// Writes `text` to `path` and fsyncs it (the file must not exist yet).
func writeFile(_ path: String, _ text: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    if fd < 0 { throw PodNetworkError.system("create \(path)") }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    var done = 0
    while done < bytes.count {
        let n = bytes[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw PodNetworkError.system("write \(path)")
        }
        done += n
    }
    if fsync(fd) != 0 { throw PodNetworkError.system("fsync \(path)") }
}

/// Replaces `path` with `text` all at once (temp file + rename), so a crash leaves the old or new content.
func writeAtomically(_ path: String, _ text: String) throws {
    let tmp = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    do {
        try writeFile(tmp, text)
        if rename(tmp, path) != 0 { throw PodNetworkError.system("rename \(tmp) to \(path)") }
    } catch {
        unlink(tmp)
        throw error
    }
}
