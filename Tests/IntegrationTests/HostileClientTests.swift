import EdgeTestSupport
import Foundation
import Testing

/// Hostile clients end their own connections only; a good client is served throughout. The same
/// expectations hold for nats-server.
@Suite("Hostile clients", .serialized)
struct HostileClientTests {
    @Test("1,200 connections against max_connections 1,000: the rest are refused after INFO", arguments: ServerKind.allCases)
    func connectionFlood(server kind: ServerKind) throws {
        let server = try ServerProcess(kind, configuration: "max_connections: 1000\n")
        defer { server.stop() }
        var open: [RawClient] = []
        for index in 0..<1000 {
            let client = try RawClient(port: server.port)
            guard client.read(untilContains: "\r\n", timeout: 5).hasPrefix("INFO ") else {
                Issue.record("\(kind): no INFO on connection \(index)\n\(server.log.suffix(2000))")
                return
            }
            open.append(client)
        }
        // nats-server sends INFO before it counts the connection (each in a goroutine of its
        // own): a PONG from every admitted client first, so all 1,000 are counted.
        for client in open { client.send("PING\r\n") }
        for (index, client) in open.enumerated() where !client.read(untilContains: "PONG\r\n", timeout: 5).contains("PONG") {
            Issue.record("\(kind): no PONG on connection \(index)\n\(server.log.suffix(2000))")
            return
        }
        // Stops at the first connection not refused in time, so a stuck server fails the test in
        // seconds, with its log, instead of after 200 timeouts.
        var refused = 0
        for _ in 0..<200 {
            let client = try RawClient(port: server.port)
            guard client.waitForClose(timeout: 3), client.text.hasSuffix("-ERR 'maximum connections exceeded'\r\n") else { break }
            refused += 1
        }
        #expect(refused == 200, "\(kind): \(refused) of 200 refused\n\(server.log.suffix(2000))")
        // One of the admitted ones still works.
        try open[500].handshake()
        open[500].send("PING\r\n")
        #expect(open[500].read(untilContains: "PONG\r\n").contains("PONG"), "\(kind)")
    }

    @Test(
        "200 connections that never send CONNECT are closed at the auth timeout; a good client is unaffected",
        arguments: ServerKind.allCases)
    func slowLoris(server kind: ServerKind) throws {
        let server = try ServerProcess(kind, configuration: "authorization { user: u, password: p, timeout: 1 }\n")
        defer { server.stop() }
        let silent = try (0..<200).map { _ in try RawClient(port: server.port) }
        let good = try RawClient(port: server.port)
        try good.handshake(connect: #"{"verbose":false,"user":"u","pass":"p"}"#)
        let closed = silent.filter { $0.waitForClose(timeout: 4) }.count
        #expect(closed == 200, "\(kind): \(closed) of 200 closed")
        #expect(silent.allSatisfy { $0.text.hasSuffix("-ERR 'Authentication Timeout'\r\n") }, "\(kind)")
        good.send("PING\r\n")
        #expect(good.read(untilContains: "PONG\r\n").contains("PONG"))
    }

    @Test("a CONNECT longer than max_control_line ends that connection with the reference's error", arguments: ServerKind.allCases)
    func oversizedConnect(server kind: ServerKind) throws {
        let server = try ServerProcess(kind)
        defer { server.stop() }
        let hostile = try RawClient(port: server.port)
        hostile.read(untilContains: "\r\n")
        hostile.clear()
        hostile.send("CONNECT {\"name\":\"" + String(repeating: "x", count: 8000) + "\"}\r\n")
        #expect(hostile.waitForClose(timeout: 3))
        #expect(hostile.text == "-ERR 'maximum control line exceeded'\r\n", "\(kind): \(hostile.text)")
        let good = try RawClient(port: server.port)
        try good.handshake()
        good.send("PING\r\n")
        #expect(good.read(untilContains: "PONG\r\n").contains("PONG"))
    }
}
