import Foundation
import Hummingbird
import KubeAPI
import KubeClient
import KubeStore
import NIOCore

/// One request on a resource path: decides the verb, reads the body, calls the registry, shapes the answer.
struct ResourceHandler {
    let server: KubeAPIServer
    let request: Request
    let context: APIRequestContext
    let target: ResourceRequest
    let query: Query

    init(server: KubeAPIServer, request: Request, context: APIRequestContext, target: ResourceRequest) {
        self.server = server
        self.request = request
        self.context = context
        self.target = target
        self.query = Query(request.uri.query)
    }

    var registry: Registry { server.registry }
    var type: ResourceType { target.type }
    var contentType: String? { request.headers[.contentType] }

    func handle() async throws -> Reply {
        let method = request.method.rawValue
        // Streams negotiate their own protocols; everything else answers JSON.
        if !["log", "exec", "attach", "portforward"].contains(target.subresource ?? "") { try Negotiation.checkAcceptable(request) }
        if let sub = target.subresource {
            return try await handleSubresource(sub, method: method)
        }
        switch (method, target.name) {
        case ("GET", nil):
            return query.bool("watch") ? try watch() : try list()
        case ("GET", let name?):
            let obj = try registry.get(type, namespace: target.namespace, name: name)
            return try asRequested([obj], single: true)
        case ("POST", nil):
            let decoded = try BodyCodec.decode(try await body(), contentType: contentType, kindHint: type.kind)
            let (obj, warnings) = try registry.create(type, namespace: target.namespace, body: decoded,
                                                      options: try writeOptions("CreateOptions"))
            return .object(obj, status: 201, warnings: warnings)
        case ("PUT", let name?):
            let decoded = try BodyCodec.decode(try await body(), contentType: contentType, kindHint: type.kind)
            let r = try registry.update(type, namespace: target.namespace, name: name, subresource: nil,
                                        change: .replace(decoded), options: try writeOptions("UpdateOptions"))
            return .object(r.object, status: r.created ? 201 : 200, warnings: r.warnings)
        case ("PATCH", let name?):
            let r = try registry.update(type, namespace: target.namespace, name: name, subresource: nil,
                                        change: .patch(type: try patchType(), body: try await body()),
                                        options: try writeOptions("PatchOptions"))
            return .object(r.object, status: r.created ? 201 : 200, warnings: r.warnings)
        case ("DELETE", let name?):
            let options = try DeleteOptions(query: query, body: try await optionalJSONBody())
            let (obj, _) = try registry.delete(type, namespace: target.namespace, name: name, options: options)
            return .object(obj)
        case ("DELETE", nil):
            return try deleteCollection()
        default:
            throw APIError.methodNotAllowed
        }
    }

    /// The write's options, checked as Kubernetes checks Create/Update/PatchOptions, with the manager it records
    /// when the client names none (derived from the User-Agent).
    func writeOptions(_ optionsKind: String) throws -> WriteOptions {
        var options = try WriteOptions(query: query)
        let apply = optionsKind == "PatchOptions" && contentType.map(BodyCodec.mediaType) == ServerSideApply.mediaType
        try ManagedFields.validate(fieldManager: options.fieldManager, forceGiven: query["force"] != nil,
                                   optionsKind: optionsKind, apply: apply)
        if (options.fieldManager ?? "").isEmpty {
            options.fieldManager = ManagedFields.manager(fromUserAgent: request.headers[.userAgent])
        }
        return options
    }

    func patchType() throws -> String {
        guard let ct = contentType else { throw APIError.unsupportedMediaType("") }
        return BodyCodec.mediaType(ct)
    }

