import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// How to reach registries.
public struct PullOptions: Sendable {
    /// Registries (`host:port`) spoken to over plain HTTP. Loopback registries (localhost, 127.0.0.0/8, [::1])
    /// always are, as Docker treats them as insecure by default.
    public var insecureRegistries: Set<String>
    /// Seconds without progress before a request fails.
    public var timeout: TimeInterval

    public init(insecureRegistries: Set<String> = [], timeout: TimeInterval = 60) {
        self.insecureRegistries = insecureRegistries
        self.timeout = timeout
    }
}

/// The OCI distribution API v2 for one repository: manifests, blobs, and the Bearer-token dance.
final class RegistryClient: @unchecked Sendable {
    let ref: ImageReference
    let base: String
    let options: PullOptions
    private let session: URLSession
    private let tokenLock = NSLock()
    private var token: String?

    static let manifestAccept = [MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerList, MediaType.dockerManifest]
        .joined(separator: ", ")

    init(ref: ImageReference, options: PullOptions) {
        self.ref = ref
        self.options = options
        // Docker Hub's API lives on another host than its name.
        let host = ref.domain == ImageReference.dockerHub ? "registry-1.docker.io" : ref.domain
        let scheme = Self.isPlainHTTP(ref.domain, options) ? "http" : "https"
        base = "\(scheme)://\(host)/v2/\(ref.path)"
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = options.timeout
        session = URLSession(configuration: config)
    }

    deinit { session.finishTasksAndInvalidate() }

    static func isPlainHTTP(_ domain: String, _ options: PullOptions) -> Bool {
        if options.insecureRegistries.contains(domain) { return true }
        var host = domain
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":") {
            host = String(host[..<colon])
        }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    // MARK: Manifests

    /// HEAD of a manifest: its digest, when the registry says (saves a download when we already have it).
    func manifestDigest(_ reference: String) async throws -> String? {
        let (_, resp) = try await send(method: "HEAD", url: "\(base)/manifests/\(reference)", accept: Self.manifestAccept)
        guard (200..<300).contains(resp.statusCode) else { return nil }
        return resp.value(forHTTPHeaderField: "Docker-Content-Digest").flatMap { Digest.isValid($0) ? $0 : nil }
    }

    /// GET of a manifest or index: its bytes and media type (from Content-Type, or the body).
    func manifest(_ reference: String) async throws -> (data: Data, mediaType: String?) {
        let url = "\(base)/manifests/\(reference)"
        let (data, resp) = try await send(method: "GET", url: url, accept: Self.manifestAccept)
        try check(resp, data, step: "manifest")
        guard data.count <= 4 << 20 else { throw ImageStoreError(.registry, "manifest \(reference): larger than 4 MiB") }
        var type = resp.value(forHTTPHeaderField: "Content-Type")?.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        if type == nil || type == "application/json" || type == "text/plain" {
            type = (try? JSONDecoder().decode(ManifestProbe.self, from: data))?.mediaType
        }
        return (data, type)
    }

    // MARK: Blobs

    /// Streams a blob to `path`, hashing on the way; throws `.digestMismatch` (and deletes the file) when the
    /// bytes are not what the digest says.
    func downloadBlob(_ digest: String, to path: String, onBytes: @escaping @Sendable (Int64) -> Void) async throws {
        let url = "\(base)/blobs/\(digest)"
        var result = try await fetchToFile(url: url, path: path, onBytes: onBytes)
        if result.status == 401, let challenge = result.challenge {
            try await authenticate(challenge)
            result = try await fetchToFile(url: url, path: path, onBytes: onBytes)
        }
        guard (200..<300).contains(result.status) else {
            unlink(path)
            throw httpError(status: result.status, body: result.body, step: "blob \(digest)")
        }
        guard result.digest == digest else {
            unlink(path)
            throw ImageStoreError(.digestMismatch, "blob \(digest): digest mismatch (downloaded content hashes to \(result.digest))")
        }
    }

