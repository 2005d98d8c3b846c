import NIOCore
import Testing

@testable import NATSWire

@Suite("ServerOpEncoder")
struct ServerOpEncoderTests {
    private func message(subject: String, sid: String, reply: String?, payload: String) -> String {
        var buffer = ByteBuffer()
        var subject = subject
        var sid = sid
        var payload = payload
        subject.withUTF8 { subjectBytes in
            sid.withUTF8 { sidBytes in
                payload.withUTF8 { payloadBytes in
                    if var reply {
                        reply.withUTF8 { replyBytes in
                            buffer.writeMessage(
                                subject: .init(subjectBytes), sid: .init(sidBytes), reply: .init(replyBytes), payload: .init(payloadBytes))
                        }
                    } else {
                        buffer.writeMessage(subject: .init(subjectBytes), sid: .init(sidBytes), reply: nil, payload: .init(payloadBytes))
                    }
                }
            }
        }
        return String(buffer: buffer)
    }

    @Test("MSG lines")
    func messages() {
        #expect(message(subject: "foo", sid: "1", reply: nil, payload: "hello") == "MSG foo 1 5\r\nhello\r\n")
        #expect(message(subject: "foo.bar", sid: "22", reply: "_INBOX.x", payload: "") == "MSG foo.bar 22 _INBOX.x 0\r\n\r\n")
        let big = String(repeating: "x", count: 1_234_567)
        #expect(message(subject: "a", sid: "9", reply: nil, payload: big) == "MSG a 9 1234567\r\n\(big)\r\n")
    }

    @Test("HMSG lines")
    func headerMessages() {
        var buffer = ByteBuffer()
        let payload = Array("NATS/1.0\r\nA: b\r\n\r\nbody".utf8)
        payload.withUnsafeBytes { payloadBytes in
            Array("s.t".utf8).withUnsafeBytes { subject in
                Array("7".utf8).withUnsafeBytes { sid in
                    buffer.writeHeaderMessage(subject: subject, sid: sid, reply: nil, headerLength: 18, payload: payloadBytes)
                }
            }
        }
        #expect(String(buffer: buffer) == "HMSG s.t 7 18 22\r\nNATS/1.0\r\nA: b\r\n\r\nbody\r\n")
    }

    @Test("control operations")
    func control() {
        var buffer = ByteBuffer()
        buffer.writePing()
        buffer.writePong()
        buffer.writeOK()
        buffer.writeError("Unknown Protocol Operation")
        buffer.writeInfo(json: "{\"a\":1}")
        #expect(String(buffer: buffer) == "PING\r\nPONG\r\n+OK\r\n-ERR 'Unknown Protocol Operation'\r\nINFO {\"a\":1} \r\n")
    }

    @Test("decimal digit counts at every power of ten")
    func digits() {
        for power in 0..<18 {
            var value = 1
            for _ in 0..<power { value *= 10 }
            #expect(ByteBuffer.decimalDigitCount(value) == power + 1)
            #expect(ByteBuffer.decimalDigitCount(value - 1) == max(1, power))
        }
    }
}
