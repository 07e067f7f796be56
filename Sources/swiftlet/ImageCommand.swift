import ArgumentParser
import Foundation
import ImageStore

/// `swiftlet image import|ls|rm|pull`: the node's image store from the command line. Safe to use while the
/// server runs on the same data dir (the store locks its index).
struct Image: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Manage the images this node runs containers from.",
        subcommands: [ImageImport.self, ImageList.self, ImageRemove.self, ImagePull.self])
}

struct ImageStoreOptions: ParsableArguments {
    @Option(help: "Where state lives; images are kept under <data-dir>/images.") var dataDir = "/var/lib/swiftlet"

    func open() throws -> ImageStore { try ImageStore(dataDir: dataDir) }
}

struct ImageImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import images from OCI image-layout or `docker save` archives (tar, tar.gz, tar.zst).")

    @OptionGroup var store: ImageStoreOptions
    @Argument(help: "Archive files.") var files: [String]

    func run() async throws {
        let images = try store.open()
        for file in files {
            for record in try images.import(archivePath: file) {
                if record.names.isEmpty {
                    print("Loaded image ID: \(record.id)")
                } else {
                    for name in record.names { print("Loaded image: \(name)") }
                }
            }
        }
    }
}

struct ImageList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List images.", aliases: ["list"])

    @OptionGroup var store: ImageStoreOptions
    @Flag(name: .shortAndLong, help: "Only show image IDs.") var quiet = false
    @Flag(help: "Show digests.") var digests = false

    func run() async throws {
        let images = try store.open().list()
        if quiet {
            for id in Set(images.map(\.id)).sorted() { print(shortID(id)) }
            return
        }
        var rows: [[String]] = [["IMAGE", "TAG"] + (digests ? ["DIGEST"] : []) + ["IMAGE ID", "SIZE"]]
        for image in images {
            let names = image.names.isEmpty ? image.digests.map { $0.split(separator: "@").first.map(String.init) ?? $0 } : image.names
            for name in names.isEmpty ? ["<none>"] : names {
                let (repo, tag) = splitTag(name)
                var row = [repo, tag]
                if digests {
                    let d = image.digests.first { $0.hasPrefix(repo + "@") }.map { String($0.split(separator: "@")[1]) }
                    row.append(d ?? "<none>")
                }
                row += [shortID(image.id), humanSize(image.size)]
                rows.append(row)
            }
        }
        printTable(rows)
    }
}

struct ImageRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove image names, and images with no name left.", aliases: ["rmi"])

    @OptionGroup var store: ImageStoreOptions
    @Argument(help: "Image names or IDs.") var images: [String]

    func run() async throws {
        let store = try self.store.open()
        var failed = false
        for ref in images {
            do {
                let r = try store.remove(ref)
                for name in r.untagged { print("Untagged: \(name)") }
                if let id = r.deleted { print("Deleted: \(id)") }
            } catch {
                FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                failed = true
            }
        }
        if failed { throw ExitCode.failure }
    }
}

struct ImagePull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pull", abstract: "Pull an image from a registry.")

    @OptionGroup var store: ImageStoreOptions
    @Option(name: .customLong("insecure-registry"), help: "A registry (host:port) to reach over plain HTTP (loopback ones always are).")
    var insecureRegistries: [String] = []
    @Argument(help: "Image reference, e.g. nginx, 127.0.0.1:5000/busybox:1.36.") var image: String

    func run() async throws {
        let store = try self.store.open()
        let bar = ProgressBar(enabled: isatty(STDERR_FILENO) == 1)
        let record = try await store.pull(image, options: PullOptions(insecureRegistries: Set(insecureRegistries))) { p in
            bar.show(p)
        }
        bar.finish()
        if let digest = record.digests.first?.split(separator: "@").last { print("Digest: \(digest)") }
        print(ImageReference.normalize(image) ?? image)
    }
}

/// One line on the terminal, redrawn at most ten times a second.
final class ProgressBar: @unchecked Sendable {
    private let enabled: Bool
    private let lock = NSLock()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ p: PullProgress) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard p.phase != .downloading || now.timeIntervalSince(lastDraw) >= 0.1 || p.completedBytes == p.totalBytes else { return }
        lastDraw = now
        var line: String
        switch p.phase {
        case .resolving: line = "Resolving \(p.image)"
        case .unpacking: line = "Unpacking \(p.image)"
        case .done: line = "Pulled \(p.image)"
        case .downloading:
            let width = 30
            let fraction = p.totalBytes > 0 ? min(1, Double(p.completedBytes) / Double(p.totalBytes)) : 1
            let filled = Int(fraction * Double(width))
            var bar = String(repeating: "=", count: filled)
            if filled < width { bar += ">" + String(repeating: " ", count: width - filled - 1) }
            line = "Downloading [\(bar)] \(humanSize(p.completedBytes))/\(humanSize(p.totalBytes))"
        }
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(line)".utf8))
        drawn = true
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

private func shortID(_ id: String) -> String {
    String(id.dropFirst("sha256:".count).prefix(12))
}

/// `docker.io/library/nginx:latest` → (`docker.io/library/nginx`, `latest`); the tag is after the last ":"
/// that follows the last "/" (so `localhost:5000/x` has none).
private func splitTag(_ name: String) -> (String, String) {
    if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") {
        return (String(name[..<colon]), String(name[name.index(after: colon)...]))
    }
    return (name, "<none>")
}

/// Decimal units, as `docker images` and `crictl images` print sizes.
private func humanSize(_ bytes: Int64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"]
    var value = Double(bytes)
    var i = 0
    while value >= 1000 && i < units.count - 1 {
        value /= 1000
        i += 1
    }
    return i == 0 ? "\(bytes)B" : String(format: "%.3g", value) + units[i]
}

private func printTable(_ rows: [[String]]) {
    guard let columns = rows.first?.count else { return }
    let widths = (0..<columns).map { c in rows.map { $0[c].count }.max() ?? 0 }
    for row in rows {
        let cells = row.enumerated().map { c, cell in
            c == columns - 1 ? cell : cell.padding(toLength: widths[c] + 3, withPad: " ", startingAt: 0)
        }
        print(cells.joined())
    }
}
