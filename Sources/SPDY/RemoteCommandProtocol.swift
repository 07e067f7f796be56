import Foundation

/// The stream protocols of `kubectl exec` / `kubectl attach` over a direct SPDY/3.1 connection, named by the
/// `X-Stream-Protocol-Version` header. They differ only in what the error stream carries and whether a
/// terminal can be resized:
/// - `channel.k8s.io` (v1) and `v2.channel.k8s.io`: error text, no resize stream;
/// - `v3.channel.k8s.io`: error text, resize stream;
/// - `v4.channel.k8s.io`: a metav1.Status as JSON (so the exit code reaches kubectl), resize stream.
/// kubectl 1.32 also offers `v5.channel.k8s.io`; like the kubelet, only the WebSocket transport serves v5, so over
/// SPDY the negotiation settles on v4.
public enum RemoteCommandProtocol: String, Sendable, CaseIterable {
    case v4 = "v4.channel.k8s.io"
    case v3 = "v3.channel.k8s.io"
    case v2 = "v2.channel.k8s.io"
    case v1 = "channel.k8s.io"

    public var supportsResize: Bool { self == .v4 || self == .v3 }
    public var writesStatusJSON: Bool { self == .v4 }

    /// The first protocol the client offers that is served here (the client lists them in its order of
    /// preference), or nil. `offered` is every value of the header; each may itself be a comma-separated list.
    public static func negotiate(_ offered: [String]) -> RemoteCommandProtocol? {
        StreamProtocolNegotiation.split(offered).lazy.compactMap(RemoteCommandProtocol.init(rawValue:)).first
    }
}

/// The port-forward protocol over SPDY (the only version there is).
public enum PortForwardProtocol {
    public static let v1 = "portforward.k8s.io"
}

/// The `X-Stream-Protocol-Version` handshake of a SPDY upgrade, shared by exec/attach and port-forward.
public enum StreamProtocolNegotiation {
    public static let header = "X-Stream-Protocol-Version"

    /// Header values split at commas, trimmed, empty ones dropped.
    public static func split(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Why a SPDY upgrade offering `offered` cannot be served with `served`, in the words (and HTTP code) the
    /// kubelet uses; nil when a protocol is agreed. kubectl prints the message after "unable to upgrade connection".
    public static func refusal(offered: [String], served: [String]) -> (code: Int, message: String)? {
        let client = split(offered)
        if client.isEmpty { return (400, "unable to upgrade: \(header) is required") }
        if client.contains(where: served.contains) { return nil }
        return (403, "unable to upgrade: unable to negotiate protocol: client supports \(goList(client)), server accepts \(goList(served))")
    }

    /// A string list as Go's %v prints it: [a b c].
    static func goList(_ items: [String]) -> String { "[" + items.joined(separator: " ") + "]" }
}
