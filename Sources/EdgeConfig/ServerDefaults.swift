/// Defaults and limits of the server, in one place, with the values of nats-server's
/// `server/const.go` and `setBaselineOptions` (`server/opts.go`).
package enum ServerDefaults {
    /// `DEFAULT_HOST`: all interfaces.
    package static let host = "0.0.0.0"
    /// `DEFAULT_PORT` for clients.
    package static let port = 4222
    /// `RANDOM_PORT`: a `port` of -1 asks for any free port (the listener binds port 0).
    package static let randomPort = -1
    /// `MAX_CONTROL_LINE_SIZE`: the longest protocol line (not counting payloads).
    package static let maxControlLineBytes = 4096
    /// `MAX_PAYLOAD_SIZE`: 1 MiB.
    package static let maxPayloadBytes = 1 << 20
    /// `MAX_PAYLOAD_MAX_SIZE`: above this nats-server warns that payloads are discouraged.
    package static let maxPayloadWarningBytes = 8 << 20
    /// `max_payload` and `max_control_line` must fit an Int32 (`server/opts.go`).
    package static let int32Max = Int64(Int32.max)
    /// `MAX_PENDING_SIZE`: 64 MiB of outbound data per client before it is a slow consumer.
    package static let maxPendingBytes: Int64 = 64 << 20
    /// `DEFAULT_MAX_CONNECTIONS`.
    package static let maxConnections = 64 * 1024
    /// `AUTH_TIMEOUT` without TLS (with TLS nats-server uses the TLS timeout plus one second).
    package static let authorizationTimeout = Duration.seconds(2)
    /// nats-server warns about an authorization timeout above a minute.
    package static let authorizationTimeoutWarning = Duration.seconds(60)
    /// `DEFAULT_PING_INTERVAL`.
    package static let pingInterval = Duration.seconds(120)
    /// `DEFAULT_PING_MAX_OUT`: unanswered pings before the connection is closed.
    package static let pingMaxOutstanding = 2
    /// `DEFAULT_FLUSH_DEADLINE`: how long a write may block.
    package static let writeDeadline = Duration.seconds(10)
    /// `DEFAULT_HTTP_PORT`, the usual monitoring port (monitoring is off unless a port is set).
    package static let httpPort = 8222
    /// `DEFAULT_HTTP_BASE_PATH`.
    package static let httpBasePath = "/"
    /// `DEFAULT_LAME_DUCK_DURATION`.
    package static let lameDuckDuration = Duration.seconds(120)
    /// The shortest `lame_duck_duration` nats-server accepts.
    package static let lameDuckDurationMin = Duration.seconds(30)
    /// `DEFAULT_LAME_DUCK_GRACE_PERIOD`.
    package static let lameDuckGracePeriod = Duration.seconds(10)
    /// `DEFAULT_MAX_CLOSED_CLIENTS`: closed connections remembered for monitoring.
    package static let maxClosedClients = 10_000
    /// `max_sub_tokens` is a `uint8` in nats-server.
    package static let maxSubscriptionTokensMax: Int64 = 255
    /// `defaultSyncInterval` of the file store: how often JetStream files are synced.
    package static let jetStreamSyncInterval = Duration.seconds(120)
    /// JetStream memory and file limits default to -1: "dynamic", a share of the machine.
    package static let jetStreamStorageDynamic: Int64 = -1
    /// `DEFAULT_ALLOW_RESPONSE_MAX_MSGS`.
    package static let allowResponsesMaxMessages = 1
    /// `DEFAULT_ALLOW_RESPONSE_EXPIRATION`.
    package static let allowResponsesExpiration = Duration.seconds(120)
    /// nats-server's `TLS_TIMEOUT`: time allowed for a TLS handshake.
    package static let tlsTimeout = Duration.seconds(2)
    /// `DEFAULT_SYSTEM_ACCOUNT`.
    package static let systemAccount = "$SYS"
    /// `DEFAULT_LEAFNODE_PORT`, where leafnode remotes connect when their URL has no port.
    package static let leafNodePort = 7422
}
