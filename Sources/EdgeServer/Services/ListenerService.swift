import Broker
import CLoaderMemory
import Logging
import NIOCore
import ServiceLifecycle

/// The listeners clients and leafnodes connect to, bound before the group starts (the broker
/// needs their ports for its INFO) with accepting off. Accepts once the barrier opens (JetStream,
/// the store-and-forward buffers and monitoring run); on shutdown stops accepting and closes
/// every connection; unwinding a failed start, closes the listeners.
final class ListenerService: Service {
    struct Listener {
        let channel: any Channel
        /// Logged when it starts accepting (nats-server's "Listening for ..." lines).
        let announcement: String?
    }

    /// In the order they start accepting (the client port last: harnesses wait for its line).
    let listeners: [Listener]
    let broker: Broker
    let barrier: StartupBarrier
    /// Opened once every listener accepts.
    let accepting: StartupBarrier
    let logger: Logger

    static let readinessName = "listeners"

    init(listeners: [Listener], broker: Broker, barrier: StartupBarrier, accepting: StartupBarrier, logger: Logger) {
        self.listeners = listeners
        self.broker = broker
        self.barrier = barrier
        self.accepting = accepting
        self.logger = logger
    }

    func run() async throws {
        do {
            try await barrier.wait()
            for listener in listeners {
                try await listener.channel.setOption(.autoRead, value: true).get()
                listener.channel.read()
                if let announcement = listener.announcement { logger.info("\(announcement)") }
            }
        } catch {
            await stopAccepting()
            throw error
        }
        logger.info("Server is ready")
        // Starting touched much of the binary that serving never reads again; let it go.
        let released = outpost_release_read_only_pages()
        logger.debug("Released \(released / 1024) kB of start-up code and constants from the resident set")
        accepting.markReady(Self.readinessName)
        try? await gracefulShutdown()
        await stopAccepting()
        await broker.shutDown()
    }

    /// Closes the listeners (connections made through them stay). Safe to call twice.
    func stopAccepting() async {
        for listener in listeners { try? await listener.channel.close() }
    }
}
