import Broker
import Logging
import Monitoring
import NIOCore
import ServiceLifecycle

/// JetStream as a service: starts the engines in the directory locked before (``JetStreamRuntime``),
/// publishes their status to monitoring, and stops them on shutdown, or when a failed start
/// elsewhere cancels the group.
struct JetStreamService: Service {
    let settings: JetStreamSettings
    let lock: JetStreamRuntime.DirectoryLock
    let serverName: String
    let broker: Broker
    /// The client loop the engines share on one CPU, or nil for a thread of their own.
    let sharedLoop: (any EventLoop)?
    let status: JetStreamStatusSource
    let barrier: StartupBarrier
    let logger: Logger

    static let readinessName = "jetstream"

    func run() async throws {
        let runtime = try await JetStreamRuntime.start(
            settings: settings, lock: lock, serverName: serverName, broker: broker, status: status, sharedLoop: sharedLoop, logger: logger
        )
        barrier.markReady(Self.readinessName)
        // Until the group shuts down (or is cancelled by another part's failure).
        try? await gracefulShutdown()
        await runtime.stop(logger: logger)
    }
}

/// A remote's store-and-forward buffer as a service: subscribes its subjects before the first
/// client is accepted, stops after the connections are closed.
struct ForwardBufferService: Service {
    let buffer: ForwardBuffer

    var readinessName: String { "forward-\(buffer.remoteIndex)" }
    let barrier: StartupBarrier

    func run() async throws {
        try await buffer.start().get()
        barrier.markReady(readinessName)
        try? await gracefulShutdown()
        try? await buffer.stop().get()
    }
}
