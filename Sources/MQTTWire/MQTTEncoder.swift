import NIOCore

/// Writing MQTT 3.1.1 control packets (both directions: the server's, and the client's for
/// `outpost bench mqtt` and tests).
extension ByteBuffer {
    /// Writes `packet`.
    public mutating func writeMQTTPacket(_ packet: MQTTPacket) {
        switch packet {
        case .connect(let connect): writeMQTTConnect(connect)
        case .connack(let sessionPresent, let returnCode):
            writeFixedHeader(.connack, flags: 0, remainingLength: 2)
            writeInteger(sessionPresent ? 1 : 0, as: UInt8.self)
            writeInteger(returnCode)
        case .publish(let publish):
            writeMQTTPublish(
                topic: publish.topic, qos: publish.qos, retain: publish.retain, dup: publish.dup, packetID: publish.packetID,
                payload: publish.payload.readableBytesView)
        case .puback(let id): writeAcknowledgement(.puback, flags: 0, id)
        case .pubrec(let id): writeAcknowledgement(.pubrec, flags: 0, id)
        case .pubrel(let id): writeAcknowledgement(.pubrel, flags: 0b0010, id)
        case .pubcomp(let id): writeAcknowledgement(.pubcomp, flags: 0, id)
        case .unsuback(let id): writeAcknowledgement(.unsuback, flags: 0, id)
        case .subscribe(let packetID, let subscriptions):
            let length = 2 + subscriptions.reduce(0) { $0 + 2 + $1.filter.utf8.count + 1 }
            writeFixedHeader(.subscribe, flags: 0b0010, remainingLength: length)
            writeInteger(packetID)
            for subscription in subscriptions {
                writeMQTTString(subscription.filter)
                writeInteger(subscription.qos.rawValue)
            }
        case .suback(let packetID, let returnCodes):
            writeFixedHeader(.suback, flags: 0, remainingLength: 2 + returnCodes.count)
            writeInteger(packetID)
            writeBytes(returnCodes)
        case .unsubscribe(let packetID, let filters):
            writeFixedHeader(.unsubscribe, flags: 0b0010, remainingLength: 2 + filters.reduce(0) { $0 + 2 + $1.utf8.count })
            writeInteger(packetID)
            for filter in filters { writeMQTTString(filter) }
        case .pingreq: writeFixedHeader(.pingreq, flags: 0, remainingLength: 0)
        case .pingresp: writeFixedHeader(.pingresp, flags: 0, remainingLength: 0)
        case .disconnect: writeFixedHeader(.disconnect, flags: 0, remainingLength: 0)
        }
    }

    /// A PUBLISH from its parts (the server writes deliveries without building a packet value).
    public mutating func writeMQTTPublish<Payload: Collection<UInt8>>(
        topic: String, qos: MQTTQoS, retain: Bool, dup: Bool, packetID: UInt16?, payload: Payload
    ) {
        let flags = (dup ? 0x08 : 0) | (qos.rawValue << 1) | (retain ? 0x01 : 0)
        let length = 2 + topic.utf8.count + (qos == .atMostOnce ? 0 : 2) + payload.count
        writeFixedHeader(.publish, flags: flags, remainingLength: length)
        writeMQTTString(topic)
        if qos != .atMostOnce { writeInteger(packetID ?? 0) }
        writeBytes(payload)
    }

    private mutating func writeMQTTConnect(_ connect: MQTTConnect) {
        var flags: UInt8 = connect.cleanSession ? 0x02 : 0
        var length = 2 + connect.protocolName.utf8.count + 1 + 1 + 2 + 2 + connect.clientID.utf8.count
        if let will = connect.will {
            flags |= 0x04 | (will.qos.rawValue << 3) | (will.retain ? 0x20 : 0)
            length += 2 + will.topic.utf8.count + 2 + will.payload.count
        }
        if let username = connect.username {
            flags |= 0x80
            length += 2 + username.utf8.count
        }
        if let password = connect.password {
            flags |= 0x40
            length += 2 + password.count
        }
        writeFixedHeader(.connect, flags: 0, remainingLength: length)
        writeMQTTString(connect.protocolName)
        writeInteger(connect.protocolLevel)
        writeInteger(flags)
        writeInteger(connect.keepAlive)
        writeMQTTString(connect.clientID)
        if let will = connect.will {
            writeMQTTString(will.topic)
            writeInteger(UInt16(will.payload.count))
            writeBytes(will.payload)
        }
        if let username = connect.username { writeMQTTString(username) }
        if let password = connect.password {
            writeInteger(UInt16(password.count))
            writeBytes(password)
        }
    }

    private mutating func writeAcknowledgement(_ type: MQTTPacketType, flags: UInt8, _ packetID: UInt16) {
        writeFixedHeader(type, flags: flags, remainingLength: 2)
        writeInteger(packetID)
    }

    /// The type and flags byte, then the remaining length in seven-bit groups.
    private mutating func writeFixedHeader(_ type: MQTTPacketType, flags: UInt8, remainingLength: Int) {
        writeInteger(type.rawValue << 4 | flags)
        var length = remainingLength
        repeat {
            var byte = UInt8(length % 128)
            length /= 128
            if length > 0 { byte |= 0x80 }
            writeInteger(byte)
        } while length > 0
    }

    private mutating func writeMQTTString(_ text: String) {
        writeInteger(UInt16(text.utf8.count))
        writeString(text)
    }
}
