import NIOCore

/// Reads MQTT 3.1.1 control packets from a byte stream: `append` each read, then `next` until
/// it returns nil. Every rule of the specification that a packet's bytes can break is checked
/// here (reserved bits, lengths, UTF-8, wildcards where none may be), so a session only sees
/// packets that are well formed; what to do with a well-formed packet that comes at the wrong
/// time (a second CONNECT) is the session's business.
///
/// The size limit is checked as soon as the fixed header is read: an oversized packet is
/// refused before its body arrives.
public struct MQTTParser: Sendable {
    /// The largest remaining length accepted (the listener's maximum packet size); MQTT's own
    /// limit is 268,435,455 (four length bytes).
    public let maximumPacketSize: Int
    private var buffer: ByteBuffer

    public init(maximumPacketSize: Int = 268_435_455) {
        self.maximumPacketSize = maximumPacketSize
        buffer = ByteBuffer()
    }

    public mutating func append(_ bytes: ByteBuffer) {
        if buffer.readableBytes == 0 {
            buffer = bytes
        } else {
            var bytes = bytes
            buffer.writeBuffer(&bytes)
        }
    }

    /// Bytes received and not yet returned as a packet.
    public var bufferedBytes: Int { buffer.readableBytes }

    /// The next complete packet, or nil until more bytes arrive.
    public mutating func next() throws(MQTTParseError) -> MQTTPacket? {
        guard let header = try fixedHeader() else { return nil }
        guard buffer.readableBytes >= header.headerLength + header.remainingLength else { return nil }
        buffer.moveReaderIndex(forwardBy: header.headerLength)
        var body = buffer.readSlice(length: header.remainingLength)!
        if buffer.readableBytes == 0 { buffer.clear() }
        let packet = try Self.decode(type: header.type, flags: header.flags, body: &body)
        guard body.readableBytes == 0 else { throw .malformed("\(header.type) has \(body.readableBytes) bytes after its last field") }
        return packet
    }

    private struct FixedHeader {
        var type: MQTTPacketType
        var flags: UInt8
        var remainingLength: Int
        var headerLength: Int
    }

    /// The first byte and the remaining length (one to four bytes, seven bits each).
    private func fixedHeader() throws(MQTTParseError) -> FixedHeader? {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        guard let type = MQTTPacketType(rawValue: first >> 4) else {
            throw .violation("reserved packet type \(first >> 4)")
        }
        var length = 0
        var multiplier = 1
        var index = 1
        while true {
            guard let byte = buffer.getInteger(at: buffer.readerIndex + index, as: UInt8.self) else { return nil }
            length += Int(byte & 0x7F) * multiplier
            index += 1
            if byte & 0x80 == 0 { break }
            guard index < 5 else { throw .malformed("remaining length longer than four bytes") }
            multiplier *= 128
        }
        guard length <= maximumPacketSize else {
            throw MQTTParseError(.packetTooLarge, "packet of \(length) bytes is over the maximum of \(maximumPacketSize)")
        }
        return FixedHeader(type: type, flags: first & 0x0F, remainingLength: length, headerLength: index)
    }

    // MARK: - Packets