    private func fetchToFile(url: String, path: String, onBytes: @escaping @Sendable (Int64) -> Void) async throws -> BlobDownload.Outcome {
        guard let u = URL(string: url) else { throw ImageStoreError(.invalidReference, "bad URL \(url)") }
        var req = URLRequest(url: u)
        if let t = currentToken() { req.setValue("Bearer \(t)", forHTTPHeaderField: "Authorization") }
        let download = try BlobDownload(path: path, onBytes: onBytes)
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = options.timeout
        let s = URLSession(configuration: config, delegate: download, delegateQueue: nil)
        defer { s.finishTasksAndInvalidate() }
        do {
            return try await download.run(s.dataTask(with: req))
        } catch let e as ImageStoreError {
            throw e
        } catch {
            throw ImageStoreError(.network, "GET \(url): \(error.localizedDescription)")
        }
    }

    // MARK: Requests and auth

    /// One request; on a 401 with a Bearer challenge, gets a token and retries once.
    private func send(method: String, url: String, accept: String?) async throws -> (Data, HTTPURLResponse) {
        func once() async throws -> (Data, HTTPURLResponse) {
            guard let u = URL(string: url) else { throw ImageStoreError(.invalidReference, "bad URL \(url)") }
            var req = URLRequest(url: u)
            req.httpMethod = method
            if let accept { req.setValue(accept, forHTTPHeaderField: "Accept") }
            if let t = currentToken() { req.setValue("Bearer \(t)", forHTTPHeaderField: "Authorization") }
            do {
                let (data, resp) = try await session.data(for: req)
                guard let http = resp as? HTTPURLResponse else { throw ImageStoreError(.network, "\(method) \(url): not an HTTP response") }
                return (data, http)
            } catch let e as ImageStoreError {
                throw e
            } catch {
                throw ImageStoreError(.network, "\(method) \(url): \(error.localizedDescription)")
            }
        }
        let first = try await once()
        guard first.1.statusCode == 401, let challenge = first.1.value(forHTTPHeaderField: "WWW-Authenticate") else { return first }
        try await authenticate(challenge)
        return try await once()
    }

    private func currentToken() -> String? {
        tokenLock.lock()
        defer { tokenLock.unlock() }
        return token
    }

    /// `Bearer realm="…",service="…",scope="…"` → GET realm?service=…&scope=… → `{"token": …}`.
    func authenticate(_ challenge: String) async throws {
        let (scheme, params) = Self.parseChallenge(challenge)
        guard scheme.lowercased() == "bearer", let realm = params["realm"], var comps = URLComponents(string: realm) else {
            throw ImageStoreError(.unauthorized, "the registry asks for \(scheme) authentication, and swiftlet has no credentials for \(ref.domain)")
        }
        var query = comps.queryItems ?? []
        if let service = params["service"] { query.append(URLQueryItem(name: "service", value: service)) }
        query.append(URLQueryItem(name: "scope", value: params["scope"] ?? "repository:\(ref.path):pull"))
        comps.queryItems = query
        guard let url = comps.url else { throw ImageStoreError(.unauthorized, "bad token realm \(realm)") }
        let data: Data
        let resp: URLResponse
        do { (data, resp) = try await session.data(for: URLRequest(url: url)) } catch {
            throw ImageStoreError(.network, "GET token \(url): \(error.localizedDescription)")
        }
        guard let http = resp as? HTTPURLResponse, (200..<300).contains(http.statusCode) else {
            let status = (resp as? HTTPURLResponse)?.statusCode ?? 0
            throw ImageStoreError(.unauthorized, "token request to \(realm) failed (\(status))")
        }
        struct TokenResponse: Decodable { var token: String?; var access_token: String? }
        guard let t = try? JSONDecoder().decode(TokenResponse.self, from: data), let value = t.token ?? t.access_token else {
            throw ImageStoreError(.unauthorized, "token response from \(realm) has no token")
        }
        tokenLock.withLock { token = value }
    }

