import ClusterPKI
import Foundation
import HTTPTypes
import Hummingbird
import KubeAPI
import KubeStore
import NIOCore
import NIOSSL

/// Per-request context: Hummingbird's, plus the connection, whose TLS session carries the client certificate.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    public var maxUploadSize: Int { BodyCodec.maxBodyBytes }
}

/// What a handler answers before it is put on the wire.
enum Reply {
    case object(JSON, status: Int = 200, warnings: [String] = [])
    case raw([UInt8], contentType: String, status: Int = 200)
    case streaming(contentType: String, body: ResponseBody)
}

/// The HTTP face of the API: authentication, routing, content negotiation and Status errors.
struct HTTPHandler: HTTPResponder {
    typealias Context = APIRequestContext
    let server: KubeAPIServer

    func respond(to request: Request, context: APIRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        let route = Route.parse(request.uri.path)
        let response: Response
        do {
            if !Self.isPublic(route) {
                guard let user = await server.authenticator.authenticate(
                    channel: context.channel, authorization: request.headers[.authorization]) else { throw APIError.unauthorized }
                try Authorizer.check(user, Self.attributes(route, request))
            }
            response = try await render(dispatch(route, request, context), request: request)
        } catch let e as APIError {
            response = Self.response(for: e)
        } catch {
            response = Self.response(for: APIError.internalError("\(error)"))
        }
        let elapsed = ContinuousClock.now - started
        let (verb, resource) = Self.metricLabels(route, request)
        APIMetrics.observe(verb: verb, resource: resource, code: response.status.code, duration: elapsed)
        return response
    }

    /// Kubernetes' request verbs (get/list/watch/create/update/patch/delete) and the resource, for metrics.
    static func metricLabels(_ route: Route, _ request: Request) -> (String, String) {
        guard case .resource(let r) = route else { return (request.method.rawValue, "") }
        let resource = r.subresource.map { "\(r.type.plural)/\($0)" } ?? r.type.plural
        switch request.method.rawValue {
        case "GET":
            if r.name != nil { return ("GET", resource) }
            return (Query(request.uri.query).bool("watch") ? "WATCH" : "LIST", resource)
        case "DELETE": return (r.name == nil ? "DELETECOLLECTION" : "DELETE", resource)
        case "POST": return ("POST", resource)
        default: return (request.method.rawValue, resource)
        }
    }

    /// Paths Kubernetes shows to anyone (system:public-info-viewer).
    static func isPublic(_ route: Route) -> Bool {
        switch route {
        case .version, .health: return true
        default: return false
        }
    }

    /// What the request asks to do, for the authorizer.
    static func attributes(_ route: Route, _ request: Request) -> RequestAttributes {
        var resource: ResourceRequest?
        if case .resource(let r) = route { resource = r }
        var verb = Authorizer.verb(method: request.method.rawValue, resource: resource, watch: Query(request.uri.query).bool("watch"))
        // Streams are authorized as creating the subresource, whatever the upgrade's HTTP method.
        if let sub = resource?.subresource, ["exec", "attach", "portforward"].contains(sub) { verb = "create" }
        return RequestAttributes(verb: verb, resource: resource, path: request.uri.path)
    }

    func dispatch(_ route: Route, _ request: Request, _ context: APIRequestContext) async throws -> Reply {
        let method = request.method.rawValue
        switch route {
        case .version:
            return .object(server.versionInfo)
        case .health(let what):
            guard method == "GET" || method == "HEAD" else { throw APIError.methodNotAllowed }
            let query = Query(request.uri.query)
            guard let body = Health.body(path: what, verbose: query["verbose"] != nil) else { throw APIError.pageNotFound }
            return .raw(Array(body.utf8), contentType: "text/plain; charset=utf-8")
        case .metrics:
            return .raw(Array(MetricsBackend.render().utf8), contentType: "text/plain; version=0.0.4; charset=utf-8")
        case .coreVersions:
            if let version = Self.aggregatedVersion(request) {
                return .raw(Discovery.aggregated(core: true, version: version).serialized(),
                            contentType: Discovery.aggregatedContentType(version))
            }
            return .object(Discovery.coreVersions(serverAddress: server.advertisedAddress))
        case .groups:
            if let version = Self.aggregatedVersion(request) {
                return .raw(Discovery.aggregated(core: false, version: version).serialized(),
                            contentType: Discovery.aggregatedContentType(version))
            }
            return .object(Discovery.groupList())
        case .groupVersion(let group, let version):
            guard let list = Discovery.resourceList(group: group, version: version) else { throw APIError.pageNotFound }
            return .object(list)
        case .openAPIV3Index:
            return .object(OpenAPI.index)
        case .openAPIV3(let path):
            guard let doc = OpenAPI.documents[path] else { throw APIError.pageNotFound }
            return .object(doc)
        case .openAPIV2:
            if (request.headers[.accept] ?? "").contains("protobuf") {
                return .raw(OpenAPI.v2Protobuf(), contentType: OpenAPI.v2ProtobufContentType)
            }
            return .object(OpenAPI.v2JSON())
        case .openIDConfiguration:
            return .object(ServiceAccountIssuerDiscovery.configuration(issuer: server.registry.tokenSigner.issuer,
                                                                       serverAddress: server.advertisedAddress))
        case .openIDKeys:
            return .raw(ServiceAccountIssuerDiscovery.keySet(server.registry.tokenSigner), contentType: "application/jwk-set+json")
        case .unknown:
            throw APIError.pageNotFound
        case .resource(let r):
            return try await ResourceHandler(server: server, request: request, context: context, target: r).handle()
        }
    }

    /// The aggregated discovery version the client accepts ("v2", or "v2beta1" for kubectl up to 1.29), if any.
    static func aggregatedVersion(_ request: Request) -> String? {
        let accept = request.headers[.accept] ?? ""
        guard accept.contains("as=APIGroupDiscoveryList") else { return nil }
        for part in accept.split(separator: ",") where part.contains("as=APIGroupDiscoveryList") {
            let params = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            if params.contains("v=v2") { return "v2" }
            if params.contains("v=v2beta1") { return "v2beta1" }
        }
        return nil
    }

    /// Encodes a reply: objects become JSON (or a Table when the client asked for one and the handler made it).
    func render(_ reply: Reply, request: Request) throws -> Response {
        switch reply {
        case .object(let obj, let status, let warnings):
            var headers: HTTPFields = [.contentType: "application/json"]
            for w in warnings { headers.append(HTTPField(name: .warning, value: "299 - \"\(w.replacingOccurrences(of: "\"", with: "\\\""))\"")) }
            return Response(status: .init(code: status), headers: headers,
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: obj.serialized())))
        case .raw(let bytes, let contentType, let status):
            return Response(status: .init(code: status), headers: [.contentType: contentType],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        case .streaming(let contentType, let body):
            return Response(status: .ok, headers: [.contentType: contentType, .cacheControl: "no-cache, private"], body: body)
        }
    }

    static func response(for error: APIError) -> Response {
        Response(status: .init(code: error.code), headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: error.statusObject.serialized())))
    }
}

extension HTTPField.Name {
    static let warning = HTTPField.Name("Warning")!
}
