import NIOCore

/// MQTT's quality of service levels.
public enum MQTTQoS: UInt8, Sendable, Comparable {
    case atMostOnce = 0
    case atLeastOnce = 1
    case exactlyOnce = 2

    public static func < (lhs: MQTTQoS, rhs: MQTTQoS) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The control packet types of MQTT 3.1.1 (section 2.2.1); 0 and 15 are reserved.
public enum MQTTPacketType: UInt8, Sendable {
    case connect = 1
    case connack = 2
    case publish = 3
    case puback = 4
    case pubrec = 5
    case pubrel = 6
    case pubcomp = 7
    case subscribe = 8
    case suback = 9
    case unsubscribe = 10
    case unsuback = 11
    case pingreq = 12
    case pingresp = 13
    case disconnect = 14
}

/// A will message, published by the server when the connection ends without DISCONNECT.
public struct MQTTWill: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: MQTTQoS
    public var retain: Bool

    public init(topic: String, payload: [UInt8], qos: MQTTQoS, retain: Bool) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
    }
}

/// CONNECT (section 3.1). With a protocol level the server does not speak, only `protocolName`
/// and `protocolLevel` are read: the server answers return code 1 and closes.
public struct MQTTConnect: Sendable, Equatable {
    public var protocolName: String
    /// 4 for MQTT 3.1.1, 3 for MQTT 3.1 ("MQIsdp"), 5 for MQTT 5.
    public var protocolLevel: UInt8
    public var cleanSession: Bool
    /// Seconds; 0 turns keepalive off.
    public var keepAlive: UInt16
    public var clientID: String
    public var will: MQTTWill?
    public var username: String?
    public var password: [UInt8]?

    public init(
        protocolName: String = "MQTT", protocolLevel: UInt8 = 4, cleanSession: Bool = true, keepAlive: UInt16 = 60,
        clientID: String = "", will: MQTTWill? = nil, username: String? = nil, password: [UInt8]? = nil
    ) {
        self.protocolName = protocolName
        self.protocolLevel = protocolLevel
        self.cleanSession = cleanSession
        self.keepAlive = keepAlive
        self.clientID = clientID
        self.will = will
        self.username = username
        self.password = password
    }

    /// Whether the level is one this parser reads in full (3.1 and 3.1.1).
    public var isSupportedLevel: Bool {
        (protocolLevel == 4 && protocolName == "MQTT") || (protocolLevel == 3 && protocolName == "MQIsdp")
    }
}

/// CONNACK return codes of MQTT 3.1.1 (section 3.2.2.3).
public enum MQTTConnectReturnCode: UInt8, Sendable {
    case accepted = 0
    case unacceptableProtocolVersion = 1
    case identifierRejected = 2
    case serverUnavailable = 3
    case badUsernameOrPassword = 4
    case notAuthorized = 5
}

/// PUBLISH (section 3.3). `packetID` is nil for QoS 0.
public struct MQTTPublish: Sendable, Equatable {
    public var topic: String
    public var qos: MQTTQoS
    public var retain: Bool
    public var dup: Bool
    public var packetID: UInt16?
    public var payload: ByteBuffer

    public init(
        topic: String, qos: MQTTQoS = .atMostOnce, retain: Bool = false, dup: Bool = false, packetID: UInt16? = nil, payload: ByteBuffer
    ) {
        self.topic = topic
        self.qos = qos
        self.retain = retain
        self.dup = dup
        self.packetID = packetID
        self.payload = payload
    }
}

/// One topic filter of a SUBSCRIBE with the QoS asked for.
public struct MQTTSubscription: Sendable, Equatable {
    public var filter: String
    public var qos: MQTTQoS

    public init(filter: String, qos: MQTTQoS) {
        self.filter = filter
        self.qos = qos
    }
}

/// SUBACK return codes: the QoS granted, or 0x80 for a refused filter (section 3.9.3).
public enum MQTTSubscribeReturnCode: Sendable, Equatable {
    case granted(MQTTQoS)
    case failure

    public var byte: UInt8 {
        switch self {
        case .granted(let qos): qos.rawValue
        case .failure: 0x80
        }
    }
}

/// Every MQTT 3.1.1 control packet, in either direction.
public enum MQTTPacket: Sendable, Equatable {
    case connect(MQTTConnect)
    case connack(sessionPresent: Bool, returnCode: UInt8)
    case publish(MQTTPublish)
    case puback(packetID: UInt16)
    case pubrec(packetID: UInt16)
    case pubrel(packetID: UInt16)
    case pubcomp(packetID: UInt16)
    case subscribe(packetID: UInt16, subscriptions: [MQTTSubscription])
    case suback(packetID: UInt16, returnCodes: [UInt8])
    case unsubscribe(packetID: UInt16, filters: [String])
    case unsuback(packetID: UInt16)
    case pingreq
    case pingresp
    case disconnect

    public var type: MQTTPacketType {
        switch self {
        case .connect: .connect
        case .connack: .connack
        case .publish: .publish
        case .puback: .puback
        case .pubrec: .pubrec
        case .pubrel: .pubrel
        case .pubcomp: .pubcomp
        case .subscribe: .subscribe
        case .suback: .suback
        case .unsubscribe: .unsubscribe
        case .unsuback: .unsuback
        case .pingreq: .pingreq
        case .pingresp: .pingresp
        case .disconnect: .disconnect
        }
    }
}
