/// One SPDY/3 frame, with header blocks already decompressed. Stream IDs and deltas are 31-bit values.
public enum SPDYFrame: Equatable, Sendable {
    case synStream(streamID: UInt32, associatedToStreamID: UInt32, priority: UInt8, slot: UInt8, flags: UInt8,
                   headers: [String: String])
    case synReply(streamID: UInt32, flags: UInt8, headers: [String: String])
    case rstStream(streamID: UInt32, status: UInt32)
    case settings(flags: UInt8, entries: [SPDYSetting])
    case ping(id: UInt32)
    case goAway(lastGoodStreamID: UInt32, status: UInt32)
    case headers(streamID: UInt32, flags: UInt8, headers: [String: String])
    case windowUpdate(streamID: UInt32, deltaWindowSize: UInt32)
    case data(streamID: UInt32, flags: UInt8, payload: [UInt8])
    /// A control frame type this codec does not know; SPDY says to ignore those.
    case unknownControl(type: UInt16, flags: UInt8, payload: [UInt8])

    public static let version: UInt16 = 3
    /// FLAG_FIN on data, SYN_STREAM, SYN_REPLY and HEADERS: the sender will send nothing more on the stream.
    public static let flagFin: UInt8 = 0x01
    public static let flagUnidirectional: UInt8 = 0x02

    enum ControlType: UInt16 {
        case synStream = 1, synReply = 2, rstStream = 3, settings = 4, ping = 6, goAway = 7, headers = 8,
             windowUpdate = 9
    }
}

public struct SPDYSetting: Equatable, Sendable {
    public var flags: UInt8
    public var id: UInt32  // 24 bits
    public var value: UInt32
    public init(flags: UInt8 = 0, id: UInt32, value: UInt32) { self.flags = flags; self.id = id; self.value = value }
}

/// RST_STREAM status codes (draft 3, section 2.4.2).
public enum SPDYStreamStatus {
    public static let protocolError: UInt32 = 1
    public static let invalidStream: UInt32 = 2
    public static let refusedStream: UInt32 = 3
    public static let cancel: UInt32 = 5
    public static let internalError: UInt32 = 6
}
