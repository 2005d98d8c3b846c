import NIOCore
import Testing

@testable import Broker

/// NATS liveness on the shared transport, in virtual time: the server pings, a client that
/// answers stays, one that does not is stale after `ping_max` unanswered pings.
@Suite("Client liveness (ping/pong)")
struct ClientLivenessTests {
    func harness() -> BrokerHarness {
        BrokerHarness { configuration in
            configuration.pingInterval = .milliseconds(100)
            configuration.pingMaxOutstanding = 2
        }
    }

    @Test("pings every interval; two unanswered, then -ERR 'Stale Connection' and the connection ends")
    func stale() throws {
        let harness = harness()
        let client = try harness.connect()
        var output = ""
        for _ in 0..<10 where client.isOpen {
            harness.loop.advanceTime(by: .milliseconds(60))
            output += client.drain()
        }
        #expect(output == "PING\r\nPING\r\n-ERR 'Stale Connection'\r\n")
        #expect(!client.isOpen)
        #expect(harness.broker.connectionCount == 0)
    }

    @Test("a client that answers every PING stays")
    func answering() throws {
        let harness = harness()
        let client = try harness.connect()
        var pings = 0
        for _ in 0..<20 {
            harness.loop.advanceTime(by: .milliseconds(60))
            // The interval has up to 20% jitter: a step may see two pings, or none.
            let seen = client.drain().components(separatedBy: "PING\r\n").count - 1
            for _ in 0..<seen { try client.send("PONG\r\n") }
            pings += seen
        }
        // A ping is skipped when the client was active within the interval (its PONG counts).
        #expect(pings >= 3, "pinged during the 1.2 s: \(pings)")
        #expect(client.isOpen)
        #expect(try client.send("PING\r\n") == "PONG\r\n")
    }
}
