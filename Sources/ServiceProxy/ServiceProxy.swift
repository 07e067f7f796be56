import KubeAPI
import KubeClient
import Logging
import Metrics
import Synchronization

/// Counters for metrics and tests (kube-proxy's sync_proxy_rules_* family).
public struct ProxySyncStats: Sendable, Equatable {
    /// Syncs attempted (including those that found nothing to change).
    public var syncs = 0
    /// Syncs that rewrote the whole table.
    public var fullSyncs = 0
    /// Syncs whose transaction the kernel refused (the rules stayed as they were).
    public var failures = 0
    /// Partial updates the kernel refused, each repaired at once by a full rewrite.
    public var partialSyncFailures = 0
    /// Wall time of the last sync: rendering, diffing and the nftables transaction.
    public var lastSyncDuration: Duration?
    public var lastError: String?

    public init() {}
}

/// The node's service proxy: watches Services and EndpointSlices and keeps one nftables table in step,
/// like kube-proxy in nftables mode. The first sync replaces the table wholesale (clearing whatever a
/// crashed run left); later syncs rewrite only the Services that changed, coalesced by `SyncPacer`: a burst
/// of `syncBurst`, then at most one per `minSyncInterval`. The table is left in place on exit so traffic keeps flowing across restarts;
/// `uninstall(tableName:)` removes it.
public final class ServiceProxy: Sendable {
    public let config: ProxyConfig
    let client: any KubeClient
    let nftables: any NftablesRunner
    let logger: Logger
    let renderer: ProxyRenderer

    private struct State {
        var stats = ProxySyncStats()
        /// What the kernel holds, as far as we know; nil forces a full sync.
        var applied: ProxyRuleset?
        var lastFullSync: ContinuousClock.Instant?
        /// The periodic full resync is due.
        var fullSyncDue = false
        var retryPending = false
    }
    private let state = Mutex(State())

    /// How long to wait before retrying after the kernel refused a transaction.
    static let retryDelay: Duration = .seconds(1)

    public convenience init(client: any KubeClient, config: ProxyConfig) {
        self.init(client: client, config: config, logger: Logger(label: "swiftlet.service-proxy"))
    }

    public init(client: any KubeClient, config: ProxyConfig, logger: Logger, nftables: any NftablesRunner = LibNftables()) {
        self.client = client
        self.config = config
        self.logger = logger
        self.nftables = nftables
        self.renderer = ProxyRenderer(config: config)
    }

    public var stats: ProxySyncStats { state.withLock { $0.stats } }
    public var lastSyncDuration: Duration? { stats.lastSyncDuration }
    public var syncCount: Int { stats.syncs }
    /// The ruleset last applied successfully (nil before the first sync or after a failure).
    public var appliedRuleset: ProxyRuleset? { state.withLock { $0.applied } }

    /// Removes the proxy's table (and with it every Service rule); fine if it does not exist.
    public static func uninstall(tableName: String = "swiftlet") throws {
        try LibNftables().deleteTable(tableName)
    }

    /// Watches Services and EndpointSlices with its own informers and syncs until the task is cancelled.
    public func run() async {
        let services = Informer(client: client, resource: .services)
        let slices = Informer(client: client, resource: .endpointSlices)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await services.run() }
            group.addTask { await slices.run() }
            group.addTask { [self] in await run(services: services, endpointSlices: slices) }
            await group.waitForAll()
        }
    }

    /// Syncs from informers that someone else runs (shared with other node components) until the task is
    /// cancelled.
    public func run(services: Informer, endpointSlices slices: Informer) async {
        // A one-slot buffer coalesces bursts of changes into a single pending sync.
        let (triggers, trigger) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        services.addHandler { _, _ in trigger.yield() }
        slices.addHandler { _, _ in trigger.yield() }

        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                await housekeeping(trigger: trigger)
            }
            group.addTask { [self] in
                // Syncing before both lists arrived would delete the rules of Services not yet seen.
                while !(services.hasSynced && slices.hasSynced) {
                    if Task.isCancelled { return }
                    try? await Task.sleep(for: .milliseconds(10))
                }
                trigger.yield()
                var pacer = SyncPacer(interval: config.minSyncInterval, burst: config.syncBurst)
                for await _ in triggers {
                    let wait = pacer.delay(at: .now)
                    if wait > .zero { try? await Task.sleep(for: wait) }
                    if Task.isCancelled { break }
                    _ = sync(services: services.list(), endpointSlices: slices.list())
                }
            }
            // Cancellation reaches both children; the trigger stream ends with the syncer.
            await group.waitForAll()
            trigger.finish()
        }
    }

    /// Retries failed syncs and schedules the periodic full resync.
    private func housekeeping(trigger: AsyncStream<Void>.Continuation) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.retryDelay)
            let due = state.withLock { s -> Bool in
                var due = s.retryPending
                if let every = config.fullSyncInterval, let last = s.lastFullSync,
                   ContinuousClock.now - last >= every, !s.fullSyncDue {
                    s.fullSyncDue = true
                    due = true
                }
                s.retryPending = false
                return due
            }
            if due { trigger.yield() }
        }
    }

    /// Renders the table for these objects and applies the difference to what was applied before (or
    /// the whole table when nothing is known to be applied). Returns whether the kernel took it.
    @discardableResult
    func sync(services: [JSON], endpointSlices: [JSON]) -> Bool {
        let start = ContinuousClock.now
        let desired = renderer.render(services: services, endpointSlices: endpointSlices)
        let (applied, fullDue) = state.withLock { ($0.applied, $0.fullSyncDue) }
        var full = applied == nil || fullDue
        var error: (any Error)?
        var partialFailed = false
        if !full, let applied, let commands = desired.incrementalCommands(from: applied) {
            do {
                _ = try nftables.run(commands, table: config.tableName)
            } catch let e {
                // Something changed the table behind our back (or the kernel refused a partial
                // update): rewrite it all.
                logger.warning("incremental nftables sync failed, rewriting the table", metadata: ["error": "\(e)"])
                full = true
                partialFailed = true
            }
        }
        if full {
            do {
                _ = try nftables.run(desired.fullSyncCommands(), table: config.tableName)
            } catch let e {
                error = e
            }
        }
        let elapsed = ContinuousClock.now - start
        // kube-proxy's names: every sync is one observation of the duration histogram.
        Timer(label: "kubeproxy_sync_proxy_rules_duration_seconds").record(duration: elapsed)
        if error != nil { Counter(label: "swiftlet_proxy_sync_failures_total").increment() }
        if partialFailed { Counter(label: "kubeproxy_sync_proxy_rules_nftables_partial_restore_failures_total").increment() }
        state.withLock { s in
            s.stats.syncs += 1
            s.stats.lastSyncDuration = elapsed
            if partialFailed { s.stats.partialSyncFailures += 1 }
            if let error {
                s.stats.failures += 1
                s.stats.lastError = "\(error)"
                s.applied = nil
                s.retryPending = true
            } else {
                s.applied = desired
                if full {
                    s.stats.fullSyncs += 1
                    s.lastFullSync = .now
                    s.fullSyncDue = false
                }
            }
        }
        if let error {
            logger.error("nftables sync failed", metadata: ["table": "\(config.tableName)", "error": "\(error)"])
            return false
        }
        logger.debug("nftables sync done", metadata: [
            "table": "\(config.tableName)", "services": "\(desired.services.count)", "full": "\(full)",
            "elapsed": "\(elapsed)"])
        return true
    }
}
