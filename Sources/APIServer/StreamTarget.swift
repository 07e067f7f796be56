import KubeAPI
import KubeClient
import NIOCore
import SPDY

/// A `pods/exec`, `pods/attach` or `pods/portforward` request that an upgrade (WebSocket or SPDY) may serve: the
/// pod, the node agent's streams and the query, for an authenticated caller.
struct StreamTarget: Sendable {
    enum Kind: String, Sendable { case exec, attach, portforward }

    let kind: Kind
    let pod: JSON
    let streams: any PodStreams
    let query: Query

    /// Resolves the request target (path and query) of an upgrade request. Nil when it is not a pod stream, the
    /// caller is not authenticated, no node agent serves streams or the pod does not exist: the upgrade is then
    /// declined and the HTTP responder answers the request with the reason (401, 404, 503, …).
    static func resolve(target: String, authorization: String?, channel: any Channel, server: KubeAPIServer) async -> StreamTarget? {
        let parts = target.split(separator: "?", maxSplits: 1)
        guard case .resource(let r) = Route.parse(String(parts[0])), r.type.kind == "Pod", r.type.group.isEmpty,
              let sub = r.subresource, let kind = Kind(rawValue: sub), let name = r.name else { return nil }
        // The same authentication and authorization as every other request (one place for both stream transports),
        // so an upgrade is accepted exactly when the responder would accept the request.
        guard let user = await server.authenticator.authenticate(channel: channel, authorization: authorization),
              (try? Authorizer.check(user, RequestAttributes(verb: "create", resource: r, path: String(parts[0])))) != nil
        else { return nil }
        guard let streams = server.podStreams,
              let pod = try? server.registry.get(r.type, namespace: r.namespace, name: name) else { return nil }
        return StreamTarget(kind: kind, pod: pod, streams: streams, query: Query(parts.count > 1 ? String(parts[1]) : nil))
    }

    var command: [String] { query.all("command") }

    /// The stdin/stdout/stderr/tty flags of an exec or attach.
    var remoteCommandStreams: RemoteCommandSession.Streams {
        .init(stdin: query.bool("stdin"), stdout: query.bool("stdout"), stderr: query.bool("stderr"), tty: query.bool("tty"))
    }

    /// Starts the exec'd process or attaches to the container. Done before answering the upgrade, so that a failure
    /// (no such container, not running) is answered as plain HTTP, which kubectl prints.
    func startSession() async throws -> any StreamSession {
        let container = query["container"]
        let flags = remoteCommandStreams
        if kind == .exec {
            return try await streams.exec(pod: pod, container: container, argv: command, tty: flags.tty, stdin: flags.stdin)
        }
        return try await streams.attach(pod: pod, container: container, stdin: flags.stdin)
    }
}
