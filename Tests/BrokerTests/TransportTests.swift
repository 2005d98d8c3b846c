import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import Broker

/// The transport every protocol shares, driven by a third protocol made up for the test (lines,
/// echoed in upper case): nothing of the NATS or leafnode sessions is needed to speak a new
/// protocol over it. An embedded loop's virtual clock runs the timers.
@Suite("Connection transport")
struct TransportTests {
    /// One operation per line.
    struct LineParser: OperationParser {
        struct Failure: Error {}
        private var buffer = ByteBuffer()

        mutating func append(_ bytes: ByteBuffer) {
            var bytes = bytes
            buffer.writeBuffer(&bytes)
        }

        mutating func next() throws(Failure) -> String? {
            guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            let line = buffer.readString(length: newline - buffer.readerIndex)!
            buffer.moveReaderIndex(forwardBy: 1)
            if line == "BAD" { throw Failure() }
            return line
        }
    }

    /// Greets, echoes each line in upper case, keeps itself alive MQTT-style (the peer must send
    /// something within the idle timeout), says BYE when it is not.
    final class EchoSession: ProtocolSession, @unchecked Sendable {
        typealias Parser = LineParser
        let transport: ConnectionTransport
        let idleTimeout: Duration
        var closeReason: CloseReason?
        var parseFailures = 0

        init(transport: ConnectionTransport, idleTimeout: Duration) {
            self.transport = transport
            self.idleTimeout = idleTimeout
        }

        func start() {
            transport.outbound.writeString("HELLO\n")
            transport.flushNow()
            transport.startLiveness(.idleTimeout(idleTimeout))
        }

        func handle(_ line: String) -> Bool {
            switch line {
            case "PAUSE":
                transport.pauseReading()
                transport.eventLoop.scheduleTask(in: .seconds(1)) { self.transport.resumeReading() }
            case "QUIT":
                transport.close(reason: .clientClosed)
            default:
                transport.outbound.writeString(line.uppercased() + "\n")
                transport.countOutbound(bytes: line.utf8.count)
                _ = transport.messageWritten()
            }
            return !transport.isClosed && !transport.isReadingPaused
        }

        func parseFailed(_ error: LineParser.Failure) {
            parseFailures += 1
            transport.close(reason: .parseError)
        }

        func writeKeepalive() {}

        func livenessExpired() {
            transport.outbound.writeString("BYE\n")
        }

        func transportWillClose(reason: CloseReason) {
            closeReason = reason
        }
    }

    struct Connection {
        let channel: EmbeddedChannel
        let loop: EmbeddedEventLoop
        let session: () -> EchoSession?

        /// What the transport wrote since the last call, one string per write to the socket.
        func writes() -> [String] {
            loop.run()
            var writes: [String] = []
            while let buffer = try? channel.readOutbound(as: ByteBuffer.self) { writes.append(String(buffer: buffer)) }
            return writes
        }

        func send(_ text: String) throws {
            try channel.writeInbound(ByteBuffer(string: text))
            loop.run()
        }
    }

    func connect(idleTimeout: Duration = .seconds(1), maxPending: Int = 1 << 20) throws -> Connection {
        let loop = EmbeddedEventLoop()
        var made: EchoSession?
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let handler = SessionChannelHandler(logger: logger) { context in
            let transport = ConnectionTransport(
                id: 1, eventLoop: context.eventLoop, deliveryLoop: DeliveryLoop(eventLoop: context.eventLoop, seed: 1),
                remoteAddress: context.channel.remoteAddress, limits: .init(maxPending: maxPending, writeDeadline: .seconds(10)),
                statistics: BrokerStatistics(), logger: logger, kindName: "Echo", idLabel: "eid"
            )
            let session = EchoSession(transport: transport, idleTimeout: idleTimeout)
            made = session
            return .make(session: session, parser: LineParser(), context: context)
        }
        let channel = EmbeddedChannel(handler: handler, loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5000)).wait()
        return Connection(channel: channel, loop: loop, session: { made })
    }

    @Test("a new protocol over the shared transport: greeting, and the replies to one read go out in one write")
    func batching() throws {
        let connection = try connect()
        #expect(connection.writes() == ["HELLO\n"])
        try connection.send("a\nb\nc\n")
        #expect(connection.writes() == ["A\nB\nC\n"])
        #expect(connection.session()?.transport.outMessages.load(ordering: .relaxed) == 3)
    }

    @Test("liveness by idle timeout: a silent peer is told and closed as stale; a talking one stays")
    func idleTimeout() throws {
        let talking = try connect()
        _ = talking.writes()
        for _ in 0..<4 {
            talking.loop.advanceTime(by: .milliseconds(600))
            try talking.send("ping\n")
        }
        #expect(talking.channel.isActive && talking.session()?.closeReason == nil)

        let silent = try connect()
        _ = silent.writes()
        silent.loop.advanceTime(by: .milliseconds(900))
        #expect(silent.channel.isActive)
        silent.loop.advanceTime(by: .milliseconds(200))
        #expect(silent.writes() == ["BYE\n"])
        #expect(!silent.channel.isActive && silent.session()?.closeReason == .staleConnection)
    }

    @Test("a paused session keeps what arrives until it resumes, in order")
    func pause() throws {
        let connection = try connect(idleTimeout: .seconds(10))
        _ = connection.writes()
        try connection.send("one\nPAUSE\ntwo\n")
        #expect(connection.writes() == ["ONE\n"])
        try connection.send("three\n")
        #expect(connection.writes() == [])
        connection.loop.advanceTime(by: .seconds(1))
        #expect(connection.writes() == ["TWO\nTHREE\n"])
    }

    @Test("more than max_pending queued for a peer makes a slow consumer: counted, dropped, closed")
    func slowConsumer() throws {
        let connection = try connect(maxPending: 32 * 1024)
        _ = connection.writes()
        let line = String(repeating: "x", count: 70 * 1024) + "\n"
        try connection.send(line)
        #expect(connection.writes() == [])
        #expect(!connection.channel.isActive && connection.session()?.closeReason == .slowConsumerPendingBytes)
    }

    @Test("a parser error is the session's to answer; the transport closes once, whoever asks")
    func parseErrorAndClose() throws {
        let connection = try connect()
        _ = connection.writes()
        try connection.send("ok\nBAD\nnever\n")
        #expect(connection.writes() == ["OK\n"])
        #expect(connection.session()?.closeReason == .parseError && connection.session()?.parseFailures == 1)
        connection.session()?.transport.close(reason: .serverShutdown)
        #expect(connection.session()?.closeReason == .parseError, "closed once: the first reason stays")
    }
}
