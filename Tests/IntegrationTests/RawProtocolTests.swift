import EdgeTestSupport
import Foundation
import Testing

/// Literal protocol text against both servers: each case names the bytes sent after CONNECT,
/// the exact bytes expected back, and whether the server then closes the connection. The
/// table was taken from nats-server 2.9.10 and is checked against it on every run.
@Suite("Raw protocol: bad input gets the reference's answer")
struct RawProtocolTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let input: String
        let output: String
        let closes: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "unknown op", input: "FOO\r\n", output: "-ERR 'Unknown Protocol Operation'\r\n", closes: true),
        Case(name: "unknown op, lower case", input: "foo bar\r\n", output: "-ERR 'Unknown Protocol Operation'\r\n", closes: true),
        Case(name: "PUB without arguments", input: "PUB\r\n", output: "-ERR 'Unknown Protocol Operation'\r\n", closes: true),
        Case(name: "PUB subject only", input: "PUB foo\r\n", output: "", closes: true),
        Case(name: "PUB non-numeric size", input: "PUB foo bar\r\n", output: "", closes: true),
        Case(name: "PUB negative size", input: "PUB foo -1\r\n", output: "", closes: true),
        Case(name: "PUB ten-digit size", input: "PUB foo 0000000003\r\nabc\r\n", output: "", closes: true),
        Case(name: "PUB too many arguments", input: "PUB foo 1 2 3\r\n", output: "", closes: true),
        Case(name: "PUB over max_payload", input: "PUB foo 1048577\r\n", output: "-ERR 'Maximum Payload Violation'\r\n", closes: true),
        Case(
            name: "payload longer than declared", input: "PUB foo 2\r\nabc\r\n", output: "-ERR 'Unknown Protocol Operation'\r\n",
            closes: true),
        Case(
            name: "payload not followed by CRLF", input: "PUB foo 3\r\nabcXY", output: "-ERR 'Unknown Protocol Operation'\r\n", closes: true
        ),
        Case(name: "LF-only payload end", input: "PUB foo 3\nabc\n", output: "-ERR 'Unknown Protocol Operation'\r\n", closes: true),
        Case(name: "SUB without arguments", input: "SUB\r\n", output: "-ERR 'Unknown Protocol Operation'\r\n", closes: true),
        Case(name: "SUB subject only", input: "SUB foo\r\n", output: "", closes: true),
        Case(name: "SUB too many arguments", input: "SUB foo bar baz qux\r\n", output: "", closes: true),
        Case(name: "SUB invalid subject", input: "SUB foo..bar 1\r\n", output: "-ERR 'Invalid Subject'\r\n", closes: false),
        Case(name: "SUB invalid wildcard", input: "SUB >.foo 1\r\n", output: "-ERR 'Invalid Subject'\r\n", closes: false),
        Case(name: "UNSUB without arguments", input: "UNSUB\r\n", output: "-ERR 'Unknown Protocol Operation'\r\n", closes: true),
        Case(name: "UNSUB non-numeric maximum", input: "UNSUB 1 x\r\n", output: "", closes: false),
        Case(name: "UNSUB unknown sid", input: "UNSUB 99\r\n", output: "", closes: false),
        Case(name: "UNSUB too many arguments", input: "UNSUB 1 2 3\r\n", output: "", closes: true),
        Case(name: "binary garbage", input: "\u{00}\u{01}\u{7f}\u{1b}\r\n", output: "-ERR 'Unknown Protocol Operation'\r\n", closes: true),
        Case(name: "empty line", input: "\r\n", output: "-ERR 'Unknown Protocol Operation'\r\n", closes: true),
        Case(name: "client sends MSG", input: "MSG foo 1 3\r\nabc\r\n", output: "-ERR 'Unknown Protocol Operation'\r\n", closes: true),
        Case(name: "client sends a leafnode op", input: "LS+ $G foo\r\n", output: "-ERR 'Unknown Protocol Operation'\r\n", closes: true),
        Case(name: "client sends -ERR", input: "-ERR 'boom'\r\n", output: "", closes: true),
        Case(name: "client sends +OK", input: "+OK\r\n", output: "", closes: false),
        Case(name: "client sends INFO", input: "INFO {}\r\n", output: "", closes: false),
        Case(name: "client sends bad INFO", input: "INFO {x\r\n", output: "", closes: true),
        Case(name: "second CONNECT", input: "CONNECT {\"verbose\":false}\r\n", output: "", closes: false),
        Case(name: "ping, lower case", input: "ping\r\n", output: "PONG\r\n", closes: false),
        Case(name: "PING with trailing junk", input: "PINGxyz\r\n", output: "PONG\r\n", closes: false),
        Case(
            name: "PING with 10000 junk bytes", input: "PING" + String(repeating: "x", count: 10000) + "\r\n", output: "PONG\r\n",
            closes: false),
        Case(name: "PUB with tabs", input: "PUB\tfoo\t3\r\nabc\r\n", output: "", closes: false),
        Case(name: "PUB LF-only control line", input: "PUB foo 3\nabc\r\n", output: "", closes: false),
        Case(name: "HPUB header size over total", input: "HPUB foo 10 5\r\n", output: "", closes: true),
        Case(name: "HPUB bad header size", input: "HPUB foo x 14\r\n", output: "", closes: true),
        Case(
            name: "control line of 5000 bytes", input: "SUB " + String(repeating: "a", count: 4996) + " 1\r\n",
            output: "-ERR 'maximum control line exceeded'\r\n", closes: true),
        Case(
            name: "control line of 5000 bytes, no newline", input: "PUB " + String(repeating: "a", count: 4996),
            output: "-ERR 'maximum control line exceeded'\r\n", closes: true),
        Case(
            name: "control line of exactly 4096 argument bytes", input: "PUB " + String(repeating: "a", count: 4094) + " 3\r\nabc\r\n",
            output: "", closes: false),
    ]

    /// What the server sent, less the keep-alive PINGs it may send on its own once the
    /// connection is about two seconds old (a slow test run gets there).
    static func withoutServerPings(_ text: String, after expected: String) -> String {
        guard text.hasPrefix(expected) else { return text }
        var rest = Substring(text.dropFirst(expected.count))
        while rest.hasPrefix("PING\r\n") { rest = rest.dropFirst(6) }
        return expected + rest
    }

    @Test("after CONNECT", arguments: ServerKind.allCases, cases)
    func afterConnect(server kind: ServerKind, testCase: Case) throws {
        // One server per kind for the whole table: each case uses its own connection, and the
        // last step checks that the server still takes new clients.
        let server = try SharedServers.server(kind)
        let client = try RawClient(port: server.port)
        try client.handshake(connect: #"{"verbose":false,"pedantic":false,"headers":true}"#)
        client.send(testCase.input)
        if testCase.closes {
            #expect(client.waitForClose(timeout: 3), "\(testCase.name): expected a close")
            #expect(Self.withoutServerPings(client.text, after: testCase.output) == testCase.output, "\(testCase.name)")
        } else {
            // Alive: a PING still gets its PONG, after exactly the expected output.
            client.send("PING\r\n")
            let expected = testCase.output + "PONG\r\n"
            client.read(
                until: { Self.withoutServerPings($0, after: expected).utf8.count >= expected.utf8.count && $0.hasSuffix("PONG\r\n") },
                timeout: 3)
            #expect(Self.withoutServerPings(client.text, after: expected) == expected, "\(testCase.name)")
            #expect(!client.isClosedByServer)
        }
        // Nothing else was disturbed: a new client works.
        let other = try RawClient(port: server.port)
        try other.handshake()
    }

    struct ConnectCase: CustomTestStringConvertible, Sendable {
        let name: String
        let connect: String
        let output: String
        let closes: Bool
        var testDescription: String { name }
    }

    static let connectCases: [ConnectCase] = [
        ConnectCase(name: "malformed JSON", connect: "CONNECT {bad json\r\n", output: "", closes: true),
        ConnectCase(name: "no argument", connect: "CONNECT\r\n", output: "", closes: true),
        ConnectCase(name: "wrong type", connect: "CONNECT {\"verbose\":\"yes\"}\r\n", output: "", closes: true),
        ConnectCase(name: "trailing garbage", connect: "CONNECT {\"verbose\":false} x\r\n", output: "", closes: true),
        ConnectCase(
            name: "protocol 2", connect: "CONNECT {\"protocol\":2}\r\n", output: "-ERR 'invalid client protocol'\r\n", closes: true),
        ConnectCase(
            name: "no_responders without headers", connect: "CONNECT {\"no_responders\":true}\r\n",
            output: "-ERR 'no responders requires headers support'\r\n", closes: true),
        ConnectCase(
            name: "account field", connect: "CONNECT {\"account\":\"A\"}\r\n", output: "-ERR 'Authorization Violation'\r\n", closes: true),
        ConnectCase(name: "unknown field", connect: "CONNECT {\"foo\":1,\"verbose\":false}\r\n", output: "", closes: false),
        ConnectCase(name: "verbose", connect: "CONNECT {\"verbose\":true}\r\n", output: "+OK\r\n", closes: false),
        ConnectCase(
            name: "HPUB without headers", connect: "CONNECT {\"verbose\":false}\r\nHPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", output: "",
            closes: true),
        ConnectCase(
            name: "pedantic, wildcard publish", connect: "CONNECT {\"verbose\":false,\"pedantic\":true}\r\nPUB foo.* 0\r\n\r\n",
            output: "-ERR 'Invalid Publish Subject'\r\n", closes: false),
        // Until CONNECT says otherwise, a connection is verbose and pedantic (the reference's
        // defaults), and a CONNECT that does not name a field leaves it as it was.
        ConnectCase(
            name: "no CONNECT at all, no auth", connect: "SUB no.connect 1\r\nPUB no.connect 2\r\nhi\r\n",
            output: "+OK\r\n+OK\r\nMSG no.connect 1 2\r\nhi\r\n", closes: false),
        ConnectCase(
            name: "CONNECT without verbose stays verbose", connect: "CONNECT {\"name\":\"x\"}\r\n", output: "+OK\r\n", closes: false),
    ]

    @Test("CONNECT", arguments: ServerKind.allCases, connectCases)
    func connect(server kind: ServerKind, testCase: ConnectCase) throws {
        let server = try SharedServers.server(kind)
        let client = try RawClient(port: server.port)
        client.read(untilContains: "\r\n")
        #expect(client.text.hasPrefix("INFO {") && client.text.hasSuffix("} \r\n"))
        client.clear()
        client.send(testCase.connect)
        if testCase.closes {
            #expect(client.waitForClose(timeout: 3), "\(testCase.name): expected a close")
            #expect(Self.withoutServerPings(client.text, after: testCase.output) == testCase.output, "\(testCase.name)")
        } else {
            client.send("PING\r\n")
            let expected = testCase.output + "PONG\r\n"
            client.read(
                until: { Self.withoutServerPings($0, after: expected).utf8.count >= expected.utf8.count && $0.hasSuffix("PONG\r\n") },
                timeout: 3)
            #expect(Self.withoutServerPings(client.text, after: expected) == expected, "\(testCase.name)")
        }
    }

    @Test("a split control line over the limit is refused while it arrives", arguments: ServerKind.allCases)
    func splitControlLine(server kind: ServerKind) throws {
        let server = try ServerProcess(kind)
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        try client.handshake()
        client.send("PUB " + String(repeating: "a", count: 4500))
        Thread.sleep(forTimeInterval: 0.3)
        client.send(" 3\r\nabc\r\n")
        #expect(client.waitForClose(timeout: 3))
        #expect(client.text == "-ERR 'maximum control line exceeded'\r\n")
    }

    @Test("a payload split across reads arrives whole", arguments: ServerKind.allCases)
    func splitPayload(server kind: ServerKind) throws {
        let server = try ServerProcess(kind)
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        try client.handshake()
        client.send("SUB foo 1\r\nPUB foo 5\r\nab")
        Thread.sleep(forTimeInterval: 0.3)
        client.send("cde\r\nPING\r\n")
        client.read(untilContains: "PONG\r\n")
        #expect(client.text == "MSG foo 1 5\r\nabcde\r\nPONG\r\n")
    }
}
