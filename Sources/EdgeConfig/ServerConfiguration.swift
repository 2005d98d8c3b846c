/// Everything the server is configured with: a plain value with nats-server's defaults, built
/// by ``ConfigurationLoader`` from a configuration file, then command-line flags applied on top
/// (``applying(_:)``).
///
/// Top-level keys, with their aliases (all case-insensitive, as in nats-server):
///
/// | key | field | default |
/// | --- | --- | --- |
/// | `listen` (`host:port` or port) | ``host``, ``port`` | `0.0.0.0:4222` |
/// | `host`, `net` | ``host`` | `0.0.0.0` |
/// | `port` (-1 for random) | ``port`` | 4222 |
/// | `server_name` | ``serverName`` | none (generated) |
/// | `client_advertise` | ``clientAdvertise`` (no effect: Outpost does not cluster) | none |
/// | `max_payload` | ``maxPayloadBytes`` | 1MB |
/// | `max_control_line` | ``maxControlLineBytes`` | 4096 |
/// | `max_connections`, `max_conn` | ``maxConnections`` | 65536 |
/// | `max_subscriptions`, `max_subs` | ``maxSubscriptions`` (0 for unlimited) | 0 |
/// | `max_sub_tokens` | ``maxSubscriptionTokens`` (0 for unlimited) | 0 |
/// | `max_pending` | ``maxPendingBytes`` | 64MB |
/// | `write_deadline` | ``writeDeadline`` | 10s |
/// | `ping_interval` | ``pingInterval`` | 2m |
/// | `ping_max` | ``pingMaxOutstanding`` | 2 |
/// | `lame_duck_duration` (>= 30s) | ``lameDuckDuration`` | 2m |
/// | `lame_duck_grace_period` | ``lameDuckGracePeriod`` | 10s |
/// | `debug`, `trace`, `trace_verbose`, `logtime`, `logtime_utc`, `log_file`, `log_size_limit`, `logfile_max_num`, `max_traced_msg_len` | ``logging`` | |
/// | `pid_file`, `pidfile` | ``pidFile`` | none |
/// | `ports_file_dir` | ``portsFileDirectory`` | none |
/// | `http_port`, `monitor_port`, `http`, `https_port`, `https`, `http_base_path` | ``monitoring`` | off |
/// | `no_header_support` | ``isHeaderSupportDisabled`` | false |
/// | `disable_sublist_cache`, `no_sublist_cache` | ``isSubjectIndexCacheDisabled`` | false |
/// | `max_closed_clients` | ``maxClosedClients`` | 10000 |
/// | `authorization` | ``authorization`` | none |
/// | `no_auth_user` | ``noAuthUser`` | none |
/// | `jetstream`, `store_dir` | ``jetStream`` | disabled |
/// | `system_account`, `system` | ``systemAccount`` | `$SYS` (server's choice) |
/// | `server_tags` | ``serverTags`` | none |
/// | `accounts`, `tls`, `websocket`, `mqtt`, `cluster`, `gateway`, `operator`, `resolver` | kept raw, with a warning | |
///
/// Other keys nats-server knows are kept in ``unsupportedSettings`` with a warning; keys it does
/// not know are errors.
package struct ServerConfiguration: Hashable, Sendable {
    /// The configuration file this came from, if any.
    package var configurationFile: String?

    // MARK: Client listener and limits

    /// The address clients connect to.
    package var host = ServerDefaults.host
    /// The client port; -1 asks for a random free port.
    package var port = ServerDefaults.port
    /// The server's name; nil to let the server generate one.
    package var serverName: String?
    /// The client URL advertised to a cluster; without effect in Outpost.
    package var clientAdvertise: String?
    /// The largest message payload accepted.
    package var maxPayloadBytes = ServerDefaults.maxPayloadBytes
    /// The longest protocol line accepted.
    package var maxControlLineBytes = ServerDefaults.maxControlLineBytes
    /// The most client connections at once (nats-server 2.12: 0 in the file means none).
    package var maxConnections = ServerDefaults.maxConnections
    /// The most subscriptions per connection; 0 for unlimited.
    package var maxSubscriptions = 0
    /// The most tokens in a subscription subject; 0 for unlimited.
    package var maxSubscriptionTokens = 0
    /// Outbound bytes buffered per client before it is a slow consumer.
    package var maxPendingBytes = ServerDefaults.maxPendingBytes
    /// How long a write to a client may block.
    package var writeDeadline = ServerDefaults.writeDeadline
    /// How often the server pings idle clients.
    package var pingInterval = ServerDefaults.pingInterval
    /// Unanswered pings before a client is disconnected.
    package var pingMaxOutstanding = ServerDefaults.pingMaxOutstanding
    /// How long lame duck mode spreads the closing of connections.
    package var lameDuckDuration = ServerDefaults.lameDuckDuration
    /// How long lame duck mode waits before it starts closing connections.
    package var lameDuckGracePeriod = ServerDefaults.lameDuckGracePeriod
    /// Closed connections remembered for monitoring.
    package var maxClosedClients = ServerDefaults.maxClosedClients
    /// `no_header_support`: do not offer message headers to clients.
    package var isHeaderSupportDisabled = false
    /// `disable_sublist_cache`: no match cache in the subject index.
    package var isSubjectIndexCacheDisabled = false

    // MARK: Process

    /// Logging.
    package var logging = LoggingConfiguration()
    /// HTTP monitoring.
    package var monitoring = MonitoringConfiguration()
    /// Where to write the process id.
    package var pidFile: String?
    /// Directory for the `<executable>_<pid>.ports` file.
    package var portsFileDirectory: String?
    /// `--event_loops`: event loop threads; nil for one per core (Outpost only).
    package var eventLoopCount: Int?

    // MARK: Security and features

    /// Client authentication.
    package var authorization = AuthorizationConfiguration()
    /// A user connections without credentials are treated as.
    package var noAuthUser: String?
    /// JetStream.
    package var jetStream = JetStreamConfiguration()
    /// The system account's name; nil for the server's default.
    package var systemAccount: String?
    /// `server_tags`.
    package var serverTags: [String] = []
    /// `leafnodes` (also `leaf`): the leafnode port and the remotes; nil when not configured.
    package var leafNodeSettings: LeafNodeSettings?

    // MARK: Kept for later

    /// `leafnodes` (also `leaf`), as written.
    package var leafNodes: ConfigValue?
    /// `accounts`, as written.
    package var accounts: ConfigValue?
    /// `accounts`, read: users, exports and imports of each.
    package var accountSettings: [AccountSettings] = []
    /// `tls`, as written.
    package var tls: ConfigValue?
    /// `tls` (or the `--tls*` flags): TLS on the client port.
    package var tlsSettings: TLSSettings?
    /// `allow_non_tls`: with TLS on the client port, plain clients are served too (INFO says
    /// `tls_available` instead of `tls_required`).
    package var allowNonTLS = false
    /// `websocket` (also `ws`), as written.
    package var websocket: ConfigValue?
    /// `websocket`: the WebSocket listener.
    package var webSocketSettings: WebSocketSettings?
    /// `mqtt`, as written.
    package var mqtt: ConfigValue?
    /// `cluster`, as written.
    package var cluster: ConfigValue?
    /// `gateway`, as written.
    package var gateway: ConfigValue?
    /// `operator` (and its aliases), as written.
    package var `operator`: ConfigValue?
    /// `resolver` (and its aliases), as written.
    package var resolver: ConfigValue?
    /// Other settings nats-server knows that Outpost ignores, by lower-cased key.
    package var unsupportedSettings: [String: ConfigValue] = [:]

    /// Creates the defaults: what a server started without file or flags runs with.
    package init() {}
}
