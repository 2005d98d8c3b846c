import Logging
import Monitoring
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// The HTTP monitoring listener (`-m PORT`) as a service.
final class MonitoringService: Service {
    let endpoints: MonitoringEndpoints
    let group: MultiThreadedEventLoopGroup
    let host: String
    let port: Int
    let barrier: StartupBarrier
    let logger: Logger

    static let readinessName = "monitoring"

    init(
        endpoints: MonitoringEndpoints, group: MultiThreadedEventLoopGroup, host: String, port: Int, barrier: StartupBarrier, logger: Logger
    ) {
        self.endpoints = endpoints
        self.group = group
        self.host = host
        self.port = port
        self.barrier = barrier
        self.logger = logger
    }

    func run() async throws {
        let endpoints = self.endpoints
        let (group, host, port) = (self.group, self.host, self.port)
        let channel = try await ListenFailure.naming(.monitoring, host: host, port: port) {
            try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(MonitoringHTTPHandler(endpoints: endpoints))
                    }
                }
                .bind(host: host, port: max(0, port))
                .get()
        }
        let bound = channel.localAddress?.port ?? port
        logger.info("Starting http monitor on \(host):\(bound)")
        barrier.markReady(Self.readinessName)
        try? await gracefulShutdown()
        try? await channel.close()
    }
}