    /// Splits `Scheme k="v",k2=v2` honouring quotes (scopes contain commas: `repository:x:pull,push`).
    static func parseChallenge(_ header: String) -> (String, [String: String]) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else { return (trimmed, [:]) }
        let scheme = String(trimmed[..<space])
        var params: [String: String] = [:]
        var rest = trimmed[trimmed.index(after: space)...]
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let eq = rest.firstIndex(of: "=") else { break }
            let key = rest[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: eq)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let c = rest.first, c != "\"" {
                    if c == "\\", rest.count > 1 { rest = rest.dropFirst() }
                    value.append(rest.first!)
                    rest = rest.dropFirst()
                }
                rest = rest.dropFirst()
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = String(rest[..<end]).trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            params[key] = value
        }
        return (scheme, params)
    }

    private func check(_ resp: HTTPURLResponse, _ body: Data, step: String) throws {
        guard !(200..<300).contains(resp.statusCode) else { return }
        throw httpError(status: resp.statusCode, body: body, step: step)
    }

    /// The registry's own error message when it sent one (`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`),
    /// with the status: `manifest unknown (404)`.
    func httpError(status: Int, body: Data, step: String) -> ImageStoreError {
        struct Errors: Decodable {
            struct E: Decodable { var code: String?; var message: String? }
            var errors: [E]?
        }
        let messages = (try? JSONDecoder().decode(Errors.self, from: body))?.errors?.compactMap { $0.message ?? $0.code } ?? []
        let kind: ImageStoreError.Kind
        let fallback: String
        switch status {
        case 404: kind = .notFound; fallback = "\(step) not found"
        case 401, 403: kind = .unauthorized; fallback = "\(step): access denied"
        default: kind = .registry; fallback = "\(step): registry error"
        }
        let text = messages.isEmpty ? fallback : messages.joined(separator: "; ")
        return ImageStoreError(kind, "\(text) (\(status))")
    }
}

/// URLSession delegate for one blob: writes the body to a file as it arrives, hashing and counting.
final class BlobDownload: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    struct Outcome {
        var status: Int
        var digest: String
        var body: Data
        var challenge: String?
    }

    private let fd: Int32
    private let path: String
    private let onBytes: @Sendable (Int64) -> Void
    private var hasher = DigestStream()
    private var status = 0
    private var challenge: String?
    private var errorBody = Data()
    private var writeError: ImageStoreError?
    private var continuation: CheckedContinuation<Outcome, Error>?
    private let lock = NSLock()

    init(path: String, onBytes: @escaping @Sendable (Int64) -> Void) throws {
        self.path = path
        self.onBytes = onBytes
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ImageStoreError.sys("open", path) }
    }

    deinit { close(fd) }

    func run(_ task: URLSessionDataTask) async throws -> Outcome {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Outcome, Error>) in
                lock.lock()
                continuation = c
                lock.unlock()
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        let http = response as? HTTPURLResponse
        lock.lock()
        status = http?.statusCode ?? 0
        challenge = http?.value(forHTTPHeaderField: "WWW-Authenticate")
        lock.unlock()
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.lock()
        defer { lock.unlock() }
        guard (200..<300).contains(status) else {
            if errorBody.count < 65536 { errorBody.append(data) }
            return
        }
        guard writeError == nil else { return }
        data.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = write(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    writeError = ImageStoreError.sys("write", path)
                    dataTask.cancel()
                    return
                }
                off += n
            }
            hasher.update(buf)
        }
        let count = hasher.count
        onBytes(count)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.lock()
        let c = continuation
        continuation = nil
        let outcome = Outcome(status: status, digest: hasher.finalize(), body: errorBody, challenge: challenge)
        let failure: Error? = writeError ?? error
        lock.unlock()
        if let failure { c?.resume(throwing: failure) } else { c?.resume(returning: outcome) }
    }
}
