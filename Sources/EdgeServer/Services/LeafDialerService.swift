import Broker
import Leafnode
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// One remote's dialer: keeps its uplink up for as long as the server runs — dial the URL the
/// remote's ``LeafReconnectPolicy`` names, wait for the link to end, wait as it says, again —
/// from the moment the server accepts clients until it shuts down.
struct LeafDialerService: Service {
    let remote: LeafRemote
    let broker: Broker
    let group: MultiThreadedEventLoopGroup
    /// Opens when the server accepts clients.
    let accepting: StartupBarrier
    let logger: Logger

    func run() async throws {
        do {
            try await accepting.wait()
        } catch {
            return  // the group is unwinding a failed start
        }
        // Dialling stops when the group shuts down: the task is cancelled, which closes the link.
        await cancelWhenGracefulShutdown {
            await maintain()
        }
        // Cancelled by the group (a failure elsewhere) rather than shut down: wait for the
        // shutdown so that the group sees this service end in its turn.
        try? await gracefulShutdown()
    }

    private func maintain() async {
        while !Task.isCancelled {
            let url = remote.nextURL()
            do {
                let channel = try await ClientBootstrap(group: group)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connectTimeout(.seconds(2))
                    .channelInitializer { [broker, remote, logger] channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                LeafSession.channelHandler(host: broker, logger: logger, remote: (remote, url))
                            )
                        }
                    }
                    .connect(host: url.host, port: url.port)
                    .get()
                remote.dialSucceeded()
                logger.debug("Leafnode connecting to remote server \"\(url)\"")
                // Ends with the link (closed by either side, or by the server's shutdown).
                await withTaskCancellationHandler {
                    try? await channel.closeFuture.get()
                } onCancel: {
                    channel.close(promise: nil)
                }
            } catch {
                let failure = remote.dialFailed("\(error)")
                // nats-server logs the first failures and then every so often, not every second.
                if failure.isLogged {
                    logger.error("Error trying to connect as leafnode to remote server \"\(url)\" (attempt \(failure.count)): \(error)")
                }
            }
            if Task.isCancelled { break }
            let (delay, isQuiet) = remote.attemptEnded()
            // Every attempt is logged, but a long outage (days on a cellular link) must not fill
            // the SD card: after the first few, only every 30th at info level, the rest at debug.
            let line = "Leafnode remote \(remote.index) will try again in \(Self.describe(delay))"
            if isQuiet { logger.debug("\(line)") } else { logger.info("\(line)") }
            try? await Task.sleep(for: delay)
        }
    }

    private static func describe(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(Double(milliseconds) / 1000)s"
    }
}
