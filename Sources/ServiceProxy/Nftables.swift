import CNftables
import Synchronization

/// A failed libnftables call: the operation, the table it was about, and nft's own error text (which
/// quotes the offending command).
public struct NftablesError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let table: String
    public let message: String

    public init(operation: String, table: String, message: String) {
        self.operation = operation
        self.table = table
        self.message = message
    }

    public var description: String { "\(operation) on table ip \(table): \(message)" }
}

/// Runs nft command text. One call is one netlink batch, so the kernel applies all of it or none of it.
/// A protocol so the controller can be tested without root.
public protocol NftablesRunner: Sendable {
    /// Runs `commands` as one transaction; returns what nft printed (listings).
    func run(_ commands: String, table: String, json: Bool) throws -> String
}

extension NftablesRunner {
    public func run(_ commands: String, table: String) throws -> String {
        try run(commands, table: table, json: false)
    }
}

/// The real thing: libnftables in-process.
public struct LibNftables: NftablesRunner {
    /// libnftables keeps per-context caches and is not documented as thread-safe; syncs are rare, so one
    /// call at a time is cheap insurance.
    private static let lock = Mutex<Void>(())

    public init() {}

    public func run(_ commands: String, table: String, json: Bool = false) throws -> String {
        try Self.lock.withLock { _ in
            guard let ctx = nft_ctx_new(UInt32(NFT_CTX_DEFAULT)) else {
                throw NftablesError(operation: "nft_ctx_new", table: table, message: "could not create an nftables context")
            }
            defer { nft_ctx_free(ctx) }
            if json { nft_ctx_output_set_flags(ctx, UInt32(NFT_CTX_OUTPUT_JSON)) }
            _ = nft_ctx_buffer_output(ctx)
            _ = nft_ctx_buffer_error(ctx)
            let rc = nft_run_cmd_from_buffer(ctx, commands)
            let output = nft_ctx_get_output_buffer(ctx).map { String(cString: $0) } ?? ""
            if rc != 0 {
                let err = nft_ctx_get_error_buffer(ctx).map { String(cString: $0) } ?? ""
                throw NftablesError(operation: "nft_run_cmd_from_buffer", table: table,
                                    message: err.isEmpty ? "failed with code \(rc)" : err)
            }
            return output
        }
    }
}

extension NftablesRunner {
    /// Removes the proxy's table; succeeds when it is already gone (`add` first makes `delete` safe).
    public func deleteTable(_ name: String) throws {
        _ = try run("add table ip \(name)\ndelete table ip \(name)\n", table: name)
    }

    /// `nft -j list table ip NAME` through the library; nil when the table does not exist.
    public func listTableJSON(_ name: String) throws -> String? {
        do {
            return try run("list table ip \(name)", table: name, json: true)
        } catch let e as NftablesError where e.message.contains("No such file or directory") {
            return nil
        }
    }
}
