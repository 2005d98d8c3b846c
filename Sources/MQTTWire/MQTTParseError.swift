/// Why a packet was refused. MQTT 3.1.1 answers almost every one of these by closing the
/// network connection (section 4.8: "the Server MUST close the Network Connection"); the text
/// is for the log.
public struct MQTTParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The bytes do not form a packet (reserved bits, lengths, a truncated field).
        case malformed
        /// Well formed, but a rule of the specification is broken (a wildcard in a PUBLISH
        /// topic, QoS 3, a packet type that is reserved).
        case protocolViolation
        /// The remaining length is over the listener's maximum packet size.
        case packetTooLarge
    }

    public var kind: Kind
    public var reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { reason }

    @inline(never)
    static func malformed(_ reason: String) -> MQTTParseError { MQTTParseError(.malformed, reason) }

    @inline(never)
    static func violation(_ reason: String) -> MQTTParseError { MQTTParseError(.protocolViolation, reason) }
}
