import NIOCore
import Synchronization

/// The TCP connections currently open, so stopping the server closes them too (closing a listening socket
/// leaves its accepted connections open).
final class OpenConnections: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in _ = self?.channels.withLock { $0.removeValue(forKey: id) } }
    }

    func closeAll() {
        for c in channels.withLock({ Array($0.values) }) { c.close(promise: nil) }
    }

    var count: Int { channels.withLock { $0.count } }
}
