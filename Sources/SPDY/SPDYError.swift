/// Failures of the SPDY framing layer; each names the frame or operation it concerns.
public enum SPDYError: Error, Equatable, CustomStringConvertible {
    case unsupportedVersion(UInt16)
    case malformedFrame(String)
    case malformedHeaderBlock(String)
    case compression(String)
    case headerBlockTooLarge(Int)

    public var description: String {
        switch self {
        case .unsupportedVersion(let v): return "spdy: unsupported control frame version \(v) (want 3)"
        case .malformedFrame(let what): return "spdy: malformed frame: \(what)"
        case .malformedHeaderBlock(let what): return "spdy: malformed header block: \(what)"
        case .compression(let what): return "spdy: header compression: \(what)"
        case .headerBlockTooLarge(let n): return "spdy: header block larger than \(n) bytes"
        }
    }
}
