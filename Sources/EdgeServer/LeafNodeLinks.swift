import Broker
import Logging
import NIOCore
import NIOPosix

/// The leafnode links' network side: the listener leafnodes below us connect to, and one dialler
/// per remote that keeps its uplink up (connect, wait for the link to end, pause, try the next
/// URL), for as long as the server runs.
enum LeafNodeLinks {
    /// Binds the leafnode port (auto-read off until the broker exists, like the client port).
    static func bindListener(group: MultiThreadedEventLoopGroup, host: String, port: Int, brokerBox: @escaping @Sendable () -> Broker?, logger: Logger) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 128)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.autoRead, value: false)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let broker = brokerBox() else { throw ChannelError.ioOnClosedChannel }
                    try channel.pipeline.syncOperations.addHandler(
                        ClientChannelHandler(broker: broker, logger: logger, leafnodeRemote: nil)
                    )
                }
            }
            .bind(host: host, port: port == -1 ? 0 : port)
            .get()
    }

    /// Keeps `remote`'s link up until the task is cancelled.
    static func maintain(remote: LeafRemote, broker: Broker, group: MultiThreadedEventLoopGroup, interval: Duration, logger: Logger) async {
        var failures = 0
        while !Task.isCancelled {
            let url = remote.nextURL()
            do {
                let channel = try await ClientBootstrap(group: group)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connectTimeout(.seconds(2))
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                ClientChannelHandler(broker: broker, logger: logger, leafnodeRemote: (remote, url))
                            )
                        }
                    }
                    .connect(host: url.host, port: url.port)
                    .get()
                failures = 0
                logger.debug("Leafnode connecting to remote server \"\(url)\"")
                // Ends with the link (closed by either side, or by the server's shutdown).
                await withTaskCancellationHandler {
                    try? await channel.closeFuture.get()
                } onCancel: {
                    channel.close(promise: nil)
                }
            } catch {
                failures += 1
                remote.recordFailure("\(error)")
                // nats-server logs the first failures and then every so often, not every second.
                if failures <= 3 || failures % 30 == 0 {
                    logger.error("Error trying to connect as leafnode to remote server \"\(url)\" (attempt \(failures)): \(error)")
                }
            }
            if Task.isCancelled { break }
            let delay = remote.takeDelay(interval: interval)
            // Every attempt is logged, but a long outage (days on a cellular link) must not fill
            // the SD card: after the first few, only every 30th at info level, the rest at debug.
            let line = "Leafnode remote \(remote.index) will try again in \(Self.describe(delay))"
            if failures <= 3 || failures % 30 == 0 { logger.info("\(line)") } else { logger.debug("\(line)") }
            try? await Task.sleep(for: delay)
        }
    }

    private static func describe(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(Double(milliseconds) / 1000)s"
    }
}
