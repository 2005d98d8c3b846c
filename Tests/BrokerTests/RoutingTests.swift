import NIOCore
import Testing

@testable import Broker

@Suite("Routing through the broker")
struct RoutingTests {
    @Test("a message reaches every plain subscriber whose subject matches")
    func fanOut() throws {
        let harness = BrokerHarness()
        let a = try harness.connect()
        let b = try harness.connect()
        let publisher = try harness.connect()
        try a.send("SUB foo.* 1\r\nSUB foo.> 2\r\n")
        try b.send("SUB foo.bar 9\r\n")
        try publisher.send("PUB foo.bar 2\r\nhi\r\n")
        let aOut = a.drain()
        #expect(aOut.contains("MSG foo.bar 1 2\r\nhi\r\n"))
        #expect(aOut.contains("MSG foo.bar 2 2\r\nhi\r\n"))
        #expect(b.drain() == "MSG foo.bar 9 2\r\nhi\r\n")
        #expect(publisher.drain() == "")
    }

    @Test("a queue group gets each message once, spread over its members")
    func queueGroup() throws {
        let harness = BrokerHarness()
        let members = try (0..<3).map { _ in try harness.connect() }
        for member in members { try member.send("SUB work workers 1\r\n") }
        let publisher = try harness.connect()
        for index in 0..<300 { try publisher.send("PUB work \(String(index).utf8.count)\r\n\(index)\r\n") }
        let counts = members.map { $0.drain().components(separatedBy: "MSG work 1 ").count - 1 }
        #expect(counts.reduce(0, +) == 300)
        #expect(counts.allSatisfy { $0 > 30 }, "\(counts)")
    }

    @Test("echo off keeps a connection's own messages away from it, queue members included")
    func echoOff() throws {
        let harness = BrokerHarness()
        let quiet = try harness.connect(#"{"verbose":false,"echo":false}"#)
        let other = try harness.connect()
        try quiet.send("SUB e 1\r\nSUB q grp 2\r\n")
        try other.send("SUB q grp 3\r\n")
        try quiet.send("PUB e 1\r\nx\r\nPUB q 1\r\ny\r\n")
        #expect(quiet.drain() == "")
        #expect(other.drain() == "MSG q 3 1\r\ny\r\n")
    }

    @Test("auto-unsubscribe stops after the maximum, counting what was already delivered")
    func autoUnsubscribe() throws {
        let harness = BrokerHarness()
        let subscriber = try harness.connect()
        let publisher = try harness.connect()
        try subscriber.send("SUB a 1\r\nUNSUB 1 2\r\n")
        for _ in 0..<5 { try publisher.send("PUB a 1\r\nx\r\n") }
        #expect(subscriber.drain().components(separatedBy: "MSG a 1 1").count - 1 == 2)
        #expect(harness.broker.globalAccount.subscriptionCount == 0)

        try subscriber.send("SUB b 2\r\n")
        try publisher.send("PUB b 1\r\nx\r\n")
        _ = subscriber.drain()
        // One delivered already: a maximum of 1 means unsubscribe now.
        try subscriber.send("UNSUB 2 1\r\n")
        try publisher.send("PUB b 1\r\nx\r\n")
        #expect(subscriber.drain() == "")
    }

    @Test("headers go as HMSG to clients that asked for them, stripped for the others")
    func headers() throws {
        let harness = BrokerHarness()
        let withHeaders = try harness.connect(#"{"verbose":false,"headers":true}"#)
        let without = try harness.connect(#"{"verbose":false,"headers":false}"#)
        try withHeaders.send("SUB h 1\r\n")
        try without.send("SUB h 2\r\n")
        let echoed = try withHeaders.send("HPUB h 17 21\r\nNATS/1.0\r\nA:b\r\n\r\nbody\r\n")
        #expect(echoed == "HMSG h 1 17 21\r\nNATS/1.0\r\nA:b\r\n\r\nbody\r\n")
        #expect(without.drain() == "MSG h 2 4\r\nbody\r\n")
    }

    @Test("a request nobody receives gets a 503 status through the requester's reply subscription")
    func noResponders() throws {
        let harness = BrokerHarness()
        let requester = try harness.connect()
        try requester.send("SUB _INBOX.abc.* 7\r\n")
        let output = try requester.send("PUB nobody _INBOX.abc.1 2\r\nhi\r\n")
        #expect(output == "HMSG _INBOX.abc.1 7 16 16\r\nNATS/1.0 503\r\n\r\n\r\n")
        // Without no_responders in CONNECT: silence.
        let plain = try harness.connect(#"{"verbose":false,"headers":true}"#)
        try plain.send("SUB _INBOX.x.* 1\r\n")
        #expect(try plain.send("PUB nobody _INBOX.x.1 0\r\n\r\n") == "")
    }

    @Test("verbose mode acknowledges each operation")
    func verbose() throws {
        let harness = BrokerHarness()
        let client = try harness.open()
        _ = client.drain()
        #expect(try client.send("CONNECT {\"verbose\":true}\r\n") == "+OK\r\n")
        #expect(try client.send("SUB a 1\r\n") == "+OK\r\n")
        #expect(try client.send("PUB a 1\r\nx\r\n") == "+OK\r\nMSG a 1 1\r\nx\r\n")
        #expect(try client.send("UNSUB 1\r\n") == "+OK\r\n")
        #expect(try client.send("PING\r\n") == "PONG\r\n")
    }

    @Test("invalid subjects are refused with -ERR and the connection stays")
    func invalidSubject() throws {
        let harness = BrokerHarness()
        let client = try harness.connect()
        #expect(try client.send("SUB foo..bar 1\r\n") == "-ERR 'Invalid Subject'\r\n")
        #expect(client.isOpen)
        #expect(try client.send("PING\r\n") == "PONG\r\n")
    }

    @Test("a protocol error closes the connection after the reference's -ERR")
    func protocolError() throws {
        let harness = BrokerHarness()
        let client = try harness.connect()
        #expect(try client.send("FOO\r\n") == "-ERR 'Unknown Protocol Operation'\r\n")
        #expect(!client.isOpen)
        #expect(harness.broker.connectionCount == 0)
    }
}
