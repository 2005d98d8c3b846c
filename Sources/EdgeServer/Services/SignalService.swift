import Broker
import Logging
import ServiceLifecycle
import UnixSignals

/// The signals nats-server answers besides SIGTERM/SIGINT (which the service group turns into a
/// graceful shutdown): SIGUSR2 puts the server in lame duck mode and then ends it, SIGHUP
/// reloads the configuration. Last in the group, so it is the first told to shut down.
struct SignalService: Service {
    let broker: Broker
    let listeners: ListenerService
    /// Reads the configuration again (SIGHUP): what may change, or why nothing does.
    let reload: (@Sendable () -> Result<OutpostServer.Reloaded, OutpostServer.ReloadError>)?
    let logger: Logger

    func run() async throws {
        let lameDuck = await waitForStopSignal()
        if lameDuck {
            await listeners.stopAccepting()
            await broker.enterLameDuckMode()
        }
        // Returning ends the group gracefully (after lame duck mode), or lets it go on with the
        // shutdown it asked for.
        logger.info("Initiating Shutdown...")
    }

    /// Returns `true` for lame duck mode, `false` for a graceful shutdown of the group.
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
            tasks.addTask { [logger, reload, broker] in
                // nats-server reloads its configuration on SIGHUP: users, passwords, tokens,
                // permissions and TLS certificates here; anything else needs a restart.
                for await _ in await UnixSignalsSequence(trapping: .sighup) {
                    guard let reload else {
                        logger.warning("Reloading: no configuration file to read again")
                        continue
                    }
                    switch reload() {
                    case .success(let reloaded):
                        await broker.reload(authentication: reloaded.authentication, clientTLS: reloaded.clientTLS)
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
