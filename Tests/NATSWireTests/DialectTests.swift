import NIOCore
import Testing

@testable import NATSWire

/// The server-to-client and leafnode dialects, whole and split at every offset.
@Suite("ProtocolParser, server and leafnode dialects")
struct DialectTests {
    static let serverOperations: [(input: String, expected: [String])] = [
        ("MSG foo 1 5\r\nhello\r\n", ["MSG foo 1 - - [hello]"]),
        ("MSG foo.bar 22 _INBOX.x 2\r\nhi\r\n", ["MSG foo.bar 22 _INBOX.x - [hi]"]),
        ("HMSG foo 7 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", ["MSG foo 7 - 12 [NATS/1.0\r\n\r\nhi]"]),
        ("HMSG foo 7 r.1 12 12\r\nNATS/1.0\r\n\r\n\r\n", ["MSG foo 7 r.1 12 [NATS/1.0\r\n\r\n]"]),
        ("INFO {\"server_id\":\"x\"} \r\n", ["INFO {\"server_id\":\"x\"} "]),
        ("PING\r\nPONG\r\n+OK\r\n-ERR 'Stale Connection'\r\n", ["PING", "PONG", "+OK", "-ERR 'Stale Connection'"]),
    ]

    static let leafOperations: [(input: String, expected: [String])] = [
        ("LS+ foo\r\n", ["LS+ foo - 1"]),
        ("LS+ foo workers 3\r\n", ["LS+ foo workers 3"]),
        ("LS- foo\r\nLS- foo workers\r\n", ["LS- foo -", "LS- foo workers"]),
        ("LMSG foo 2\r\nhi\r\n", ["LMSG foo - [] - [hi]"]),
        ("LMSG foo _INBOX.a 2\r\nhi\r\n", ["LMSG foo _INBOX.a [] - [hi]"]),
        ("LMSG foo + _INBOX.a q1 q2 2\r\nhi\r\n", ["LMSG foo _INBOX.a [\"q1\", \"q2\"] - [hi]"]),
        ("LMSG foo | q1 2\r\nhi\r\n", ["LMSG foo - [\"q1\"] - [hi]"]),
        ("HMSG foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", ["LMSG foo - [] 12 [NATS/1.0\r\n\r\nhi]"]),
        ("HMSG foo + r q 12 12\r\nNATS/1.0\r\n\r\n\r\n", ["LMSG foo r [\"q\"] 12 [NATS/1.0\r\n\r\n]"]),
        ("CONNECT {\"name\":\"leaf\"}\r\nINFO {}\r\n", ["CONNECT {\"name\":\"leaf\"}", "INFO {}"]),
    ]

    @Test("server dialect", arguments: 0..<serverOperations.count)
    func server(index: Int) {
        check(Self.serverOperations[index], dialect: .server)
    }

    @Test("leafnode dialect", arguments: 0..<leafOperations.count)
    func leaf(index: Int) {
        check(Self.leafOperations[index], dialect: .leaf)
    }

    private func check(_ operation: (input: String, expected: [String]), dialect: ProtocolDialect) {
        let bytes = Array(operation.input.utf8)
        let whole = parse([bytes], dialect: dialect)
        #expect(whole.error == nil)
        #expect(whole.ops == operation.expected)
        for offset in 1..<bytes.count {
            let split = parse([Array(bytes[..<offset]), Array(bytes[offset...])], dialect: dialect)
            #expect(split.ops == operation.expected, "split at \(offset)")
        }
    }