    private static func decode(type: MQTTPacketType, flags: UInt8, body: inout ByteBuffer) throws(MQTTParseError) -> MQTTPacket {
        // Section 2.2.2: PUBLISH has flags of its own; PUBREL, SUBSCRIBE and UNSUBSCRIBE must
        // carry 0010; every other packet 0000.
        switch type {
        case .publish: break
        case .pubrel, .subscribe, .unsubscribe:
            guard flags == 0b0010 else { throw .malformed("\(type) with flags \(flags) (must be 2)") }
        default:
            guard flags == 0 else { throw .malformed("\(type) with flags \(flags) (must be 0)") }
        }
        switch type {
        case .connect: return .connect(try connect(&body))
        case .connack:
            guard body.readableBytes == 2, let acknowledge = body.readInteger(as: UInt8.self), let code = body.readInteger(as: UInt8.self)
            else { throw .malformed("CONNACK must be 2 bytes") }
            guard acknowledge & 0xFE == 0 else { throw .malformed("CONNACK with reserved flags set") }
            return .connack(sessionPresent: acknowledge == 1, returnCode: code)
        case .publish: return .publish(try publish(flags: flags, &body))
        case .puback: return .puback(packetID: try packetIDOnly(type, &body))
        case .pubrec: return .pubrec(packetID: try packetIDOnly(type, &body))
        case .pubrel: return .pubrel(packetID: try packetIDOnly(type, &body))
        case .pubcomp: return .pubcomp(packetID: try packetIDOnly(type, &body))
        case .unsuback: return .unsuback(packetID: try packetIDOnly(type, &body))
        case .subscribe:
            let packetID = try packetID(type, &body)
            var subscriptions: [MQTTSubscription] = []
            while body.readableBytes > 0 {
                let filter = try string(&body, "topic filter")
                try MQTTTopicRules.checkFilter(filter)
                guard let options = body.readInteger(as: UInt8.self) else { throw .malformed("SUBSCRIBE filter without its QoS byte") }
                guard options & 0xFC == 0 else { throw .malformed("SUBSCRIBE with reserved bits set in the QoS byte") }
                guard let qos = MQTTQoS(rawValue: options) else { throw .malformed("SUBSCRIBE with QoS 3") }
                subscriptions.append(MQTTSubscription(filter: filter, qos: qos))
            }
            guard !subscriptions.isEmpty else { throw .violation("SUBSCRIBE without a topic filter") }
            return .subscribe(packetID: packetID, subscriptions: subscriptions)
        case .suback:
            let packetID = try packetID(type, &body)
            let codes = body.readBytes(length: body.readableBytes) ?? []
            return .suback(packetID: packetID, returnCodes: codes)
        case .unsubscribe:
            let packetID = try packetID(type, &body)
            var filters: [String] = []
            while body.readableBytes > 0 {
                let filter = try string(&body, "topic filter")
                try MQTTTopicRules.checkFilter(filter)
                filters.append(filter)
            }
            guard !filters.isEmpty else { throw .violation("UNSUBSCRIBE without a topic filter") }
            return .unsubscribe(packetID: packetID, filters: filters)
        case .pingreq, .pingresp, .disconnect:
            guard body.readableBytes == 0 else { throw .malformed("\(type) must have no body") }
            return type == .pingreq ? .pingreq : type == .pingresp ? .pingresp : .disconnect
        }
    }

    private static func connect(_ body: inout ByteBuffer) throws(MQTTParseError) -> MQTTConnect {
        var connect = MQTTConnect()
        connect.protocolName = try string(&body, "protocol name")
        guard let level = body.readInteger(as: UInt8.self) else { throw .malformed("CONNECT without a protocol level") }
        connect.protocolLevel = level
        // Another protocol level (MQTT 5 has properties here): the server answers return code
        // 1 without reading further (section 3.1.2.2).
        guard connect.isSupportedLevel else {
            body.moveReaderIndex(to: body.writerIndex)
            return connect
        }
        guard let flags = body.readInteger(as: UInt8.self), let keepAlive = body.readInteger(as: UInt16.self) else {
            throw .malformed("CONNECT too short for its flags and keepalive")
        }
        guard flags & 0x01 == 0 else { throw .malformed("CONNECT with the reserved flag set") }
        connect.cleanSession = flags & 0x02 != 0
        connect.keepAlive = keepAlive
        let hasWill = flags & 0x04 != 0
        let willQoSBits = (flags >> 3) & 0x03
        let willRetain = flags & 0x20 != 0
        let hasPassword = flags & 0x40 != 0
        let hasUsername = flags & 0x80 != 0
        if !hasWill && (willQoSBits != 0 || willRetain) { throw .malformed("CONNECT with will QoS or retain but no will") }
        guard let willQoS = MQTTQoS(rawValue: willQoSBits) else { throw .malformed("CONNECT with will QoS 3") }
        if hasPassword && !hasUsername && connect.protocolLevel == 4 {
            throw .malformed("CONNECT with a password but no user name")
        }
        connect.clientID = try string(&body, "client identifier")
        if hasWill {
            let topic = try string(&body, "will topic")
            try MQTTTopicRules.checkTopicName(topic)
            let payload = try binary(&body, "will message")
            connect.will = MQTTWill(topic: topic, payload: payload, qos: willQoS, retain: willRetain)
        }
        if hasUsername { connect.username = try string(&body, "user name") }
        if hasPassword { connect.password = try binary(&body, "password") }
        return connect
    }

