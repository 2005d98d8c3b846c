import Logging
import NIOCore
import NIOEmbedded

@testable import Broker

/// Client connections on embedded channels, all on one embedded event loop, around one broker:
/// the whole client protocol without sockets or threads.
final class BrokerHarness {
    let loop = EmbeddedEventLoop()
    let broker: Broker

    init(configure: (inout BrokerConfiguration) -> Void = { _ in }) {
        var configuration = BrokerConfiguration(serverName: "test", serverID: "NTEST", outpostVersion: "0")
        configure(&configuration)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        broker = Broker(configuration: configuration, logger: logger)
    }

    final class Client {
        let channel: EmbeddedChannel
        let loop: EmbeddedEventLoop
        private var received = ""

        init(channel: EmbeddedChannel, loop: EmbeddedEventLoop) {
            self.channel = channel
            self.loop = loop
        }

        /// Sends protocol text, runs the loop, returns what the server wrote back since last time.
        @discardableResult
        func send(_ text: String) throws -> String {
            if channel.isActive { try channel.writeInbound(ByteBuffer(string: text)) }
            return drain()
        }

        /// What the server wrote since the last call.
        func drain() -> String {
            loop.run()
            var output = ""
            while let buffer = try? channel.readOutbound(as: ByteBuffer.self) {
                output += String(buffer: buffer)
            }
            received += output
            return output
        }

        var isOpen: Bool { channel.isActive }
    }

    /// A connected client: INFO read, CONNECT sent.
    func connect(_ connect: String = #"{"verbose":false,"headers":true,"no_responders":true}"#) throws -> Client {
        let client = try open()
        let info = client.drain()
        precondition(info.hasPrefix("INFO "), info)
        try client.send("CONNECT \(connect)\r\n")
        return client
    }

    /// A client whose channel is active, nothing sent yet.
    func open() throws -> Client {
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(ClientSession.channelHandler(host: broker, logger: broker.logger))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5000)).wait()
        return Client(channel: channel, loop: loop)
    }
}
