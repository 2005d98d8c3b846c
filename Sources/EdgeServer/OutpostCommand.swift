import Broker
import EdgeConfig
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// `outpost`: nats-server's command line, then the server until it is told to stop.
///
/// Flags follow Go's `flag` package as nats-server uses it (`-p 4222`, `--port=4222`,
/// `-sd=DIR`, `-DV`); they are applied after the configuration file, so flags win.
public enum OutpostCommand {
    public static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "bench" {
            await BenchCommand.main(Array(arguments.dropFirst()))
            return
        }
        let flags: CommandLineFlags
        do {
            flags = try CommandLineFlags.parse(arguments)
        } catch {
            SystemFiles.standardError("outpost: \(error.message)\n\(CommandLineFlags.usage)\n")
            exit(1)
        }
        if flags.isHelpRequested {
            SystemFiles.standardOutput(CommandLineFlags.usage + "\n")
            exit(0)
        }
        if flags.isTLSHelpRequested {
            SystemFiles.standardOutput("\n" + CommandLineFlags.tlsOptions + "\n")
            exit(0)
        }
        if flags.isVersionRequested {
            SystemFiles.standardOutput(
                "outpost: v\(OutpostVersion.current) (nats-server protocol level \(BrokerConfiguration.protocolFeatureLevel))\n")
            exit(0)
        }

        let loaded: LoadedConfiguration
        do throws(ConfigErrorList) {
            loaded = try loadConfiguration(flags: flags)
        } catch {
            SystemFiles.standardError(error.errors.map { "outpost: \($0.description)\n" }.joined())
            for warning in error.warnings { SystemFiles.standardError("outpost: warning: \(warning.description)\n") }
            exit(1)
        }
        let leafCredentials: [Int: LeafCredentials]
        switch ServerSettingsMapping.loadLeafCredentials(
            from: loaded.configuration,
            read: { path in
                do throws(SystemFiles.FileError) { return try SystemFiles.readText(path) } catch {
                    throw CredentialsReadError(reason: error.reason)
                }
            })
        {
        case .success(let credentials): leafCredentials = credentials
        case .failure(let error):
            SystemFiles.standardError("outpost: \(error.description)\n")
            exit(1)
        }
        let tls: TLSContexts
        switch TLSContexts.load(from: loaded.configuration) {
        case .success(let contexts): tls = contexts
        case .failure(let error):
            SystemFiles.standardError("outpost: \(error.description)\n")
            exit(1)
        }
        if flags.isConfigurationCheck {
            for warning in loaded.warnings { SystemFiles.standardError("outpost: warning: \(warning.description)\n") }
            SystemFiles.standardOutput("outpost: configuration file \(flags.configFile ?? "(none)") is valid\n")
            exit(0)
        }
        let configuration = loaded.configuration

        // Logging, as nats-server: -D debug, -V trace, -l file, -T timestamps.
        let level: Logger.Level =
            configuration.logging.isTraceEnabled ? .trace : configuration.logging.isDebugEnabled ? .debug : .info
        let sink: LogSink
        do {
            sink = try LogSink(path: configuration.logging.file, showTime: configuration.logging.hasTimestamps)
        } catch {
            SystemFiles.standardError("outpost: \(error)\n")
            exit(1)
        }
        LoggingSystem.bootstrap { _ in NATSLogHandler(level: level, sink: sink) }
        var logger = Logger(label: "outpost")
        logger.logLevel = level
        for warning in loaded.warnings { logger.warning("\(warning.description)") }

        var identityNote: String?
        var serverID = ServerIdentity.randomServerID()
        if let directory = ServerSettingsMapping.stateDirectory(of: configuration) {
            let identity = PersistentIdentity.load(directory: directory)
            serverID = identity.serverID
            identityNote = identity.createdBecause.map { "New server identity in \(directory)/\(PersistentIdentity.fileName) (\($0))" }
        }
        let settings = ServerSettingsMapping.settings(from: configuration, leafCredentials: leafCredentials, tls: tls, serverID: serverID)
        logger.info("Starting outpost")
        logger.info("  Version:  \(OutpostVersion.current) (nats-server protocol level \(BrokerConfiguration.protocolFeatureLevel))")
        logger.info("  Name:     \(settings.broker.serverName)")
        logger.info("  ID:       \(settings.broker.serverID)")
        if let file = configuration.configurationFile { logger.info("Using configuration file: \(file)") }
        if let identityNote { logger.info("\(identityNote)") }
        if settings.broker.authentication.users.contains(where: { !$0.password.isEmpty && !$0.password.hasPrefix("$2") }) {
            logger.warning("Plaintext passwords detected, use nkeys or bcrypt")
        }

        if let pidFile = configuration.pidFile {
            do {
                try SystemFiles.writeText(String(getpid()), to: pidFile)
            } catch {
                logger.critical("Could not write pid file: \(error)")
                exit(1)
            }
        }

        var serverSettings = settings
        if flags.configFile != nil {
            serverSettings.reload = { Self.reload(flags: flags, running: settings) }
        }
        let server: OutpostServer
        do {
            server = try await OutpostServer.prepare(settings: serverSettings, logger: logger)
        } catch {
            logger.critical("\(error)")
            if let pidFile = configuration.pidFile { SystemFiles.remove(pidFile) }
            exit(1)
        }
        let group = ServiceGroup(
            configuration: .init(services: server.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        do {
            try await group.run()
        } catch {
            logger.critical("\(error)")
            if let pidFile = configuration.pidFile { SystemFiles.remove(pidFile) }
            exit(1)
        }
        await server.shutDown(logger: logger)
        if let pidFile = configuration.pidFile { SystemFiles.remove(pidFile) }
    }
}

extension OutpostCommand {
    /// The configuration file (if any) with the flags applied, files and environment from the
    /// system: at start, and again on SIGHUP.
    static func loadConfiguration(flags: CommandLineFlags) throws(ConfigErrorList) -> LoadedConfiguration {
        try ConfigurationLoader.load(
            path: flags.configFile,
            flags: flags,
            readFile: { path throws(ConfigError) in
                do throws(SystemFiles.FileError) {
                    return try SystemFiles.readText(path)
                } catch {
                    throw ConfigError(.include, "cannot read \(path): \(error.reason)")
                }
            },
            environment: { SystemFiles.environment($0) }
        )
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

/// Why a credentials file could not be read (its text is the system's reason).
struct CredentialsReadError: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}