    private static func publish(flags: UInt8, _ body: inout ByteBuffer) throws(MQTTParseError) -> MQTTPublish {
        guard let qos = MQTTQoS(rawValue: (flags >> 1) & 0x03) else { throw .malformed("PUBLISH with QoS 3") }
        let dup = flags & 0x08 != 0
        if dup && qos == .atMostOnce { throw .malformed("PUBLISH with DUP set at QoS 0") }
        let topic = try string(&body, "topic name")
        try MQTTTopicRules.checkTopicName(topic)
        var packetID: UInt16?
        if qos != .atMostOnce { packetID = try Self.packetID(.publish, &body) }
        let payload = body.readSlice(length: body.readableBytes)!
        return MQTTPublish(topic: topic, qos: qos, retain: flags & 0x01 != 0, dup: dup, packetID: packetID, payload: payload)
    }

    // MARK: - Fields

    /// A packet identifier; 0 is not one (section 2.3.1).
    private static func packetID(_ type: MQTTPacketType, _ body: inout ByteBuffer) throws(MQTTParseError) -> UInt16 {
        guard let id = body.readInteger(as: UInt16.self) else { throw .malformed("\(type) without its packet identifier") }
        guard id != 0 else { throw .malformed("\(type) with packet identifier 0") }
        return id
    }

    private static func packetIDOnly(_ type: MQTTPacketType, _ body: inout ByteBuffer) throws(MQTTParseError) -> UInt16 {
        guard body.readableBytes == 2 else { throw .malformed("\(type) must be 2 bytes") }
        return try packetID(type, &body)
    }

    /// A UTF-8 string with its two-byte length: well formed, no U+0000 (section 1.5.3;
    /// encoded surrogates are not well-formed UTF-8 and fail the same check).
    static func string(_ body: inout ByteBuffer, _ what: String) throws(MQTTParseError) -> String {
        let bytes = try binary(&body, what)
        guard !bytes.contains(0) else { throw .malformed("\(what) contains U+0000") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformed("\(what) is not valid UTF-8") }
        return text
    }

    private static func binary(_ body: inout ByteBuffer, _ what: String) throws(MQTTParseError) -> [UInt8] {
        guard let length = body.readInteger(as: UInt16.self) else { throw .malformed("\(what) missing") }
        guard let bytes = body.readBytes(length: Int(length)) else { throw .malformed("\(what) runs past the packet") }
        return bytes
    }
}

/// Where MQTT allows wildcards (section 4.7).
public enum MQTTTopicRules {
    /// A topic name (PUBLISH, will): at least one character, no `+` or `#`.
    public static func checkTopicName(_ topic: String) throws(MQTTParseError) {
        guard !topic.isEmpty else { throw .violation("empty topic name") }
        guard !topic.utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") }) else {
            throw .violation("wildcard in topic name \"\(topic)\"")
        }
    }

    /// A topic filter: at least one character; `+` fills a whole level; `#` fills the last one.
    public static func checkFilter(_ filter: String) throws(MQTTParseError) {
        guard !filter.isEmpty else { throw .violation("empty topic filter") }
        let levels = filter.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        for (index, level) in levels.enumerated() {
            if level.contains(UInt8(ascii: "#")) {
                guard level.count == 1, index == levels.count - 1 else { throw .violation("misplaced # in topic filter \"\(filter)\"") }
            }
            if level.contains(UInt8(ascii: "+")) {
                guard level.count == 1 else { throw .violation("+ not alone in its level in topic filter \"\(filter)\"") }
            }
        }
    }
}
