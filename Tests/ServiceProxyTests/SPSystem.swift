import Foundation
import KubeAPI
import XCTest

/// Runs system tools for root tests (ip, nft, sysctl), failing with the tool's stderr.
enum SPSystem {
    struct Failure: Error, CustomStringConvertible {
        let command: String
        let status: Int32
        let stderr: String
        var description: String { "\(command) exited \(status): \(stderr)" }
    }

    @discardableResult
    static func run(_ tool: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read before waiting: a full pipe would block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure(command: ([tool] + args).joined(separator: " "), status: p.terminationStatus,
                          stderr: String(decoding: errData, as: UTF8.self))
        }
        return String(decoding: outData, as: UTF8.self)
    }

    @discardableResult
    static func ip(_ args: String...) throws -> String { try run("/usr/sbin/ip", args) }

    /// Best effort, for cleanup of things that may not exist.
    static func ipQuiet(_ args: String...) { _ = try? run("/usr/sbin/ip", args) }

    static func nftTable(_ name: String) throws -> NftListing {
        NftListing(json: try JSON.parse(try run("/usr/sbin/nft", ["-j", "-a", "list", "table", "ip", name])))
    }

    static func tableExists(_ name: String) -> Bool {
        (try? run("/usr/sbin/nft", ["list", "table", "ip", name])) != nil
    }

    static func deleteTable(_ name: String) {
        _ = try? run("/usr/sbin/nft", ["delete", "table", "ip", name])
    }

    static func requireRoot(file: StaticString = #filePath, line: UInt = #line) {
        // These tests run as root in CI and must never skip themselves.
        XCTAssertEqual(getuid(), 0, "ServiceProxy system tests need root", file: file, line: line)
    }
}

/// The parts of `nft -j -a list table` the tests look at.
struct NftListing {
    let json: JSON

    private var items: [JSON] { json["nftables"].array ?? [] }

    var chainNames: Set<String> { Set(items.compactMap { $0["chain"]["name"].string }) }
    var setNames: Set<String> { Set(items.compactMap { $0["set"]["name"].string }) }

    func set(_ name: String) -> JSON? {
        items.first { $0["map"]["name"].string == name }?["map"] ?? items.first { $0["set"]["name"].string == name }?["set"]
    }

    /// Element keys of a set or map, concatenations written as `a . b . c`.
    func keys(_ name: String) -> [String] {
        (set(name)?["elem"].array ?? []).map { e in
            let key = e.array.map { $0[0] } ?? e
            if let parts = key["concat"].array { return parts.map(Self.scalar).joined(separator: " . ") }
            if let elem = key["elem"]["val"].string { return elem }
            return Self.scalar(key)
        }
    }

    /// `key -> verdict text` of a verdict map.
    func verdicts(_ name: String) -> [String: String] {
        var out: [String: String] = [:]
        for (k, e) in zip(keys(name), set(name)?["elem"].array ?? []) {
            let v = e[1]
            if let t = v["goto"]["target"].string { out[k] = "goto \(t)" }
            else if let t = v["jump"]["target"].string { out[k] = "jump \(t)" }
            else if let o = v.object, let verdict = o.keys.first { out[k] = verdict }
        }
        return out
    }

    func ruleHandles(_ chain: String) -> [Int64] {
        items.compactMap { $0["rule"] }.filter { $0["chain"].string == chain }.compactMap { $0["handle"].int }
    }

    static func scalar(_ j: JSON) -> String {
        if let s = j.string { return s }
        if let i = j.int { return String(i) }
        return "\(j)"
    }
}
