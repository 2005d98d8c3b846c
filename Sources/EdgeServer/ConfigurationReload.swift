import Broker
import EdgeConfig

/// SIGHUP: the configuration file is read again, with the same flags. Users, passwords,
/// tokens, permissions and the client port's TLS certificates are applied; a change to
/// anything else that is compared here (listeners, limits, JetStream, leafnodes and their
/// users, accounts, WebSocket) makes the whole reload fail with the names of what changed, and
/// the server keeps its configuration, as nats-server refuses options it cannot reload. Not
/// compared, and not applied until a restart: the certificates of the leafnode and WebSocket
/// ports and of remotes, and remotes' credentials (their files are read at start).
extension OutpostCommand {
    static func reload(
        flags: CommandLineFlags, running: OutpostServer.Settings
    ) -> Result<OutpostServer.Reloaded, OutpostServer.ReloadError> {
        let loaded: LoadedConfiguration
        do throws(ConfigErrorList) {
            loaded = try loadConfiguration(flags: flags)
        } catch {
            return .failure(.init(error.errors.map(\.description).joined(separator: "; ")))
        }
        let tls: TLSContexts
        switch TLSContexts.load(from: loaded.configuration) {
        case .success(let contexts): tls = contexts
        case .failure(let error): return .failure(.init(error.description))
        }
        let fresh = ServerSettingsMapping.settings(from: loaded.configuration, tls: tls, serverID: running.broker.serverID)
        let old = running.broker
        let new = fresh.broker
        var changed: [String] = []
        if old.host != new.host || old.port != new.port { changed.append("listen") }
        if old.maxPayload != new.maxPayload || old.maxControlLine != new.maxControlLine || old.maxPending != new.maxPending
            || old.maxConnections != new.maxConnections || old.maxSubscriptions != new.maxSubscriptions
        {
            changed.append("limits")
        }
        if old.accounts != new.accounts || Set(old.authentication.users.map(\.account)) != Set(new.authentication.users.map(\.account)) {
            changed.append("accounts")
        }
        if old.leafNodes?.acceptPort != new.leafNodes?.acceptPort
            || old.leafNodes?.remotes.map(\.urls) != new.leafNodes?.remotes.map(\.urls)
            || old.leafNodes?.users != new.leafNodes?.users || old.leafNodes?.nkeys != new.leafNodes?.nkeys
            || old.leafNodes?.remotes.map(\.account) != new.leafNodes?.remotes.map(\.account)
        {
            changed.append("leafnodes")
        }
        if (old.webSocket == nil) != (new.webSocket == nil) || old.webSocket?.port != new.webSocket?.port { changed.append("websocket") }
        // Any JetStream setting (store, domain, limits, sync, the accounts it runs in) needs a restart.
        if running.jetStream != fresh.jetStream {
            changed.append("jetstream")
        }
        if running.httpPort != fresh.httpPort { changed.append("http_port") }
        if (old.clientTLS == nil) != (new.clientTLS == nil) { changed.append("tls (on or off)") }
        // Connections keep the mapping they were accepted with: switching it needs a restart.
        if let before = old.clientTLS, let after = new.clientTLS, before.mapsCertificateToUser != after.mapsCertificateToUser {
            changed.append("tls.verify_and_map")
        }
        guard changed.isEmpty else {
            return .failure(.init("config reload not supported for \(changed.joined(separator: ", ")); restart to apply"))
        }
        return .success(.init(authentication: new.authentication, clientTLS: new.clientTLS))
    }
}
