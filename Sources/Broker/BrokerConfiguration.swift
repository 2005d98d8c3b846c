/// What the broker needs to know, with nats-server's defaults (`server/const.go`).
///
/// The executable maps the parsed configuration file and flags onto this value; the broker never
/// reads configuration files itself.
package struct BrokerConfiguration: Sendable {
    /// Defaults and hard limits, named as nats-server names them.
    package enum Defaults {
        package static let port = 4222
        package static let host = "0.0.0.0"
        package static let maxControlLine = 4096
        package static let maxPayload = 1024 * 1024
        /// nats-server refuses `max_payload` above 64 MiB outright and warns above 8 MiB.
        package static let maxPayloadHardLimit = 64 * 1024 * 1024
        package static let maxPending = 64 * 1024 * 1024
        package static let maxConnections = 64 * 1024
        package static let authTimeout: Duration = .seconds(2)
        package static let pingInterval: Duration = .seconds(120)
        package static let pingMaxOutstanding = 2
        package static let writeDeadline: Duration = .seconds(10)
        package static let lameDuckDuration: Duration = .seconds(120)
        package static let lameDuckGracePeriod: Duration = .seconds(10)
        /// Longest message body shown in `-V` trace lines before it is cut (0 = whole body).
        package static let maxTracedMessageLength = 0
    }

    /// The nats-server release whose behaviour we implement; sent as INFO `version`, because
    /// clients turn features on and off by it.
    package static let protocolFeatureLevel = "2.9.0"
    /// INFO `proto`: 1 means the server sends async INFO updates.
    package static let protocolVersion = 1

    package var serverName: String
    package var serverID: String
    /// Outpost's own release, shown in /varz and `--version`.
    package var outpostVersion: String
    package var host: String = Defaults.host
    package var port: Int = Defaults.port

    package var maxControlLine: Int = Defaults.maxControlLine
    package var maxPayload: Int = Defaults.maxPayload
    package var maxPending: Int = Defaults.maxPending
    package var maxConnections: Int = Defaults.maxConnections
    /// 0 = no limit.
    package var maxSubscriptions: Int = 0
    package var writeDeadline: Duration = Defaults.writeDeadline
    package var pingInterval: Duration = Defaults.pingInterval
    package var pingMaxOutstanding: Int = Defaults.pingMaxOutstanding
    package var lameDuckDuration: Duration = Defaults.lameDuckDuration
    package var lameDuckGracePeriod: Duration = Defaults.lameDuckGracePeriod
    package var headersSupported = true
    package var subjectCacheEnabled = true
    package var authentication = AuthenticationConfiguration()
    /// `tls`: TLS on the client port (nil: plain connections).
    package var clientTLS: ServerTLS?
    /// `accounts`: the accounts besides `$G`, with their imports.
    package var accounts: [AccountDefinition] = []
    /// `websocket`: where WebSocket clients connect (nil: no listener).
    package var webSocket: WebSocketConfiguration?
    package var maxTracedMessageLength: Int = Defaults.maxTracedMessageLength
    /// Set when JetStream is enabled, for INFO `jetstream`.
    package var jetStreamEnabled = false
    /// The JetStream domain, for INFO `domain`.
    package var jetStreamDomain: String?
    /// Monitoring port for /varz (0 = none).
    package var httpPort = 0
    package var httpHost = Defaults.host
    /// `leafnodes`: the accepting side and the remotes (nil: no leafnode links).
    package var leafNodes: LeafNodeConfiguration?

    package init(serverName: String, serverID: String, outpostVersion: String) {
        self.serverName = serverName
        self.serverID = serverID
        self.outpostVersion = outpostVersion
    }
}

/// Who may connect (nats-server `authorization` block and `--user`/`--pass`/`--auth`).
package struct AuthenticationConfiguration: Sendable, Equatable {
    package var token: String?
    package var users: [UserCredentials] = []
    /// Connections that send no credentials are bound to this user.
    package var noAuthUser: String?
    package var timeout: Duration = BrokerConfiguration.Defaults.authTimeout

    package init(token: String? = nil, users: [UserCredentials] = [], noAuthUser: String? = nil) {
        self.token = token
        self.users = users
        self.noAuthUser = noAuthUser
    }

    /// INFO `auth_required`.
    package var isRequired: Bool { token != nil || !users.isEmpty }

    /// Whether INFO carries a nonce for nkey users to sign.
    package var hasNKeyUsers: Bool { users.contains { $0.nkey != nil } }
}

/// One `users` entry: a name and password (plain or bcrypt), or a public user nkey.
package struct UserCredentials: Sendable, Equatable {
    /// Empty for an nkey user.
    package var user: String
    package var password: String
    package var nkey: String?
    /// nil: the user may publish and subscribe to anything.
    package var permissions: PermissionRules?
    /// The account the user belongs to (`accounts { NAME: { users } }`); nil: `$G`.
    package var account: String?
    /// `allowed_connection_types` in upper case (`STANDARD`, `WEBSOCKET`, ...); nil for all.
    package var allowedConnectionTypes: [String]?

    /// Whether the user may connect over `type` (`STANDARD` or `WEBSOCKET`).
    package func allows(_ type: String) -> Bool {
        allowedConnectionTypes?.contains(type) ?? true
    }

    package init(user: String, password: String, nkey: String? = nil, permissions: PermissionRules? = nil) {
        self.user = user
        self.password = password
        self.nkey = nkey
        self.permissions = permissions
    }

    /// How logs name the user (never with a secret).
    package var logName: String { nkey.map { "Nkey \"\($0)\"" } ?? "User \"\(user)\"" }
}
