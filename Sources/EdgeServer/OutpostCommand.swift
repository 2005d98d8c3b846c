import Broker
import Logging
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// `outpost`: parse flags and configuration, then run the server until it is told to stop.
public enum OutpostCommand {
    public static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        var port = 4222
        var host = "0.0.0.0"
        var httpPort = 0
        var level = Logger.Level.info
        var loops = EventLoopSizing.cpusAvailable()
        while !arguments.isEmpty {
            let flag = arguments.removeFirst()
            switch flag {
            case "-p", "--port": port = Int(arguments.removeFirst()) ?? 4222
            case "-a", "--addr": host = arguments.removeFirst()
            case "-m", "--http_port": httpPort = Int(arguments.removeFirst()) ?? 0
            case "-D": level = .debug
            case "-V", "-DV": level = .trace
            case "--event_loops": loops = Int(arguments.removeFirst()) ?? loops
            default: break
            }
        }
        let sink = try! LogSink(path: nil, showTime: true)
        LoggingSystem.bootstrap { _ in NATSLogHandler(level: level, sink: sink) }
        var logger = Logger(label: "outpost")
        logger.logLevel = level
        var configuration = BrokerConfiguration(serverName: "outpost", serverID: ServerIdentity.randomServerID(), outpostVersion: OutpostVersion.current)
        configuration.host = host
        configuration.port = port
        configuration.httpPort = httpPort
        configuration.httpHost = host
        var settings = OutpostServer.Settings(broker: configuration, eventLoopCount: loops)
        settings.httpPort = httpPort
        settings.httpHost = host
        logger.info("Starting outpost")
        logger.info("  Version:  \(OutpostVersion.current) (nats-server protocol level \(BrokerConfiguration.protocolFeatureLevel))")
        logger.info("  Name:     \(configuration.serverName)")
        logger.info("  ID:       \(configuration.serverID)")
        let server = OutpostServer(settings: settings, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        do {
            try await group.run()
        } catch {
            logger.critical("\(error)")
            exit(1)
        }
    }
}

/// Outpost's own release.
package enum OutpostVersion {
    package static let current = "0.1.0"
}

/// Server identities in nats-server's shape: 56 characters of base32, starting with `N`
/// (a server's public nkey).
package enum ServerIdentity {
    package static func randomServerID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var generator = SystemRandomNumberGenerator()
        return "N" + String((0..<55).map { _ in alphabet[Int(generator.next() % 32)] })
    }
}
