import EdgeTestSupport
import Foundation
import Testing

/// Authentication, limits and liveness, against both servers with the same configuration.
@Suite("Limits, authentication and liveness")
struct LimitsAndLivenessTests {
    @Test("user and password: accepted, refused, and required before anything else", arguments: ServerKind.allCases)
    func userPassword(server kind: ServerKind) throws {
        let server = try ServerProcess(kind, arguments: ["--user", "u", "--pass", "p"])
        defer { server.stop() }
        let good = try RawClient(port: server.port)
        good.read(untilContains: "\r\n")
        #expect(good.text.contains("\"auth_required\":true"))
        try good.handshake(connect: #"{"verbose":false,"user":"u","pass":"p"}"#)

        for attempt in [#"CONNECT {"verbose":false,"user":"u","pass":"x"}"#, #"CONNECT {"verbose":false}"#, "PING", "PUB foo 1\r\nx"] {
            let bad = try RawClient(port: server.port)
            bad.read(untilContains: "\r\n")
            bad.clear()
            bad.send(attempt + "\r\n")
            #expect(bad.waitForClose(timeout: 3), "\(attempt)")
            #expect(bad.text == "-ERR 'Authorization Violation'\r\n", "\(attempt)")
        }
        // The good client was not disturbed.
        good.send("PING\r\n")
        #expect(good.read(untilContains: "PONG\r\n").contains("PONG"))
    }

    @Test("token", arguments: ServerKind.allCases)
    func token(server kind: ServerKind) throws {
        let server = try ServerProcess(kind, arguments: ["--auth", "s3cret"])
        defer { server.stop() }
        let good = try RawClient(port: server.port)
        try good.handshake(connect: #"{"verbose":false,"auth_token":"s3cret"}"#)
        let bad = try RawClient(port: server.port)
        bad.read(untilContains: "\r\n")
        bad.clear()
        bad.send("CONNECT {\"verbose\":false,\"auth_token\":\"nope\"}\r\n")
        #expect(bad.waitForClose(timeout: 3))
        #expect(bad.text == "-ERR 'Authorization Violation'\r\n")
    }

    @Test("authentication timeout", arguments: ServerKind.allCases)
    func authenticationTimeout(server kind: ServerKind) throws {
        let server = try ServerProcess(kind, configuration: "authorization { user: u, password: p, timeout: 0.5 }\n")
        defer { server.stop() }
        let silent = try RawClient(port: server.port)
        let started = Date()
        #expect(silent.waitForClose(timeout: 4))
        let elapsed = Date().timeIntervalSince(started)
        #expect(silent.text.hasSuffix("-ERR 'Authentication Timeout'\r\n"))
        #expect(elapsed > 0.3 && elapsed < 2.0, "closed after \(elapsed) s")
    }

    @Test("no_auth_user lets credential-less clients in as that user", arguments: ServerKind.allCases)
    func noAuthUser(server kind: ServerKind) throws {
        let server = try ServerProcess(
            kind,
            configuration: """
                authorization { users = [ { user: a, password: a }, { user: b, password: b } ] }
                no_auth_user: b
                """)
        defer { server.stop() }
        let anonymous = try RawClient(port: server.port)
        anonymous.read(untilContains: "\r\n")
        #expect(!anonymous.text.contains("auth_required"))
        try anonymous.handshake(connect: #"{"verbose":false}"#)
        let wrong = try RawClient(port: server.port)
        wrong.read(untilContains: "\r\n")
        wrong.clear()
        wrong.send("CONNECT {\"verbose\":false,\"user\":\"a\",\"pass\":\"b\"}\r\n")
        #expect(wrong.waitForClose(timeout: 3))
        #expect(wrong.text == "-ERR 'Authorization Violation'\r\n")
    }

    @Test("a client that never answers PING is stale after ping_max pings", arguments: ServerKind.allCases)
    func staleConnection(server kind: ServerKind) throws {
        let server = try ServerProcess(kind, configuration: "ping_interval: \"1s\"\nping_max: 2\n")
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.read(untilContains: "\r\n")
        client.clear()
        client.send("CONNECT {\"verbose\":false}\r\n")
        let started = Date()
        #expect(client.waitForClose(timeout: 8))
        let elapsed = Date().timeIntervalSince(started)
        #expect(client.text == "PING\r\nPING\r\n-ERR 'Stale Connection'\r\n")
        #expect(elapsed > 2.5 && elapsed < 6, "stale after \(elapsed) s")

        // A client that answers stays.
        let alive = try RawClient(port: server.port)
        try alive.handshake()
        for _ in 0..<4 {
            alive.read(untilContains: "PING\r\n", timeout: 3)
            if alive.text.contains("PING\r\n") {
                alive.clear()
                alive.send("PONG\r\n")
            }
        }
        #expect(!alive.isClosedByServer)
    }

    @Test("max_connections refuses the next client after INFO", arguments: ServerKind.allCases)
    func maxConnections(server kind: ServerKind) throws {
        let server = try ServerProcess(kind, configuration: "max_connections: 1\n")
        defer { server.stop() }
        let first = try RawClient(port: server.port)
        try first.handshake()
        let second = try RawClient(port: server.port)
        #expect(second.waitForClose(timeout: 3))
        #expect(second.text.hasPrefix("INFO {"))
        #expect(second.text.hasSuffix("} \r\n-ERR 'maximum connections exceeded'\r\n"))
        first.send("PING\r\n")
        #expect(first.read(untilContains: "PONG\r\n").contains("PONG"))
    }

    @Test("a subscriber that does not read is cut off at max_pending and counted", arguments: ServerKind.allCases)
    func slowConsumerMaxPending(server kind: ServerKind) throws {
        let server = try ServerProcess(kind, configuration: "max_payload: 1024\nmax_pending: 4096\n", monitor: true)
        defer { server.stop() }
        let subscriber = try RawClient(port: server.port, receiveBuffer: 4096)
        try subscriber.handshake()
        subscriber.send("SUB slow 1\r\nPING\r\n")
        subscriber.read(untilContains: "PONG\r\n")
        let publisher = try RawClient(port: server.port)
        try publisher.handshake()
        let body = String(repeating: "x", count: 1000)
        // Far more than the socket buffers and max_pending hold, while the subscriber reads nothing.
        for _ in 0..<40 {
            publisher.send(String(repeating: "PUB slow 1000\r\n\(body)\r\n", count: 100))
        }
        publisher.send("PING\r\n")
        publisher.read(untilContains: "PONG\r\n", timeout: 15)
        #expect(publisher.text.contains("PONG"))
        #expect(!publisher.isClosedByServer)
        #expect(subscriber.waitForClose(timeout: 15))
        let varz = try MonitoringClient.get(port: server.monitorPort!, path: "/varz")
        #expect((varz["slow_consumers"] as? Int ?? 0) >= 1)
        #expect(server.log.contains("Slow Consumer Detected"))
    }

    @Test("lame duck mode: ldm INFO, new clients refused, clients closed, exit 0", arguments: ServerKind.allCases)
    func lameDuck(server kind: ServerKind) throws {
        let server = try ServerProcess(kind, configuration: "lame_duck_duration: \"30s\"\nlame_duck_grace_period: \"1s\"\n")
        let client = try RawClient(port: server.port)
        try client.handshake(connect: #"{"verbose":false,"protocol":1}"#)
        server.signal(SIGUSR2)
        client.read(untilContains: "\"ldm\":true", timeout: 3)
        #expect(client.text.contains("INFO {") && client.text.contains("\"ldm\":true"))
        Thread.sleep(forTimeInterval: 0.3)
        #expect(throws: (any Error).self) { _ = try RawClient(port: server.port) }
        #expect(client.waitForClose(timeout: 10))
        let status = server.waitForExit(timeout: 20)
        #expect(status == 0)
        server.stop()
    }

    @Test("SIGTERM and SIGINT: clients closed, clean exit")
    func terminate() throws {
        for signal in [SIGTERM, SIGINT] {
            let server = try ServerProcess(.outpost)
            let client = try RawClient(port: server.port)
            try client.handshake()
            client.send("SUB a 1\r\n")
            server.signal(signal)
            #expect(client.waitForClose(timeout: 5))
            #expect(server.waitForExit(timeout: 10) == 0, "signal \(signal)")
            #expect(server.log.contains("Server Exiting"))
            server.stop()
        }
    }

    @Test("SIGHUP without a configuration file is reported and does not stop the server")
    func hangUp() throws {
        let server = try ServerProcess(.outpost)
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        try client.handshake()
        server.signal(SIGHUP)
        #expect(server.waitForLog("Reloading: no configuration file to read again", timeout: 5), "\(server.log)")
        client.send("PING\r\n")
        #expect(client.read(untilContains: "PONG\r\n").contains("PONG"))
        #expect(server.process.isRunning)
    }

    @Test("max_subscriptions refuses the next SUB and keeps the connection", arguments: ServerKind.allCases)
    func maxSubscriptions(server kind: ServerKind) throws {
        let server = try ServerProcess(kind, configuration: "max_subscriptions: 2\n")
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        try client.handshake()
        client.send("SUB a 1\r\nSUB b 2\r\nSUB c 3\r\nPING\r\n")
        client.read(untilContains: "PONG\r\n")
        #expect(client.text == "-ERR 'maximum subscriptions exceeded'\r\nPONG\r\n")
        client.clear()
        client.send("PUB b 1\r\nx\r\nPUB c 1\r\ny\r\nPING\r\n")
        client.read(untilContains: "PONG\r\n")
        #expect(client.text == "MSG b 2 1\r\nx\r\nPONG\r\n")
    }

    @Test("a subscriber whose socket stays full past write_deadline is cut off", arguments: ServerKind.allCases)
    func slowConsumerWriteDeadline(server kind: ServerKind) throws {
        let server = try ServerProcess(kind, configuration: "write_deadline: \"500ms\"\nmax_pending: 256MB\n")
        defer { server.stop() }
        let subscriber = try RawClient(port: server.port, receiveBuffer: 4096)
        try subscriber.handshake()
        subscriber.send("SUB stuck 1\r\nPING\r\n")
        subscriber.read(untilContains: "PONG\r\n")
        let publisher = try RawClient(port: server.port)
        try publisher.handshake()
        let body = String(repeating: "y", count: 1000)
        for _ in 0..<60 {
            publisher.send(String(repeating: "PUB stuck 1000\r\n\(body)\r\n", count: 100))
        }
        publisher.send("PING\r\n")
        publisher.read(untilContains: "PONG\r\n", timeout: 15)
        // Keep the subscriber's socket full well past the deadline before reading from it:
        // waitForClose reads, and reading too early (on a loaded machine) drains the socket
        // before the server's write has blocked for 500 ms.
        Thread.sleep(forTimeInterval: 2)
        #expect(subscriber.waitForClose(timeout: 15))
        #expect(server.log.contains("Slow Consumer Detected: WriteDeadline of 500ms exceeded"))
    }
}
