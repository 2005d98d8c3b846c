import NIOCore
import Testing

@testable import NATSWire

/// A comparable rendering of an operation, so tests can compare sequences of operations.
func render(_ op: ProtocolOp) -> String {
    func text(_ buffer: ByteBuffer?) -> String { buffer.map { String(buffer: $0) } ?? "-" }
    switch op {
    case .connect(let json): return "CONNECT \(text(json))"
    case .publish(let publish):
        let header = publish.headerLength.map { "\($0)" } ?? "-"
        return "PUB \(text(publish.subject)) \(text(publish.reply)) \(header) [\(text(publish.payload))]"
    case .message(let message):
        let header = message.headerLength.map { "\($0)" } ?? "-"
        return "MSG \(text(message.subject)) \(text(message.sid)) \(text(message.reply)) \(header) [\(text(message.payload))]"
    case .leafMessage(let message):
        let header = message.headerLength.map { "\($0)" } ?? "-"
        return "LMSG \(text(message.subject)) \(text(message.reply)) \(message.queues) \(header) [\(text(message.payload))]"
    case .leafSubscribe(let interest): return "LS+ \(text(interest.subject)) \(text(interest.queue)) \(interest.weight)"
    case .leafUnsubscribe(let interest): return "LS- \(text(interest.subject)) \(text(interest.queue))"
    case .subscribe(let subscribe): return "SUB \(text(subscribe.subject)) \(text(subscribe.queue)) \(text(subscribe.sid))"
    case .unsubscribe(let unsubscribe): return "UNSUB \(text(unsubscribe.sid)) \(unsubscribe.maxMessages.map { "\($0)" } ?? "-")"
    case .ping: return "PING"
    case .pong: return "PONG"
    case .info(let json): return "INFO \(text(json))"
    case .ok: return "+OK"
    case .error(let message): return "-ERR \(text(message))"
    }
}

/// Feeds `chunks` one read at a time; returns the rendered operations and the error, if any.
func parse(
    _ chunks: [[UInt8]], dialect: ProtocolDialect = .client, limits: ProtocolParser.Limits = .init()
) -> (ops: [String], error: ProtocolError?) {
    var parser = ProtocolParser(dialect: dialect, limits: limits)
    var ops: [String] = []
    for chunk in chunks {
        parser.append(ByteBuffer(bytes: chunk))
        do {
            while let op = try parser.next() { ops.append(render(op)) }
        } catch {
            return (ops, error)
        }
    }
    return (ops, nil)
}

func parse(
    _ text: String, dialect: ProtocolDialect = .client, limits: ProtocolParser.Limits = .init()
) -> (ops: [String], error: ProtocolError?) {
    parse([Array(text.utf8)], dialect: dialect, limits: limits)
}

/// Every op of the client protocol, with what the parser must return for it.
private let wholeOperations: [(input: String, expected: [String])] = [
    ("CONNECT {\"verbose\":false}\r\n", ["CONNECT {\"verbose\":false}"]),
    ("PUB foo 5\r\nhello\r\n", ["PUB foo - - [hello]"]),
    ("PUB foo reply.to 5\r\nhello\r\n", ["PUB foo reply.to - [hello]"]),
    ("PUB foo 0\r\n\r\n", ["PUB foo - - []"]),
    ("HPUB foo 12 17\r\nNATS/1.0\r\n\r\nhello\r\n", ["PUB foo - 12 [NATS/1.0\r\n\r\nhello]"]),
    ("HPUB foo bar 12 12\r\nNATS/1.0\r\n\r\n\r\n", ["PUB foo bar 12 [NATS/1.0\r\n\r\n]"]),
    ("SUB foo 1\r\n", ["SUB foo - 1"]),
    ("SUB foo workers 22\r\n", ["SUB foo workers 22"]),
    ("UNSUB 1\r\n", ["UNSUB 1 -"]),
    ("UNSUB 1 10\r\n", ["UNSUB 1 10"]),
    ("PING\r\n", ["PING"]),
    ("PONG\r\n", ["PONG"]),
    ("INFO {\"a\":1}\r\n", ["INFO {\"a\":1}"]),
    ("+OK\r\n", ["+OK"]),
    ("-ERR 'Stale Connection'\r\n", ["-ERR 'Stale Connection'"]),
    // Case-insensitive verbs, tabs and runs of spaces, bare \n line ends.
    ("pub foo 2\r\nhi\r\n", ["PUB foo - - [hi]"]),
    ("PuB\tfoo\t\t2\r\nhi\r\n", ["PUB foo - - [hi]"]),
    ("PUB   foo   bar   2  \r\nhi\r\n", ["PUB foo bar - [hi]"]),
    ("ping\r\nPiNg\npong\n", ["PING", "PING", "PONG"]),
    ("sub foo 1\nunsub 1\n", ["SUB foo - 1", "UNSUB 1 -"]),
    // Payloads may contain protocol text and any byte.
    ("PUB foo 8\r\nPING\r\nPU\r\n", ["PUB foo - - [PING\r\nPU]"]),
]