    /// The request body, refusing more than Kubernetes accepts (3 MiB).
    func body() async throws -> [UInt8] {
        var buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: BodyCodec.maxBodyBytes)
        } catch {
            throw APIError.tooLarge
        }
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    func optionalJSONBody() async throws -> JSON {
        let bytes = try await body()
        if bytes.allSatisfy({ $0 == 32 || $0 == 10 || $0 == 13 || $0 == 9 }) { return .null }
        do { return try JSON.parse(bytes) } catch { throw APIError.badRequest("error decoding DeleteOptions: \(error)") }
    }

    // MARK: Reads

    func selectors() throws -> (LabelSelector?, FieldSelector?) {
        var ls: LabelSelector?
        var fs: FieldSelector?
        if let s = query["labelSelector"], !s.isEmpty {
            do { ls = try LabelSelector(parsing: s) } catch { throw APIError.badRequest("\(error)") }
        }
        if let s = query["fieldSelector"], !s.isEmpty {
            // In the API's own field names (events.k8s.io says regarding.name for involvedObject.name).
            do { fs = try FieldSelector(parsing: s, kind: type.kind, group: type.group) } catch { throw APIError.badRequest("\(error)") }
        }
        return (ls, fs)
    }

    func list() throws -> Reply {
        let (ls, fs) = try selectors()
        let r = try registry.list(type, namespace: target.namespace, labelSelector: ls, fieldSelector: fs,
                                  limit: query.int("limit"), continueToken: query["continue"],
                                  resourceVersion: query["resourceVersion"])
        if Negotiation.wantsTable(request) {
            var table = TablePrinter.table(for: type.kind, objects: r.items, resourceVersion: r.resourceVersion,
                                           now: Date())
            if let c = r.continueToken { table["metadata"]["continue"] = .string(c) }
            return .object(table)
        }
        var meta: JSON = ["resourceVersion": .string(r.resourceVersion)]
        if let c = r.continueToken {
            meta["continue"] = .string(c)
            if let rem = r.remaining { meta["remainingItemCount"] = .int(Int64(rem)) }
        }
        return .object(["kind": .string(type.listKind), "apiVersion": .string(type.apiVersion), "metadata": meta,
                        "items": .array(r.items)])
    }

    /// One object or a list, as JSON or as a Table.
    func asRequested(_ objects: [JSON], single: Bool) throws -> Reply {
        if Negotiation.wantsTable(request) {
            return .object(TablePrinter.table(for: type.kind, objects: objects,
                                              resourceVersion: objects.first?.resourceVersion ?? "", now: Date()))
        }
        return .object(objects[0])
    }

    func watch() throws -> Reply {
        let (ls, fs) = try selectors()
        let rv = query["resourceVersion"] ?? ""
        let start: WatchStart
        if rv.isEmpty || rv == "0" {
            start = .initialState
        } else if let n = Int64(rv) {
            start = .after(n)
        } else {
            throw APIError.badRequest("resourceVersion: Invalid value: \"\(rv)\": must be a valid resource version")
        }
        let timeout = query.int("timeoutSeconds").map { TimeInterval($0) } ?? TimeInterval(Int.random(in: 1800...3600))
        let table = Negotiation.wantsTable(request)
        let contentType = table ? "application/json;as=Table;v=v1;g=meta.k8s.io" : "application/json"
        let ns = type.namespaced ? target.namespace : nil
        let kind = type.kind
        let resource = type
        let channel = context.channel
        let subscription: (events: AsyncStream<StoreEvent>, resourceVersion: Int64, stop: @Sendable () -> Void)
        do {
            subscription = try registry.store.watch(type.storageName, namespace: ns, from: start)
        } catch let e as StoreError {
            // Kubernetes answers 200 and sends the 410 as the stream's only event.
            let status = APIError.from(e, type).statusObject
            let line = WatchEncoding.line(type: "ERROR", object: status)
            return .streaming(contentType: contentType, body: ResponseBody(byteBuffer: ByteBuffer(bytes: line)))
        }
        let stop = subscription.stop
        channel.closeFuture.whenComplete { _ in stop() }
        let untrack = server.httpWatches.track(stop: stop)
        let filter = WatchFilter(labels: ls, fields: fs, kind: kind)
        let deadline = Date().addingTimeInterval(timeout)
        let body = ResponseBody { writer in
            let timer = Task {
                try? await Task.sleep(for: .seconds(max(0, deadline.timeIntervalSinceNow)))
                stop()
            }
            defer { timer.cancel(); stop(); untrack() }
            for await event in subscription.events {
                guard let (type, stored) = filter.translate(event) else { continue }
                let object = StorageConversion.toView(resource, stored)
                let payload = table
                    ? TablePrinter.table(for: kind, objects: [object], resourceVersion: object.resourceVersion ?? "",
                                         now: Date(), includeColumns: false)
                    : object
                try await writer.write(ByteBuffer(bytes: WatchEncoding.line(type: type, object: payload)))
            }
            try await writer.finish(nil)
        }
        return .streaming(contentType: contentType, body: body)
    }

    func deleteCollection() throws -> Reply {
        let (ls, fs) = try selectors()
        let options = try DeleteOptions(query: query, body: .null)
        let r = try registry.list(type, namespace: target.namespace, labelSelector: ls, fieldSelector: fs, limit: nil, continueToken: nil)
        var deleted: [JSON] = []
        for obj in r.items {
            if let (o, _) = try? registry.delete(type, namespace: obj.namespace, name: obj.name ?? "", options: options) {
                deleted.append(o)
            }
        }
        return .object(["kind": .string(type.listKind), "apiVersion": .string(type.apiVersion),
                        "metadata": ["resourceVersion": .string(String(registry.store.currentResourceVersion))],
                        "items": .array(deleted)])
    }

    // MARK: Subresources

    func handleSubresource(_ sub: String, method: String) async throws -> Reply {
        guard let name = target.name else { throw APIError.pageNotFound }
        switch (sub, method) {
        case ("status", "GET"):
            return .object(try registry.get(type, namespace: target.namespace, name: name))
        case ("status", "PUT"), ("scale", "PUT"), ("finalize", "PUT"):
            let decoded = try BodyCodec.decode(try await body(), contentType: contentType, kindHint: sub == "scale" ? "Scale" : type.kind)
            let r = try registry.update(type, namespace: target.namespace, name: name, subresource: sub,
                                        change: .replace(decoded), options: try writeOptions("UpdateOptions"))
            return .object(sub == "scale" ? Scale.from(r.object, type) : r.object)
        case ("status", "PATCH"), ("scale", "PATCH"):
            let r = try registry.update(type, namespace: target.namespace, name: name, subresource: sub,
                                        change: .patch(type: try patchType(), body: try await body()),
                                        options: try writeOptions("PatchOptions"))
            return .object(sub == "scale" ? Scale.from(r.object, type) : r.object)
        case ("scale", "GET"):
            return .object(Scale.from(try registry.get(type, namespace: target.namespace, name: name), type))
        case ("binding", "POST"):
            let binding = try BodyCodec.decode(try await body(), contentType: contentType, kindHint: "Binding").object
            try registry.bind(namespace: target.namespace ?? "", name: name, binding: binding)
            return .object(["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201], status: 201)
        case ("token", "POST"):
            let request = try BodyCodec.decode(try await body(), contentType: contentType, kindHint: "TokenRequest").object
            return .object(try registry.requestToken(namespace: target.namespace ?? "", serviceAccount: name, request: request), status: 201)
        case ("log", "GET"), ("exec", _), ("attach", _), ("portforward", _):
            let pod = try registry.get(type, namespace: target.namespace, name: name)
            guard let node = pod["spec"]["nodeName"].string, !node.isEmpty else {
                throw APIError.badRequest("pod \(name) does not have a host assigned")
            }
            guard let streams = server.podStreams else {
                throw APIError(code: 503, reason: "ServiceUnavailable",
                               message: "no node agent serves node \(node): container streams are unavailable")
            }
            if sub == "log" { return try ContainerStreams.logs(streams, pod: pod, query: query) }
            // An upgrade that reached this point was declined (or none was asked for): explain why the way the kubelet would.
            if let refusal = SPDYStreams.protocolRefusal(request, subresource: sub) { throw refusal }
            if sub == "portforward" {
                throw APIError.badRequest("Upgrade request required: port-forward is served over a WebSocket (SPDY/3.1+portforward.k8s.io) or SPDY/3.1 (portforward.k8s.io)")
            }
            if query.all("command").isEmpty && sub == "exec" { throw APIError.badRequest("you must specify at least 1 command") }
            if !["stdin", "stdout", "stderr"].contains(where: query.bool) {
                throw APIError.badRequest("you must specify at least 1 of stdin, stdout, stderr")
            }
            do {
                try streams.checkRunning(pod: pod, container: query["container"])
                throw APIError.badRequest("Upgrade request required")
            } catch let e as PodStreamError {
                throw APIError(code: e.code, reason: e.code == 400 ? "BadRequest" : "InternalError", message: e.description)
            }
        default:
            throw APIError.methodNotAllowed
        }
    }
}

/// Accept header decisions.
enum Negotiation {
    static func wantsTable(_ request: Request) -> Bool {
        let accept = request.headers[.accept] ?? ""
        return accept.contains("as=Table")
    }

    /// Whether some type in `Accept` is one the server answers in, decided as Kubernetes' router decides it (exact
    /// types, parameters ignored, `*/*`). Kubernetes would answer protobuf too; this server never does.
    static func checkAcceptable(_ request: Request) throws {
        guard let accept = request.headers[.accept], !accept.isEmpty else { return }
        let types = accept.split(separator: ",").map {
            ($0.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        }
        if types.contains(where: { ["application/json", "application/yaml", "*/*"].contains($0) }) { return }
        if types.contains("application/vnd.kubernetes.protobuf") {
            throw APIError(code: 406, reason: "NotAcceptable",
                           message: "only the following media types are accepted: application/json, application/yaml")
        }
        throw APIError.notAcceptable
    }
}

/// Newline-delimited watch events.
enum WatchEncoding {
    static func line(type: String, object: JSON) -> [UInt8] {
        var out: [UInt8] = Array("{\"type\":\"\(type)\",\"object\":".utf8)
        object.appendSerialized(to: &out)
        out.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "\n")])
        return out
    }
}

/// Applies a watch's selectors to store events, turning "entered the selection" into ADDED and "left it" into
/// DELETED as the Kubernetes watch cache does.
struct WatchFilter: Sendable {
    let labels: LabelSelector?
    let fields: FieldSelector?
    let kind: String

    func matches(_ obj: JSON) -> Bool {
        if let labels, !labels.matches(obj.labels) { return false }
        if let fields, !fields.matches(obj, kind: kind) { return false }
        return true
    }

    func translate(_ e: StoreEvent) -> (String, JSON)? {
        let now = e.type != .deleted && matches(e.object)
        let before = e.previous.map(matches) ?? false
        switch e.type {
        case .added: return now ? ("ADDED", e.object) : nil
        case .deleted: return (before || matches(e.object)) ? ("DELETED", e.object) : nil
        case .modified:
            if now && before { return ("MODIFIED", e.object) }
            if now { return ("ADDED", e.object) }
            if before { return ("DELETED", e.object) }
            return nil
        }
    }
}
