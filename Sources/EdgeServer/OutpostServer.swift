import Broker
import CLoaderMemory
import Logging
import Monitoring
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import UnixSignals
import Synchronization

/// The running server: the client listener, the monitoring listener, signals, shutdown.
///
/// A `Service` for swift-service-lifecycle: `run()` binds, logs the lines harnesses wait for
/// ("Listening for client connections on ...", "Server is ready"), and returns after a graceful
/// shutdown (SIGTERM/SIGINT: stop accepting, flush, close) or after lame duck mode (SIGUSR2).
package final class OutpostServer: Service {
    package struct Settings: Sendable {
        package var broker: BrokerConfiguration
        /// Monitoring port (0: none; -1: random, as nats-server's `-m -1`... not supported there either).
        package var httpPort: Int = 0
        package var httpHost: String = "0.0.0.0"
        package var eventLoopCount: Int
        package var pidFile: String?
        package var portsFileDirectory: String?
        /// `nil`: JetStream off.
        package var jetStream: JetStreamSettings?
        /// Reads the configuration again (SIGHUP): what may change, or why nothing does.
        package var reload: (@Sendable () -> Result<Reloaded, ReloadError>)?

        package init(broker: BrokerConfiguration, eventLoopCount: Int) {
            self.broker = broker
            self.eventLoopCount = eventLoopCount
        }
    }

    /// What a reload applies.
    package struct Reloaded: Sendable {
        package var authentication: AuthenticationConfiguration
        package var clientTLS: ServerTLS?
    }

    package struct ReloadError: Error, Sendable {
        package var text: String
        package init(_ text: String) { self.text = text }
    }

    package let settings: Settings
    package let logger: Logger
    package let group: MultiThreadedEventLoopGroup
    private let boundPorts = Mutex<(client: Int?, http: Int?)>((nil, nil))

    package init(settings: Settings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, settings.eventLoopCount))
    }

    /// The client port actually bound (useful with `-p -1`).
    package var clientPort: Int? { boundPorts.withLock { $0.client } }

    package func run() async throws {
        var configuration = settings.broker
        var jetStreamLock: JetStreamRuntime.DirectoryLock?
        if let jetStream = settings.jetStream {
            jetStreamLock = try JetStreamRuntime.lockDirectory(settings: jetStream, logger: logger)
        }
        configuration.jetStreamEnabled = jetStreamLock != nil
        configuration.jetStreamDomain = settings.jetStream?.domain
        let clientChannel = try await bindClientListener(configuration: configuration)
        let clientPort = clientChannel.localAddress?.port ?? configuration.port
        configuration.port = clientPort
        var httpChannel: (any Channel)?
        var leafChannel: (any Channel)?
        if var leafNodes = configuration.leafNodes, let port = leafNodes.acceptPort {
            let host = leafNodes.acceptHost ?? configuration.host
            let channel = try await LeafNodeLinks.bindListener(
                group: group, host: host, port: port, brokerBox: { [weak self] in self?.broker }, logger: logger
            )
            leafChannel = channel
            leafNodes.acceptHost = host
            leafNodes.acceptPort = channel.localAddress?.port ?? port
            configuration.leafNodes = leafNodes
        }

        // The broker learns the real port before any client can connect through it: the
        // listener does not accept until `clientChannel` is activated below.
        let broker = Broker(configuration: configuration, logger: logger)
        brokerBox.withLock { $0 = broker }
        boundPorts.withLock { $0.client = clientPort }

        if settings.httpPort != 0 {
            let endpoints = MonitoringEndpoints(broker: broker, eventLoopCount: settings.eventLoopCount)
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(MonitoringHTTPHandler(endpoints: endpoints))
                    }
                }
                .bind(host: settings.httpHost, port: max(0, settings.httpPort))
                .get()
            httpChannel = channel
            let port = channel.localAddress?.port ?? settings.httpPort
            boundPorts.withLock { $0.http = port }
            logger.info("Starting http monitor on \(settings.httpHost):\(port)")
        }

        var jetStream: JetStreamRuntime?
        if let jetStreamLock, let jetStreamSettings = settings.jetStream {
            jetStream = try await JetStreamRuntime.start(
                settings: jetStreamSettings, lock: jetStreamLock, serverName: configuration.serverName, broker: broker,
                sharedLoop: Self.engineSharesClientLoop(settings: settings, jetStream: jetStreamSettings) ? group.next() : nil, logger: logger
            )
        }

        // Store-and-forward journals: one SQLite file and one buffer per remote that has one,
        // on a thread of their own (journal writes stay off the client event loops).
        var forwardBuffers: [ForwardBuffer] = []
        var leafRemotes: [LeafRemote] = []
        // Made only when a remote has a buffer: an idle thread still costs memory (malloc arena).
        let remotes = configuration.leafNodes?.remotes ?? []
        let forwardGroup: MultiThreadedEventLoopGroup? = remotes.contains { $0.storeAndForward != nil }
            ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : nil
        for (index, remote) in remotes.enumerated() {
            var buffer: ForwardBuffer?
            if let forward = remote.storeAndForward, let forwardGroup {
                let journal: SQLiteForwardJournalStorage
                do {
                    journal = try SQLiteForwardJournalStorage(path: forward.journalPath)
                } catch {
                    logger.error("Store-and-forward journal \(forward.journalPath) of leafnode remote \(index) cannot be opened: \(error)")
                    throw error
                }
                let made = ForwardBuffer(configuration: forward, remoteIndex: index, journal: journal, loop: forwardGroup.next(), broker: broker, logger: logger)
                try await made.start().get()
                logger.info("Store-and-forward for leafnode remote \(index): \(forward.subjects.joined(separator: ", ")) journaled in \(forward.journalPath)")
                forwardBuffers.append(made)
                buffer = made
            }
            leafRemotes.append(LeafRemote(configuration: remote, index: index, forwardBuffer: buffer))
        }
        broker.leafRemotes = leafRemotes
        var webSocketChannel: (any Channel)?
        if let webSocket = configuration.webSocket {
            let channel = try await WebSocketListener.bind(
                group: group, configuration: webSocket, maxPayload: configuration.maxPayload,
                brokerBox: { [weak self] in self?.broker }, logger: logger)
            webSocketChannel = channel
            let scheme = webSocket.tls == nil ? "ws" : "wss"
            logger.info("Listening for websocket clients on \(scheme)://\(webSocket.host):\(channel.localAddress?.port ?? webSocket.port)")
        }
        try await startAccepting(clientChannel, broker: broker)
        if let leafChannel, let leafNodes = configuration.leafNodes {
            try await startAccepting(leafChannel, broker: broker)
            logger.info("Listening for leafnode connections on \(leafNodes.acceptHost ?? configuration.host):\(leafNodes.acceptPort ?? 0)")
        }
        logger.info("Listening for client connections on \(configuration.host):\(clientPort)")
        logger.info("Server is ready")
        // Starting touched much of the binary that serving never reads again; let it go.
        let released = outpost_release_read_only_pages()
        logger.debug("Released \(released / 1024) kB of start-up code and constants from the resident set")
        let interval = configuration.leafNodes?.reconnectInterval ?? .seconds(1)
        let dialers = leafRemotes.map { remote in
            Task { [group, logger] in
                await LeafNodeLinks.maintain(remote: remote, broker: broker, group: group, interval: interval, logger: logger)
            }
        }

        // Wait for SIGTERM/SIGINT (graceful shutdown) or SIGUSR2 (lame duck).
        let lameDuck = await waitForStopSignal()
        try? await clientChannel.close()
        try? await leafChannel?.close()
        try? await webSocketChannel?.close()
        for dialer in dialers { dialer.cancel() }
        if !lameDuck { logger.info("Initiating Shutdown...") }
        if lameDuck {
            await broker.enterLameDuckMode()
            logger.info("Initiating Shutdown...")
        }
        await broker.shutDown()
        for buffer in forwardBuffers { try? await buffer.stop().get() }
        try? await forwardGroup?.shutdownGracefully()
        await jetStream?.stop(logger: logger)
        try? await httpChannel?.close()
        logger.info("Server Exiting..")
        try? await group.shutdownGracefully()
    }

    private let brokerBox = Mutex<Broker?>(nil)

    /// Whether the JetStream engines run on the client event loop instead of a thread of their
    /// own: only when the process may use one CPU (a second thread then gains nothing and costs
    /// two thread switches per batch) and commits never wait for the disk (`sync_interval`).
    /// With the default sync, the engine's thread waits in fsync while the loop goes on serving
    /// clients: on an SD card that wait is tens of milliseconds that core traffic must not share.
    static func engineSharesClientLoop(settings: Settings, jetStream: JetStreamSettings) -> Bool {
        settings.eventLoopCount == 1 && jetStream.sync != .always && EventLoopSizing.cpusAvailable() == 1
    }

    /// The broker, once `run()` has created it.
    package var broker: Broker? { brokerBox.withLock { $0 } }

    private func bindClientListener(configuration: BrokerConfiguration) async throws -> any Channel {
        let maxPending = configuration.maxPending
        // Bound first with auto-read off, so nothing is accepted before the broker exists.
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.autoRead, value: false)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 4)
            // Reads of at most 64 KiB, as nats-server: larger buffers come from mmap in glibc
            // and page-fault on every read.
            .childChannelOption(
                .recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 512, initial: 4096, maximum: 64 * 1024)
            )
            .childChannelOption(
                .writeBufferWaterMark,
                value: .init(low: min(maxPending / 2, 1024 * 1024), high: maxPending)
            )
            .childChannelInitializer { [weak self] channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let self, let broker = self.broker else { throw ChannelError.ioOnClosedChannel }
                    try channel.pipeline.syncOperations.addHandler(ClientChannelHandler(broker: broker, logger: self.logger))
                }
            }
            .bind(host: configuration.host, port: configuration.port == -1 ? 0 : configuration.port)
            .get()
    }

    private func startAccepting(_ channel: any Channel, broker: Broker) async throws {
        try await channel.setOption(.autoRead, value: true).get()
        channel.read()
    }

    /// Returns `true` for lame duck mode, `false` for a plain graceful shutdown.
    private func waitForStopSignal() async -> Bool {
        await withTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sigusr2) { return true }
                return false
            }
            tasks.addTask {
                try? await gracefulShutdown()
                return false
            }
            tasks.addTask { [logger, settings, weak self] in
                // nats-server reloads its configuration on SIGHUP: users, passwords, tokens,
                // permissions and TLS certificates here; anything else needs a restart.
                for await _ in await UnixSignalsSequence(trapping: .sighup) {
                    guard let reload = settings.reload else {
                        logger.warning("Reloading: no configuration file to read again")
                        continue
                    }
                    switch reload() {
                    case .success(let reloaded):
                        self?.broker?.reload(authentication: reloaded.authentication, clientTLS: reloaded.clientTLS)
                        logger.info("Reloaded server configuration")
                    case .failure(let error):
                        logger.error("Failed to reload server configuration: \(error.text)")
                    }
                }
                return false
            }
            let first = await tasks.next() ?? false
            tasks.cancelAll()
            return first
        }
    }
}