@Suite("ProtocolParser")
struct ProtocolParserTests {
    @Test("each operation, whole", arguments: 0..<wholeOperations.count)
    func whole(index: Int) {
        let (input, expected) = wholeOperations[index]
        let result = parse(input)
        #expect(result.error == nil)
        #expect(result.ops == expected)
    }

    @Test("each operation, byte by byte", arguments: 0..<wholeOperations.count)
    func byteByByte(index: Int) {
        let (input, expected) = wholeOperations[index]
        let result = parse(Array(input.utf8).map { [$0] })
        #expect(result.error == nil)
        #expect(result.ops == expected)
    }

    @Test("each operation, split in two at every offset", arguments: 0..<wholeOperations.count)
    func splitEverywhere(index: Int) {
        let (input, expected) = wholeOperations[index]
        let bytes = Array(input.utf8)
        for offset in 1..<bytes.count {
            let result = parse([Array(bytes[..<offset]), Array(bytes[offset...])])
            #expect(result.error == nil, "split at \(offset)")
            #expect(result.ops == expected, "split at \(offset)")
        }
    }

    @Test("a stream of every operation, split at every offset")
    func allOperationsSplit() {
        let input = wholeOperations.map(\.input).joined()
        let expected = wholeOperations.flatMap(\.expected)
        let bytes = Array(input.utf8)
        #expect(parse(input).ops == expected)
        for offset in stride(from: 1, to: bytes.count, by: 1) {
            let result = parse([Array(bytes[..<offset]), Array(bytes[offset...])])
            #expect(result.error == nil && result.ops == expected, "split at \(offset)")
        }
        // Three pieces of varying sizes.
        for first in stride(from: 1, to: bytes.count - 1, by: 7) {
            for second in stride(from: first + 1, to: bytes.count, by: 13) {
                let result = parse([Array(bytes[..<first]), Array(bytes[first..<second]), Array(bytes[second...])])
                #expect(result.ops == expected, "split at \(first), \(second)")
            }
        }
    }

    @Test("payloads are slices of the read buffer, not copies")
    func payloadIsSlice() throws {
        var parser = ProtocolParser()
        var read = ByteBuffer(string: "PUB foo 5\r\nhello\r\n")
        read.moveReaderIndex(forwardBy: 0)
        parser.append(read)
        guard case .publish(let op) = try parser.next() else {
            Issue.record("expected a publish")
            return
        }
        // Same storage: the frame's bytes are at the same address as the read's.
        let readAddress = read.withUnsafeReadableBytes { $0.baseAddress }
        let frameAddress = op.frame.withUnsafeReadableBytes { $0.baseAddress }
        #expect(readAddress == frameAddress)
        op.withUnsafeParts { subject, reply, payload in
            #expect(String(decoding: subject, as: UTF8.self) == "foo")
            #expect(reply == nil)
            #expect(String(decoding: payload, as: UTF8.self) == "hello")
        }
    }

    @Test("a large payload split across many reads arrives whole")
    func largeSplitPayload() {
        let payload = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var bytes = Array("PUB big 200000\r\n".utf8) + payload + Array("\r\nPING\r\n".utf8)
        var chunks: [[UInt8]] = []
        var size = 1
        while !bytes.isEmpty {
            let take = min(size, bytes.count)
            chunks.append(Array(bytes[..<take]))
            bytes.removeFirst(take)
            size = size * 3 + 1
        }
        var parser = ProtocolParser()
        var received: [ProtocolOp] = []
        for chunk in chunks {
            parser.append(ByteBuffer(bytes: chunk))
            while let op = try! parser.next() { received.append(op) }
        }
        #expect(received.count == 2)
        if case .publish(let op) = received.first {
            #expect(Array(op.payload.readableBytesView) == payload)
        } else {
            Issue.record("expected the publish first")
        }
    }

    // MARK: Errors

