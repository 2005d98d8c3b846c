import Broker
import EdgeConfig
import Leafnode
import NKeys

/// Maps the parsed configuration (file plus flags) onto what each part of the server takes.
/// Modules never import EdgeConfig; this is the one place where the two meet.
package enum ServerSettingsMapping {
    /// - Parameter leafCredentials: the `.creds` files of the leafnode remotes, by remote index
    ///   (read and checked beforehand by ``loadLeafCredentials(from:read:)``).
    package static func settings(
        from configuration: ServerConfiguration, leafCredentials: [Int: LeafCredentials] = [:], tls: TLSContexts = TLSContexts(),
        serverID: String = ServerIdentity.randomServerID()
    ) -> OutpostServer.Settings {
        var broker = BrokerConfiguration(
            serverName: configuration.serverName ?? serverID,
            serverID: serverID,
            outpostVersion: OutpostVersion.current
        )
        broker.host = configuration.host
        broker.port = configuration.port
        broker.maxPayload = configuration.maxPayloadBytes
        broker.maxControlLine = configuration.maxControlLineBytes
        broker.maxPending = Int(configuration.maxPendingBytes)
        // EdgeConfig stores `max_connections: 0` as -1 ("nobody may connect", as 2.12 does).
        broker.maxConnections = configuration.maxConnections < 0 ? 0 : configuration.maxConnections
        broker.maxSubscriptions = configuration.maxSubscriptions
        broker.writeDeadline = configuration.writeDeadline
        broker.pingInterval = configuration.pingInterval
        broker.pingMaxOutstanding = configuration.pingMaxOutstanding
        broker.lameDuckDuration = configuration.lameDuckDuration
        broker.lameDuckGracePeriod = configuration.lameDuckGracePeriod
        broker.headersSupported = !configuration.isHeaderSupportDisabled
        broker.subjectCacheEnabled = !configuration.isSubjectIndexCacheDisabled
        broker.maxTracedMessageLength = configuration.logging.maxTracedMessageLength
        broker.httpPort = configuration.monitoring.httpPort
        broker.httpHost = configuration.monitoring.host ?? configuration.host

        var authentication = AuthenticationConfiguration()
        let authorization = configuration.authorization
        authentication.token = authorization.token
        if let username = authorization.username {
            // As in nats-server, `permissions` in the block only apply to `users` entries.
            authentication.users.append(UserCredentials(user: username, password: authorization.password ?? ""))
        }
        for user in authorization.users {
            var credentials = UserCredentials(
                user: user.username ?? "", password: user.password ?? "", nkey: user.nkey,
                permissions: user.permissions.map(permissionRules))
            credentials.allowedConnectionTypes = user.allowedConnectionTypes
            authentication.users.append(credentials)
        }
        for account in configuration.accountSettings {
            var definition = AccountDefinition(name: account.name)
            definition.imports = account.imports.map {
                ImportDefinition(exporter: $0.account, subject: $0.subject, isService: $0.isService, to: $0.to, prefix: $0.prefix)
            }
            broker.accounts.append(definition)
            for user in account.users {
                var credentials = UserCredentials(
                    user: user.username ?? "", password: user.password ?? "", nkey: user.nkey,
                    permissions: user.permissions.map(permissionRules))
                credentials.allowedConnectionTypes = user.allowedConnectionTypes
                credentials.account = account.name
                authentication.users.append(credentials)
            }
        }
        authentication.noAuthUser = configuration.noAuthUser
        if let timeout = authorization.timeout { authentication.timeout = timeout }
        broker.authentication = authentication
        broker.leafNodes = leafNodeConfiguration(from: configuration)
        for (index, credentials) in leafCredentials where index < (broker.leafNodes?.remotes.count ?? 0) {
            broker.leafNodes?.remotes[index].credentials = credentials
        }
        broker.clientTLS = tls.clientPort
        if let settings = configuration.webSocketSettings {
            var webSocket = WebSocketConfiguration(host: settings.host ?? configuration.host, port: settings.port)
            webSocket.tls = tls.webSocket
            webSocket.sameOrigin = settings.sameOrigin
            webSocket.allowedOrigins = settings.allowedOrigins
            webSocket.handshakeTimeout = settings.handshakeTimeout
            broker.webSocket = webSocket
        }
        broker.leafNodes?.tls = tls.leafPort
        for (index, remoteTLS) in tls.remotes where index < (broker.leafNodes?.remotes.count ?? 0) {
            broker.leafNodes?.remotes[index].tls = remoteTLS
        }

        var settings = OutpostServer.Settings(
            broker: broker,
            eventLoopCount: configuration.eventLoopCount ?? EventLoopSizing.cpusAvailable()
        )
        settings.httpPort = configuration.monitoring.httpPort
        settings.httpHost = configuration.monitoring.host ?? configuration.host
        settings.pidFile = configuration.pidFile
        settings.portsFileDirectory = configuration.portsFileDirectory
        settings.jetStream = jetStreamSettings(from: configuration)
        return settings
    }

    /// Where the server keeps state: JetStream's store directory, or `./data` beside the
    /// store-and-forward journals; nil when it keeps none (then, like nats-server, it takes a
    /// new id at every start).
    static func stateDirectory(of configuration: ServerConfiguration) -> String? {
        if let jetStream = jetStreamSettings(from: configuration) { return jetStream.storeDirectory }
        let buffers = configuration.leafNodeSettings?.remotes.contains { $0.storeAndForward != nil } ?? false
        guard buffers else { return nil }
        return configuration.jetStream.storeDirectory.flatMap { $0.isEmpty ? nil : $0 } ?? "./data"
    }

    /// A user's `permissions` block as the broker enforces it.
    static func permissionRules(_ permissions: UserPermissions) -> PermissionRules {
        PermissionRules(
            publishAllow: permissions.publish?.allow, publishDeny: permissions.publish?.deny,
            subscribeAllow: permissions.subscribe?.allow, subscribeDeny: permissions.subscribe?.deny,
            responses: permissions.allowResponses.map { ResponseAllowance(maxMessages: $0.maxMessages, expires: $0.expires) })
    }

    /// Reads and checks each remote's `credentials` file: a user JWT and a valid user seed.
    /// The error names the file, line, column and key of the setting.
    package static func loadLeafCredentials(
        from configuration: ServerConfiguration,
        read: (String) throws -> String
    ) -> Result<[Int: LeafCredentials], ConfigError> {
        var found: [Int: LeafCredentials] = [:]
        for (index, remote) in (configuration.leafNodeSettings?.remotes ?? []).enumerated() {
            if let seed = remote.nkeySeed {
                do {
                    let keys = try NKeys.KeyPair(seed: seed)
                    guard keys.role == .user else { throw NKeys.Failure.invalidCredentials("not a user seed") }
                } catch {
                    return .failure(
                        ConfigError(
                            .invalidValue, "not a valid user nkey seed: \(error)", at: remote.nkeyPosition,
                            key: "leafnodes.remotes[\(index)].nkey"))
                }
            }
            guard let path = remote.credentialsPath else { continue }
            let key = "leafnodes.remotes[\(index)].credentials"
            let text: String
            do {
                text = try read(path)
            } catch {
                return .failure(ConfigError(.invalidValue, "cannot read \(path): \(error)", at: remote.credentialsPosition, key: key))
            }
            do {
                let parsed = try NKeys.checkedCredentials(text)
                found[index] = LeafCredentials(jwt: parsed.jwt, seed: parsed.seed)
            } catch {
                return .failure(ConfigError(.invalidValue, "\(path): \(error)", at: remote.credentialsPosition, key: key))
            }
        }
        return .success(found)
    }

    /// The `leafnodes` block as the broker takes it; nil when there is none.
    static func leafNodeConfiguration(from configuration: ServerConfiguration) -> LeafNodeConfiguration? {
        guard let settings = configuration.leafNodeSettings else { return nil }
        var leafNodes = LeafNodeConfiguration()
        if let port = settings.port, port != 0 {
            leafNodes.acceptPort = port
            leafNodes.acceptHost = settings.host ?? configuration.host
        }
        leafNodes.advertise = settings.advertise
        leafNodes.users = settings.users.map {
            var user = UserCredentials(user: $0.username, password: $0.password)
            user.account = $0.account
            return user
        }
        leafNodes.nkeys = settings.nkeys
        if let timeout = settings.authTimeout { leafNodes.authTimeout = timeout }
        if let interval = settings.reconnectInterval { leafNodes.reconnectInterval = interval }
        // The journals live beside JetStream's store (`./data` when none is configured).
        let storeDirectory = configuration.jetStream.storeDirectory.flatMap { $0.isEmpty ? nil : $0 } ?? "./data"
        leafNodes.remotes = settings.remotes.enumerated().map { index, remote in
            var configured = LeafRemoteConfiguration(
                urls: remote.urls.map {
                    LeafURL(host: $0.host, port: $0.port, user: $0.user, password: $0.password, requiresTLS: $0.requiresTLS)
                }
            )
            configured.denyImports = remote.denyImports
            configured.account = remote.account
            configured.nkeySeed = remote.nkeySeed
            configured.denyExports = remote.denyExports
            if let buffer = remote.storeAndForward {
                var forward = StoreAndForwardConfiguration(
                    subjects: buffer.subjects, journalPath: "\(storeDirectory)/forward/remote-\(index).db"
                )
                forward.maxBytes = Int(buffer.maxBytes)
                forward.maxMessages = Int(buffer.maxMessages)
                forward.maxAge = buffer.maxAge
                forward.discardNew = buffer.discardNew
                forward.rateLimit = Int(buffer.rateLimit)
                configured.storeAndForward = forward
            }
            return configured
        }
        return leafNodes
    }

    /// JetStream settings: as nats-server, JetStream runs only when `-js` or the configuration
    /// file turns it on (a bare start stores nothing). Without `store_dir` it stores under
    /// `./data` (nats-server: the system's temporary directory, which a Pi's tmpfs loses at
    /// every reboot).
    static func jetStreamSettings(from configuration: ServerConfiguration) -> JetStreamSettings? {
        let jetStream = configuration.jetStream
        guard jetStream.isEnabled else { return nil }
        let directory = jetStream.storeDirectory.flatMap { $0.isEmpty ? nil : $0 }
        var settings = JetStreamSettings(
            storeDirectory: directory ?? "./data", isDefaultDirectory: directory == nil, domain: jetStream.domain)
        settings.maxMemory = jetStream.maxMemoryBytes
        if let cache = jetStream.sqliteCacheBytes { settings.sqliteCacheBytes = Int(cache) }
        settings.maxStorage = jetStream.maxFileBytes
        if jetStream.isSyncConfigured && !jetStream.isSyncAlways {
            settings.sync = .interval(jetStream.syncInterval)
        }
        // As nats-server 2.9: with accounts configured, JetStream runs in those that say
        // `jetstream` (none if none does); without accounts, in the global account.
        if !configuration.accountSettings.isEmpty {
            settings.accounts = configuration.accountSettings.compactMap { account in
                account.jetStream.map { JetStreamSettings.Account(name: account.name, limits: $0) }
            }
        }
        return settings
    }
}
