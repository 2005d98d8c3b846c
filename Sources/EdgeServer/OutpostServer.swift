import Broker
import JetStreamSQLite
import Logging
import Monitoring
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The composition root: binds the listeners, builds the broker, wires JetStream and the
/// store-and-forward buffers to it, and makes the services that run the server. The one place
/// where the modules meet.
///
/// ``prepare(settings:logger:)`` does what must come before any service runs (binding the ports
/// the broker announces, locking the JetStream directory, opening the journals) and undoes it
/// if a step fails. ``services`` then run in one `ServiceGroup`, started together, the listeners
/// accepting only once JetStream, the buffers and monitoring run, and shut down in reverse
/// order: signals, leafnode dialers, listeners (closing every connection), buffers, JetStream,
/// monitoring. A service that fails cancels the others, and each undoes what it started.
package final class OutpostServer: Sendable {
    package struct Settings: Sendable {
        package var broker: BrokerConfiguration
        /// Monitoring port (0: none).
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
    package let broker: Broker
    /// The services, in start order (see the type's comment).
    package let services: [ServiceGroupConfiguration.ServiceConfiguration]
    /// The client event loops.
    let group: MultiThreadedEventLoopGroup
    /// The store-and-forward buffers' thread (nil without one).
    let forwardGroup: MultiThreadedEventLoopGroup?
    /// Where bcrypt hashes are checked: a fixed number of threads, never an event loop.
    let passwordPool: PasswordPool

    private init(
        settings: Settings, broker: Broker, services: [ServiceGroupConfiguration.ServiceConfiguration], group: MultiThreadedEventLoopGroup,
        forwardGroup: MultiThreadedEventLoopGroup?, passwordPool: PasswordPool
    ) {
        self.settings = settings
        self.broker = broker
        self.services = services
        self.group = group
        self.forwardGroup = forwardGroup
        self.passwordPool = passwordPool
    }

    /// Threads that check bcrypt passwords: two at most (a hash at cost 11 takes 0.1 s and more
    /// on a Pi; more threads would only take CPU from the event loops).
    static func passwordThreadCount() -> Int { min(2, EventLoopSizing.cpusAvailable()) }

    /// Binds, builds and wires everything the services need; on a failure undoes what it did
    /// and throws.
    package static func prepare(settings: Settings, logger: Logger) async throws -> OutpostServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, settings.eventLoopCount))
        let passwordPool = PasswordPool(threads: passwordThreadCount())
        var forwardGroup: MultiThreadedEventLoopGroup?
        var bound: [any Channel] = []
        var jetStreamLock: JetStreamRuntime.DirectoryLock?
        do {
            var configuration = settings.broker
            if let jetStream = settings.jetStream {
                jetStreamLock = try JetStreamRuntime.lockDirectory(settings: jetStream, logger: logger)
            }
            configuration.jetStreamEnabled = jetStreamLock != nil
            configuration.jetStreamDomain = settings.jetStream?.domain

            // Bound with accepting off: the broker learns the real ports before anyone connects.
            let brokerBox = BrokerBox()
            let clientChannel = try await ListenFailure.naming(.client, host: configuration.host, port: configuration.port) {
                try await bindClientListener(group: group, configuration: configuration, brokerBox: brokerBox, logger: logger)
            }
            bound.append(clientChannel)
            configuration.port = clientChannel.localAddress?.port ?? configuration.port
            var leafChannel: (any Channel)?
            if var leafNodes = configuration.leafNodes, let port = leafNodes.acceptPort {
                let host = leafNodes.acceptHost ?? configuration.host
                let channel = try await ListenFailure.naming(.leafnode, host: host, port: port) {
                    try await bindLeafListener(group: group, host: host, port: port, brokerBox: brokerBox, logger: logger)
                }
                bound.append(channel)
                leafChannel = channel
                leafNodes.acceptHost = host
                leafNodes.acceptPort = channel.localAddress?.port ?? port
                configuration.leafNodes = leafNodes
            }
            var webSocketChannel: (any Channel)?
            if let webSocket = configuration.webSocket {
                let channel = try await ListenFailure.naming(.webSocket, host: webSocket.host, port: webSocket.port) {
                    try await WebSocketListener.bind(
                        group: group, configuration: webSocket, maxPayload: configuration.maxPayload, brokerBox: brokerBox.get,
                        logger: logger)
                }
                bound.append(channel)
                webSocketChannel = channel
            }

            let broker = Broker(configuration: configuration, logger: logger, passwordPool: passwordPool)
            brokerBox.set(broker)

            // Store-and-forward journals: one SQLite file and one buffer per remote that has one,
            // on a thread of their own (journal writes stay off the client event loops), made
            // only when a remote has a buffer: an idle thread still costs memory (malloc arena).
            let remotes = configuration.leafNodes?.remotes ?? []
            if remotes.contains(where: { $0.storeAndForward != nil }) { forwardGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1) }
            var leafRemotes: [LeafRemote] = []
            var forwardBuffers: [ForwardBuffer] = []
            for (index, remote) in remotes.enumerated() {
                var buffer: ForwardBuffer?
                if let forward = remote.storeAndForward, let forwardGroup {
                    let journal: SQLiteForwardJournalStorage
                    do {
                        journal = try SQLiteForwardJournalStorage(path: forward.journalPath)
                    } catch {
                        logger.error(
                            "Store-and-forward journal \(forward.journalPath) of leafnode remote \(index) cannot be opened: \(error)")
                        throw error
                    }
                    let made = ForwardBuffer(
                        configuration: forward, remoteIndex: index, journal: journal, loop: forwardGroup.next(), broker: broker,
                        logger: logger)
                    logger.info(
                        "Store-and-forward for leafnode remote \(index): \(forward.subjects.joined(separator: ", ")) journaled in \(forward.journalPath)"
                    )
                    forwardBuffers.append(made)
                    buffer = made
                }
                let interval = configuration.leafNodes?.reconnectInterval ?? .seconds(1)
                leafRemotes.append(LeafRemote(configuration: remote, index: index, reconnectInterval: interval, forwardBuffer: buffer))
            }
            broker.leafRemotes = leafRemotes

            // What the listeners wait for.
            var parts: Set<String> = []
            let jetStreamStatus = JetStreamStatusSource()
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
            var pending: [(String, @Sendable (StartupBarrier) -> any Service)] = []
            if settings.httpPort != 0 {
                let endpoints = MonitoringEndpoints(broker: broker, eventLoopCount: settings.eventLoopCount, jetStream: jetStreamStatus)
                pending.append(
                    (
                        MonitoringService.readinessName,
                        { barrier in
                            MonitoringService(
                                endpoints: endpoints, group: group, host: settings.httpHost, port: settings.httpPort, barrier: barrier,
                                logger: logger)
                        }
                    ))
            }
            let serverName = configuration.serverName
            if let lock = jetStreamLock, let jetStream = settings.jetStream {
                let sharedLoop = engineSharesClientLoop(settings: settings, jetStream: jetStream) ? group.next() : nil
                pending.append(
                    (
                        JetStreamService.readinessName,
                        { barrier in
                            JetStreamService(
                                settings: jetStream, lock: lock, serverName: serverName, broker: broker, sharedLoop: sharedLoop,
                                status: jetStreamStatus, barrier: barrier, logger: logger)
                        }
                    ))
            }
            for buffer in forwardBuffers {
                pending.append(("forward-\(buffer.remoteIndex)", { barrier in ForwardBufferService(buffer: buffer, barrier: barrier) }))
            }
            for (name, _) in pending { parts.insert(name) }
            let barrier = StartupBarrier(waitingFor: parts)
            for (_, make) in pending { services.append(.init(service: make(barrier))) }

            var listeners: [ListenerService.Listener] = []
            if let webSocketChannel, let webSocket = configuration.webSocket {
                let scheme = webSocket.tls == nil ? "ws" : "wss"
                let port = webSocketChannel.localAddress?.port ?? webSocket.port
                listeners.append(
                    .init(
                        channel: webSocketChannel, announcement: "Listening for websocket clients on \(scheme)://\(webSocket.host):\(port)")
                )
            }
            if let leafChannel, let leafNodes = configuration.leafNodes {
                listeners.append(
                    .init(
                        channel: leafChannel,
                        announcement:
                            "Listening for leafnode connections on \(leafNodes.acceptHost ?? configuration.host):\(leafNodes.acceptPort ?? 0)"
                    ))
            }
            listeners.append(
                .init(
                    channel: clientChannel, announcement: "Listening for client connections on \(configuration.host):\(configuration.port)")
            )
            let accepting = StartupBarrier(waitingFor: [ListenerService.readinessName])
            let listenerService = ListenerService(
                listeners: listeners, broker: broker, barrier: barrier, accepting: accepting, logger: logger)
            services.append(.init(service: listenerService))
            for remote in leafRemotes {
                services.append(
                    .init(service: LeafDialerService(remote: remote, broker: broker, group: group, accepting: accepting, logger: logger)))
            }
            // The server ending on its own (after lame duck mode) is a normal end, not a failure.
            services.append(
                .init(
                    service: SignalService(broker: broker, listeners: listenerService, reload: settings.reload, logger: logger),
                    successTerminationBehavior: .gracefullyShutdownGroup))
            return OutpostServer(
                settings: settings, broker: broker, services: services, group: group, forwardGroup: forwardGroup, passwordPool: passwordPool
            )
        } catch {
            for channel in bound { try? await channel.close() }
            if let jetStreamLock { JetStreamRuntime.releaseDirectory(jetStreamLock) }
            try? await forwardGroup?.shutdownGracefully()
            await passwordPool.shutDown()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// After the services ended: the threads go.
    package func shutDown(logger: Logger) async {
        try? await forwardGroup?.shutdownGracefully()
        await passwordPool.shutDown()
        logger.info("Server Exiting..")
        try? await group.shutdownGracefully()
    }

    /// Whether the JetStream engines run on the client event loop instead of a thread of their
    /// own: only when the process may use one CPU (a second thread then gains nothing and costs
    /// two thread switches per batch) and commits never wait for the disk (`sync_interval`).
    /// With the default sync, the engine's thread waits in fsync while the loop goes on serving
    /// clients: on an SD card that wait is tens of milliseconds that core traffic must not share.
    static func engineSharesClientLoop(settings: Settings, jetStream: JetStreamSettings) -> Bool {
        settings.eventLoopCount == 1 && jetStream.sync != .always && EventLoopSizing.cpusAvailable() == 1
    }

    private static func bindClientListener(
        group: MultiThreadedEventLoopGroup, configuration: BrokerConfiguration, brokerBox: BrokerBox, logger: Logger
    ) async throws -> any Channel {
        let maxPending = configuration.maxPending
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.autoRead, value: false)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 4)
            // Reads of at most 64 KiB, as nats-server: larger buffers come from mmap in glibc
            // and page-fault on every read.
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 512, initial: 4096, maximum: 64 * 1024))
            .childChannelOption(.writeBufferWaterMark, value: .init(low: min(maxPending / 2, 1024 * 1024), high: maxPending))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let broker = brokerBox.get() else { throw ChannelError.ioOnClosedChannel }
                    try channel.pipeline.syncOperations.addHandler(ClientSession.channelHandler(host: broker, logger: logger))
                }
            }
            .bind(host: configuration.host, port: configuration.port == -1 ? 0 : configuration.port)
            .get()
    }

    private static func bindLeafListener(
        group: MultiThreadedEventLoopGroup, host: String, port: Int, brokerBox: BrokerBox, logger: Logger
    ) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 128)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.autoRead, value: false)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let broker = brokerBox.get() else { throw ChannelError.ioOnClosedChannel }
                    try channel.pipeline.syncOperations.addHandler(LeafSession.channelHandler(host: broker, logger: logger, remote: nil))
                }
            }
            .bind(host: host, port: port == -1 ? 0 : port)
            .get()
    }
}

/// The broker, for listeners bound before it exists (they accept nothing until it does).
final class BrokerBox: Sendable {
    private let broker = NIOLockedValueBox<Broker?>(nil)

    func set(_ value: Broker) { broker.withLockedValue { $0 = value } }
    @Sendable func get() -> Broker? { broker.withLockedValue { $0 } }
}
