import Foundation

/// An image reference normalised as Docker does: `nginx` → `docker.io/library/nginx:latest`,
/// `bprashanth/nginxhttps:1.0` → `docker.io/bprashanth/nginxhttps:1.0`, `localhost:5000/x` keeps its registry,
/// `name@sha256:…` keeps its digest (and gets no `:latest`).
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    /// Registry host (and port): `docker.io`, `localhost:5000`, `127.0.0.1:5000`, `quay.io`.
    public let domain: String
    /// Repository path within the registry: `library/nginx`, `bprashanth/nginxhttps`.
    public let path: String
    /// The tag, if any (`latest` is filled in when neither tag nor digest was given).
    public let tag: String?
    /// `sha256:…`, if the reference pins a manifest.
    public let digest: String?

    public static let dockerHub = "docker.io"

    /// `docker.io/library/nginx`: the name without tag or digest.
    public var repository: String { "\(domain)/\(path)" }

    /// The fully normalised reference: `docker.io/library/nginx:latest`, `docker.io/library/nginx@sha256:…`.
    public var description: String {
        var s = repository
        if let tag { s += ":" + tag }
        if let digest { s += "@" + digest }
        return s
    }

    /// The short form Docker prints: `nginx:latest`, `bprashanth/nginxhttps:1.0`, `localhost:5000/x:1`.
    public var familiar: String {
        var s = repository
        if domain == Self.dockerHub {
            s = path.hasPrefix("library/") ? String(path.dropFirst("library/".count)) : path
        }
        if let tag { s += ":" + tag }
        if let digest { s += "@" + digest }
        return s
    }

    /// `repository:tag` when there is a tag (the name an image is listed under).
    var taggedName: String? { tag.map { "\(repository):\($0)" } }
    /// `repository@digest` when there is a digest.
    var digestedName: String? { digest.map { "\(repository)@\($0)" } }

    public init(domain: String, path: String, tag: String?, digest: String?) {
        self.domain = domain
        self.path = path
        self.tag = tag
        self.digest = digest
    }

    /// Parses and normalises; throws `.invalidReference` with Docker's wording.
    public init(parsing input: String) throws {
        func invalid(_ why: String = "invalid reference format") -> ImageStoreError {
            ImageStoreError(.invalidReference, "\(why): \(input)")
        }
        guard !input.isEmpty else { throw invalid() }
        var rest = Substring(input)
        var digest: String?
        if let at = rest.firstIndex(of: "@") {
            let d = String(rest[rest.index(after: at)...])
            guard Digest.isValid(d) else { throw invalid("invalid reference format: invalid digest") }
            digest = d
            rest = rest[..<at]
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            let t = String(rest[rest.index(after: colon)...])
            guard Self.isValidTag(t) else { throw invalid() }
            tag = t
            rest = rest[..<colon]
        }
        var name = String(rest)
        guard !name.isEmpty else { throw invalid() }
        // A bare 64-hex name is an image ID, never a repository (Docker refuses it for the same reason).
        if digest == nil, tag == nil, name.count == 64, name.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) {
            throw invalid("invalid repository name (\(name)), cannot specify 64-byte hexadecimal strings")
        }

        var domain = Self.dockerHub
        if let slash = name.firstIndex(of: "/") {
            let first = name[..<slash]
            if first.contains(".") || first.contains(":") || first == "localhost" || first.contains(where: \.isUppercase) {
                domain = String(first)
                name = String(name[name.index(after: slash)...])
            }
        }
        if domain == "index.docker.io" { domain = Self.dockerHub }
        guard Self.isValidDomain(domain) else { throw invalid() }
        if domain == Self.dockerHub && !name.contains("/") { name = "library/" + name }
        if name.contains(where: \.isUppercase) {
            throw invalid("invalid reference format: repository name (\(name)) must be lowercase")
        }
        guard name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy(Self.isValidPathComponent)
        else { throw invalid() }
        guard domain.count + 1 + name.count <= 255 else { throw invalid("invalid reference format: repository name must not be more than 255 characters") }
        if tag == nil && digest == nil { tag = "latest" }
        self.init(domain: domain, path: name, tag: tag, digest: digest)
    }

    /// `[\w][\w.-]{0,127}`
    static func isValidTag(_ t: String) -> Bool {
        let u = Array(t.utf8)
        guard !u.isEmpty, u.count <= 128 else { return false }
        func word(_ c: UInt8) -> Bool { isAlnum(c) || c == UInt8(ascii: "_") }
        return word(u[0]) && u.dropFirst().allSatisfy { word($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
    static func isValidPathComponent<S: StringProtocol>(_ c: S) -> Bool {
        let u = Array(c.utf8)
        guard let first = u.first, let last = u.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        var i = 0
        while i < u.count {
            if isLowerAlnum(u[i]) { i += 1; continue }
            // A separator run: ".", "_", "__" or one or more "-".
            var j = i
            while j < u.count && !isLowerAlnum(u[j]) { j += 1 }
            let sep = u[i..<j]
            let ok = sep.elementsEqual([UInt8(ascii: ".")]) || sep.elementsEqual([UInt8(ascii: "_")])
                || sep.elementsEqual([UInt8(ascii: "_"), UInt8(ascii: "_")]) || sep.allSatisfy { $0 == UInt8(ascii: "-") }
            if !ok { return false }
            i = j
        }
        return true
    }

    /// host[:port], where host is DNS labels, an IPv4 address, or `[IPv6]`.
    static func isValidDomain(_ d: String) -> Bool {
        var host = Substring(d)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let inside = host[host.index(after: host.startIndex)..<close]
            guard !inside.isEmpty, inside.allSatisfy({ $0.isHexDigit || $0 == ":" }) else { return false }
            host = host[host.index(after: close)...]
            if host.isEmpty { return true }
            guard host.first == ":" else { return false }
            let port = host.dropFirst()
            return !port.isEmpty && port.allSatisfy(\.isNumber)
        }
        if let colon = host.lastIndex(of: ":") {
            let port = host[host.index(after: colon)...]
            guard !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
            host = host[..<colon]
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return !labels.isEmpty && labels.allSatisfy { label in
            let u = Array(label.utf8)
            guard let f = u.first, let l = u.last, isAlnum(f), isAlnum(l) else { return false }
            return u.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
        }
    }

    private static func isLowerAlnum(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }

    private static func isAlnum(_ c: UInt8) -> Bool {
        isLowerAlnum(c) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
    }
}

extension ImageReference {
    /// Normalises `input`, or nil when it does not parse.
    public static func normalize(_ input: String) -> String? {
        (try? ImageReference(parsing: input))?.description
    }
}
