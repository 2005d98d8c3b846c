import MQTTWire
import NIOCore
import Testing

/// The MQTT 3.1.1 parser: every packet whole, byte by byte and split at every offset; every
/// malformed form the specification names.
@Suite("MQTT packets")
struct MQTTParserTests {
    static func bytes(_ packet: MQTTPacket) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeMQTTPacket(packet)
        return Array(buffer.readableBytesView)
    }

    /// Parses `bytes` fed in `chunks` pieces of the given sizes; every packet found.
    static func parse(_ bytes: [UInt8], splitAt offsets: [Int] = [], maximum: Int = 1 << 20) throws(MQTTParseError) -> [MQTTPacket] {
        var parser = MQTTParser(maximumPacketSize: maximum)
        var packets: [MQTTPacket] = []
        var start = 0
        for end in offsets + [bytes.count] where end >= start {
            parser.append(ByteBuffer(bytes: bytes[start..<end]))
            while let packet = try parser.next() { packets.append(packet) }
            start = end
        }
        return packets
    }

    static let samples: [MQTTPacket] = [
        .connect(
            MQTTConnect(
                cleanSession: false, keepAlive: 30, clientID: "sensor-1",
                will: MQTTWill(topic: "status/sensor-1", payload: Array("gone".utf8), qos: .atLeastOnce, retain: true),
                username: "user", password: Array("pässword".utf8))),
        .connect(MQTTConnect(clientID: "")),
        .connect(MQTTConnect(protocolName: "MQIsdp", protocolLevel: 3, clientID: "old")),
        .connack(sessionPresent: true, returnCode: 0),
        .publish(MQTTPublish(topic: "a/b", payload: ByteBuffer(string: "hello"))),
        .publish(MQTTPublish(topic: "a/b", qos: .exactlyOnce, retain: true, dup: true, packetID: 7, payload: ByteBuffer())),
        .publish(MQTTPublish(topic: "€/°", qos: .atLeastOnce, packetID: 65535, payload: ByteBuffer(repeating: 0xAB, count: 300))),
        .puback(packetID: 1), .pubrec(packetID: 2), .pubrel(packetID: 3), .pubcomp(packetID: 4),
        .subscribe(packetID: 9, subscriptions: [.init(filter: "a/+/c", qos: .atLeastOnce), .init(filter: "#", qos: .exactlyOnce)]),
        .suback(packetID: 9, returnCodes: [1, 0x80]),
        .unsubscribe(packetID: 10, filters: ["a/+/c", "x/#"]),
        .unsuback(packetID: 10), .pingreq, .pingresp, .disconnect,
    ]

    @Test("every packet whole, byte by byte, and split at every offset")
    func roundTrips() throws {
        let stream = Self.samples.flatMap(Self.bytes)
        #expect(try Self.parse(stream) == Self.samples)
        #expect(try Self.parse(stream, splitAt: Array(1..<stream.count)) == Self.samples)
        for offset in 1..<stream.count {
            #expect(try Self.parse(stream, splitAt: [offset]) == Self.samples, "split at \(offset)")
        }
    }

    @Test("remaining lengths of one to four bytes")
    func remainingLengths() throws {
        for size in [0, 127 - 5, 128, 16_383, 16_384, 2_097_151, 2_097_152] {
            let packet = MQTTPacket.publish(MQTTPublish(topic: "t", payload: ByteBuffer(repeating: 1, count: size)))
            #expect(try Self.parse(Self.bytes(packet), maximum: 1 << 24) == [packet], "payload \(size)")
        }
        // Five length bytes.
        #expect(throws: MQTTParseError.self) { try Self.parse([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]) }
    }

    @Test("a packet over the maximum is refused from its fixed header, before its body")
    func maximumSize() throws {
        let packet = Self.bytes(.publish(MQTTPublish(topic: "t", payload: ByteBuffer(repeating: 1, count: 1000))))
        do {
            _ = try Self.parse(Array(packet.prefix(3)), maximum: 999)
            Issue.record("accepted")
        } catch {
            #expect(error.kind == .packetTooLarge)
        }
        #expect(try Self.parse(packet, maximum: 1003).count == 1)
    }

    /// Each form breaks one rule of MQTT 3.1.1 (the section in the comment).
    static let malformed: [(String, [UInt8], String)] = [
        ("reserved type 0 (2.2.1)", [0x00, 0x00], "reserved packet type 0"),
        ("reserved type 15 (2.2.1)", [0xF0, 0x00], "reserved packet type 15"),
        ("PINGREQ with flags (2.2.2)", [0xC1, 0x00], "pingreq with flags 1 (must be 0)"),
        ("SUBSCRIBE with flags 0 (3.8.1)", [0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00], "subscribe with flags 0 (must be 2)"),
        ("PUBREL with flags 0 (3.6.1)", [0x60, 0x02, 0x00, 0x01], "pubrel with flags 0 (must be 2)"),
        ("PUBLISH QoS 3 (3.3.1-4)", [0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01], "PUBLISH with QoS 3"),
        ("PUBLISH DUP at QoS 0 (3.3.1-2)", [0x38, 0x03, 0x00, 0x01, 0x61], "PUBLISH with DUP set at QoS 0"),
        ("PUBLISH with + in its topic (3.3.2-2)", [0x30, 0x03, 0x00, 0x01, 0x2B], "wildcard in topic name \"+\""),
        ("PUBLISH with # in its topic (3.3.2-2)", [0x30, 0x05, 0x00, 0x03, 0x61, 0x2F, 0x23], "wildcard in topic name \"a/#\""),
        ("PUBLISH with an empty topic (4.7.3-1)", [0x30, 0x02, 0x00, 0x00], "empty topic name"),
        ("PUBLISH QoS 1 with packet id 0 (2.3.1-1)", [0x32, 0x05, 0x00, 0x01, 0x61, 0x00, 0x00], "publish with packet identifier 0"),
        ("topic with U+0000 (1.5.3-2)", [0x30, 0x04, 0x00, 0x02, 0x61, 0x00], "topic name contains U+0000"),
        ("topic with an encoded surrogate (1.5.3-1)", [0x30, 0x05, 0x00, 0x03, 0xED, 0xA0, 0x80], "topic name is not valid UTF-8"),
        ("topic with invalid UTF-8 (1.5.3-1)", [0x30, 0x04, 0x00, 0x02, 0xC3, 0x28], "topic name is not valid UTF-8"),
        ("topic length past the packet", [0x30, 0x03, 0x00, 0x05, 0x61], "topic name runs past the packet"),
        ("SUBSCRIBE without filters (3.8.3-3)", [0x82, 0x02, 0x00, 0x01], "SUBSCRIBE without a topic filter"),
        ("SUBSCRIBE with an empty filter (4.7.3-1)", [0x82, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00], "empty topic filter"),
        ("SUBSCRIBE with QoS 3 (3.8.3-4)", [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x03], "SUBSCRIBE with QoS 3"),
        (
            "SUBSCRIBE with reserved QoS bits (3.8.3-4)", [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x04],
            "SUBSCRIBE with reserved bits set in the QoS byte"
        ),
        ("SUBSCRIBE with a# (4.7.1-2)", [0x82, 0x07, 0x00, 0x01, 0x00, 0x02, 0x61, 0x23, 0x00], "misplaced # in topic filter \"a#\""),
        (
            "SUBSCRIBE with #/a (4.7.1-2)", [0x82, 0x08, 0x00, 0x01, 0x00, 0x03, 0x23, 0x2F, 0x61, 0x00],
            "misplaced # in topic filter \"#/a\""
        ),
        (
            "SUBSCRIBE with a+ (4.7.1-3)", [0x82, 0x07, 0x00, 0x01, 0x00, 0x02, 0x61, 0x2B, 0x00],
            "+ not alone in its level in topic filter \"a+\""
        ),
        ("SUBSCRIBE with packet id 0", [0x82, 0x06, 0x00, 0x00, 0x00, 0x01, 0x61, 0x00], "subscribe with packet identifier 0"),
        ("UNSUBSCRIBE without filters (3.10.3-2)", [0xA2, 0x02, 0x00, 0x01], "UNSUBSCRIBE without a topic filter"),
        ("PUBACK of 3 bytes", [0x40, 0x03, 0x00, 0x01, 0x00], "puback must be 2 bytes"),
        ("DISCONNECT with a body", [0xE0, 0x01, 0x00], "disconnect must have no body"),
        (
            "CONNECT with the reserved flag (3.1.2-3)",
            [0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x03, 0x00, 0x3C, 0x00, 0x01, 0x63],
            "CONNECT with the reserved flag set"
        ),
        (
            "CONNECT with will QoS but no will (3.1.2-13)",
            [0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x0A, 0x00, 0x3C, 0x00, 0x01, 0x63],
            "CONNECT with will QoS or retain but no will"
        ),
        (
            "CONNECT with a password and no user name (3.1.2-22)",
            [0x10, 0x10, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x42, 0x00, 0x3C, 0x00, 0x01, 0x63, 0x00, 0x01, 0x70],
            "CONNECT with a password but no user name"
        ),
        (
            "CONNECT with bytes after its last field",
            [0x10, 0x0E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x63, 0x00],
            "connect has 1 bytes after its last field"
        ),
        (
            "CONNECT with a will topic holding a wildcard",
            [0x10, 0x12, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x06, 0x00, 0x3C, 0x00, 0x00, 0x00, 0x01, 0x23, 0x00, 0x01, 0x78],
            "wildcard in topic name \"#\""
        ),
    ]

    @Test("malformed packets are refused", arguments: Self.malformed)
    func refused(_ sample: (String, [UInt8], String)) {
        do {
            _ = try Self.parse(sample.1)
            Issue.record("\(sample.0): accepted")
        } catch {
            #expect(error.reason == sample.2, "\(sample.0)")
        }
    }

    @Test("a CONNECT of another protocol level is read as far as its level (return code 1 follows)")
    func otherLevels() throws {
        // MQTT 5: properties after the keepalive, which a 3.1.1 reader does not know.
        let five: [UInt8] = [0x10, 0x0E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x00, 0x00, 0x01, 0x63]
        let packets = try Self.parse(five)
        guard case .connect(let connect) = packets.first else {
            Issue.record("\(packets)")
            return
        }
        #expect(connect.protocolLevel == 5 && !connect.isSupportedLevel)
    }

    @Test("a PUBLISH payload is a slice of the read, not a copy, and may be empty")
    func publishPayload() throws {
        let packet = MQTTPacket.publish(MQTTPublish(topic: "a", qos: .atLeastOnce, packetID: 1, payload: ByteBuffer()))
        #expect(try Self.parse(Self.bytes(packet)) == [packet])
    }
}