    @Test(
        "bad input gets the reference's error",
        arguments: [
            ("FOO\r\n", ProtocolError.Code.unknownOperation),
            ("PUX foo 1\r\n", .unknownOperation),
            ("\r\n", .unknownOperation),
            (" PING\r\n", .unknownOperation),
            ("PUBfoo 1\r\n", .unknownOperation),
            ("PUB\r\n", .unknownOperation),
            ("PUB foo\r\n", .badArguments),
            ("PUB foo bar\r\n", .badArguments),
            ("PUB foo -1\r\n", .badArguments),
            ("PUB foo 1 2 3\r\n", .badArguments),
            ("PUB foo 1234567890\r\n", .badArguments),
            ("PUB foo 2\r\nabc\r\n", .unknownOperation),
            ("PUB foo 3\r\nab\r\n\r\n", .unknownOperation),
            ("HPUB foo 10 5\r\n", .badArguments),
            ("HPUB foo x 5\r\n", .badArguments),
            ("SUB foo\r\n", .badArguments),
            ("SUB foo bar baz qux\r\n", .badArguments),
            ("UNSUB\r\n", .unknownOperation),
            ("UNSUB 1 2 3\r\n", .badArguments),
            ("\u{01}\u{02}\u{03}", .unknownOperation),
        ]
    )
    func badInput(input: String, code: ProtocolError.Code) {
        let result = parse(input)
        #expect(result.error?.code == code)
        // Split byte by byte: the same error.
        let split = parse(Array(input.utf8).map { [$0] })
        #expect(split.error?.code == code)
    }

    @Test("unknown operations carry the reference's -ERR text")
    func unknownOperationText() {
        #expect(parse("FOO\r\n").error?.wireText == "Unknown Protocol Operation")
        #expect(parse("PUB foo 1 2 3\r\n").error?.wireText == nil)
    }

    @Test("payload over max_payload is refused before the payload arrives")
    func maxPayload() {
        let result = parse("PUB foo 1025\r\n", limits: .init(maxControlLine: 4096, maxPayload: 1024))
        #expect(result.error?.code == .maxPayloadExceeded)
        #expect(result.error?.wireText == "Maximum Payload Violation")
        #expect(parse("PUB foo 1024\r\n", limits: .init(maxControlLine: 4096, maxPayload: 1024)).error == nil)
        #expect(parse("HPUB foo 10 1025\r\n", limits: .init(maxControlLine: 4096, maxPayload: 1024)).error?.code == .maxPayloadExceeded)
    }

    @Test("control line over max_control_line, with and without its newline, whole and split")
    func maxControlLine() {
        let limits = ProtocolParser.Limits(maxControlLine: 64, maxPayload: 1024)
        let long = "SUB " + String(repeating: "a", count: 70) + " 1\r\n"
        #expect(parse(long, limits: limits).error?.code == .maxControlLineExceeded)
        // nats-server 2.9 sends this text in lower case.
        #expect(parse(long, limits: limits).error?.wireText == "maximum control line exceeded")
        let unterminated = "PUB " + String(repeating: "b", count: 100)
        #expect(parse(unterminated, limits: limits).error?.code == .maxControlLineExceeded)
        // Split: the limit is enforced while the line is still arriving.
        let chunks = Array(("PUB " + String(repeating: "c", count: 500)).utf8).map { [$0] }
        #expect(parse(chunks, limits: limits).error?.code == .maxControlLineExceeded)
        // Exactly at the limit is fine.
        let atLimit = "SUB " + String(repeating: "d", count: 62) + " 1\r\n"
        #expect(parse(atLimit, limits: limits).error == nil)
    }

    @Test("junk after PING is ignored however long, without buffering it")
    func pingJunk() {
        var parser = ProtocolParser(limits: .init(maxControlLine: 64, maxPayload: 1024))
        var ops: [String] = []
        parser.append(ByteBuffer(string: "PING"))
        for _ in 0..<100 {
            parser.append(ByteBuffer(string: String(repeating: "x", count: 100)))
            while let op = try! parser.next() { ops.append(render(op)) }
            #expect(parser.bufferedBytes <= 8)
        }
        parser.append(ByteBuffer(string: "\r\nPONG\r\n"))
        while let op = try! parser.next() { ops.append(render(op)) }
        #expect(ops == ["PING", "PONG"])
    }

    @Test("reference quirks: CONNECT needs no space, a non-numeric UNSUB maximum means now")
    func quirks() {
        #expect(parse("CONNECT{}\r\n").ops == ["CONNECT {}"])
        #expect(parse("CONNECT\r\n").ops == ["CONNECT "])
        #expect(parse("UNSUB 1 x\r\n").ops == ["UNSUB 1 0"])
    }

    @Test("a prefix of a valid verb waits; a wrong byte fails at once")
    func partialVerbs() {
        #expect(parse("PU").error == nil)
        #expect(parse("PU").ops.isEmpty)
        #expect(parse("PX").error?.code == .unknownOperation)
        #expect(parse("CONNEC").error == nil)
        #expect(parse("CONNECX").error?.code == .unknownOperation)
    }
}