    @Test("what the leafnode encoder writes is nats-server's wire form and parses back")
    func leafEncoder() {
        func encoded(
            subject: String, reply: String?, suffix: String? = nil, queues: [String], headerLength: Int?, payload: String
        ) -> String {
            var buffer = ByteBuffer()
            let subjectBytes = Array(subject.utf8)
            let payloadBytes = Array(payload.utf8)
            let replyBytes = reply.map { Array($0.utf8) }
            let suffixBytes = suffix.map { Array($0.utf8) }
            func withBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
                guard let bytes else { return body(nil) }
                return bytes.withUnsafeBytes { body($0) }
            }
            subjectBytes.withUnsafeBytes { subjectPointer in
                payloadBytes.withUnsafeBytes { payloadPointer in
                    withBytes(replyBytes) { replyPointer in
                        withBytes(suffixBytes) { suffixPointer in
                            buffer.writeLeafMessage(
                                subject: subjectPointer, reply: replyPointer, replySuffix: suffixPointer, queues: queues,
                                headerLength: headerLength, payload: payloadPointer)
                        }
                    }
                }
            }
            return String(buffer: buffer)
        }
        let cases: [(String, [String])] = [
            (encoded(subject: "foo", reply: nil, queues: [], headerLength: nil, payload: "hi"), ["LMSG foo - [] - [hi]"]),
            (encoded(subject: "foo", reply: "r.1", queues: [], headerLength: nil, payload: ""), ["LMSG foo r.1 [] - []"]),
            (
                encoded(subject: "q", reply: nil, queues: ["g1", "g2"], headerLength: nil, payload: "x"),
                ["LMSG q - [\"g1\", \"g2\"] - [x]"]
            ),
            (
                encoded(subject: "q", reply: "r", queues: ["g"], headerLength: 12, payload: "NATS/1.0\r\n\r\nhi"),
                ["LMSG q r [\"g\"] 12 [NATS/1.0\r\n\r\nhi]"]
            ),
            (
                encoded(subject: "$JS.S.x", reply: "$JS.ACK.S.c.1.1.1.0.0", suffix: "@s.1", queues: [], headerLength: nil, payload: "one"),
                ["LMSG $JS.S.x $JS.ACK.S.c.1.1.1.0.0@s.1 [] - [one]"]
            ),
        ]
        #expect(cases[0].0 == "LMSG foo 2\r\nhi\r\n")
        #expect(cases[2].0 == "LMSG q | g1 g2 1\r\nx\r\n")
        #expect(cases[3].0 == "HMSG q + r g 12 14\r\nNATS/1.0\r\n\r\nhi\r\n")
        for (wire, expected) in cases {
            #expect(parse(wire, dialect: .leaf).ops == expected, "\(wire)")
        }
        var interest = ByteBuffer()
        interest.writeLeafSubscribe(subject: "foo.*", queue: nil, weight: 1)
        interest.writeLeafSubscribe(subject: "work", queue: "workers", weight: 3)
        interest.writeLeafUnsubscribe(subject: "work", queue: "workers")
        interest.writeLeafUnsubscribe(subject: "foo.*", queue: nil)
        #expect(String(buffer: interest) == "LS+ foo.*\r\nLS+ work workers 3\r\nLS- work workers\r\nLS- foo.*\r\n")
    }

    @Test("each dialect refuses the others' verbs")
    func foreignVerbs() {
        #expect(parse("PUB foo 1\r\nx\r\n", dialect: .server).error?.code == .unknownOperation)
        #expect(parse("MSG foo 1 1\r\nx\r\n", dialect: .client).error?.code == .unknownOperation)
        #expect(parse("LS+ foo\r\n", dialect: .client).error?.code == .unknownOperation)
        #expect(parse("SUB foo 1\r\n", dialect: .leaf).error?.code == .unknownOperation)
        #expect(parse("CONNECT {}\r\n", dialect: .server).error?.code == .unknownOperation)
    }

    @Test("malformed leafnode messages")
    func badLeaf() {
        #expect(parse("LMSG foo\r\n", dialect: .leaf).error?.code == .badArguments)
        #expect(parse("LMSG foo + 2\r\nhi\r\n", dialect: .leaf).error?.code == .badArguments)
        #expect(parse("LS+ foo q\r\n", dialect: .leaf).error?.code == .badArguments)
        #expect(parse("LS+ foo q x\r\n", dialect: .leaf).error?.code == .badArguments)
        #expect(parse("HMSG foo 1 5 3\r\n", dialect: .server).error?.code == .badArguments)
        #expect(parse("MSG foo 1\r\n", dialect: .server).error?.code == .badArguments)
    }
}
