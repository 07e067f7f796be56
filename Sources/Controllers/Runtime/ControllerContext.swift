import Foundation
import KubeAPI
import KubeClient
import Logging
import Synchronization

/// A controller: registers its interest with the shared informers, then works its queue until cancelled.
public protocol Controller: Sendable {
    var name: String { get }
    /// Called once before informers start: add handlers here.
    func register()
    /// Works until cancelled; informers have synced when this is called.
    func run() async
}

/// What every controller gets: the API client, shared informers, an event recorder, a logger and a clock.
public struct ControllerContext: Sendable {
    public let client: any KubeClient
    public let informers: InformerFactory
    public let events: EventRecorder
    public let logger: Logger
    public let now: @Sendable () -> Date

    public init(client: any KubeClient, logger: Logger = Logger(label: "swiftlet.controllers"),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.informers = InformerFactory(client: client)
        self.events = EventRecorder(client: client, now: now)
        self.logger = logger
        self.now = now
    }
}

/// Runs controllers: registration, informers, sync, then every controller's loop, until cancelled.
public enum ControllerManager {
    public static func run(_ context: ControllerContext, _ controllers: [any Controller]) async {
        for c in controllers { c.register() }
        await withTaskGroup(of: Void.self) { group in
            for informer in context.informers.all {
                group.addTask { await informer.run() }
            }
            await context.informers.waitForSync()
            context.logger.info("controllers started: \(controllers.map(\.name).joined(separator: ", "))")
            for c in controllers {
                group.addTask { await c.run() }
            }
        }
    }
}
