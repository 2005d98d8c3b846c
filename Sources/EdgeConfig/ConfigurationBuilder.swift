/// Maps the top-level keys of a parsed file onto a ``ServerConfiguration``, collecting errors
/// and warnings instead of stopping at the first (nats-server's `processConfigFileLine`).
struct ConfigurationBuilder {
    /// The file being mapped; nil when there is none.
    let file: String?
    var configuration = ServerConfiguration()
    var errors: [ConfigError] = []
    var warnings: [ConfigWarning] = []
    /// Where each setting was written, by canonical key, for errors found after mapping.
    var positions: [String: ConfigPosition] = [:]
    /// Where `store_dir` was set, at the top level or in `jetstream`, to refuse a second one.
    var storeDirectoryPosition: ConfigPosition?

    init(file: String?) {
        self.file = file
        configuration.configurationFile = file
    }

    mutating func process(_ map: ConfigMap) {
        if map.isEmpty, let file {
            warnings.append(
                ConfigWarning(.discouraged, "config has no values or is empty", at: ConfigPosition(file: file, line: 1, column: 1))
            )
        }
        for entry in map.entries {
            processTopLevel(entry)
        }
    }

    private mutating func processTopLevel(_ entry: ConfigMapEntry) {
        let key = entry.key
        let value = entry.value
        let at = entry.keyPosition
        switch key.lowercased() {
        case "listen":
            guard let hostPort = listenAddress(value, key: key, at: at) else { return }
            configuration.host = hostPort.host.isEmpty ? ServerDefaults.host : hostPort.host
            configuration.port = hostPort.port
            positions["port"] = at
        case "host", "net":
            if let host = string(value, key: key, at: at) { configuration.host = host }
        case "port":
            if let port = integer(value, key: key, at: at) {
                configuration.port = Int(port)
                positions["port"] = at
            }
        case "server_name":
            guard let name = string(value, key: key, at: at) else { return }
            guard !name.contains(" ") else {
                return fail(.invalidValue, "server name cannot contain spaces", at: at, key: key)
            }
            configuration.serverName = name
        case "client_advertise":
            guard let advertise = string(value, key: key, at: at) else { return }
            configuration.clientAdvertise = advertise
            warn(.unsupported, "has no effect: Outpost does not cluster, so it advertises no client URLs", at: at, key: key)
        case "debug":
            if let flag = bool(value, key: key, at: at) { configuration.logging.isDebugEnabled = flag }
        case "trace":
            if let flag = bool(value, key: key, at: at) { configuration.logging.isTraceEnabled = flag }
        case "trace_verbose":
            if let flag = bool(value, key: key, at: at) {
                configuration.logging.isTraceVerbose = flag
                configuration.logging.isTraceEnabled = flag
            }
        case "logtime":
            if let flag = bool(value, key: key, at: at) { configuration.logging.hasTimestamps = flag }
        case "logtime_utc":
            if let flag = bool(value, key: key, at: at) { configuration.logging.isTimestampUTC = flag }
        case "logfile", "log_file":
            if let path = string(value, key: key, at: at) { configuration.logging.file = path }
        case "logfile_size_limit", "log_size_limit":
            if let limit = integer(value, key: key, at: at) { configuration.logging.fileSizeLimitBytes = limit }
        case "logfile_max_num", "log_max_num":
            if let count = integer(value, key: key, at: at) { configuration.logging.fileCountMax = count }
        case "max_traced_msg_len":
            if let length = integer(value, key: key, at: at) { configuration.logging.maxTracedMessageLength = Int(length) }
        case "pidfile", "pid_file":
            if let path = string(value, key: key, at: at) { configuration.pidFile = path }
        case "ports_file_dir":
            if let path = string(value, key: key, at: at) { configuration.portsFileDirectory = path }
        case "max_control_line", "max_payload":
            guard let size = integer(value, key: key, at: at) else { return }
            guard size <= ServerDefaults.int32Max else {
                return fail(.invalidValue, "value is too big", at: at, key: key)
            }
            if key.lowercased() == "max_payload" {
                configuration.maxPayloadBytes = Int(size)
                positions["max_payload"] = at
            } else {
                configuration.maxControlLineBytes = Int(size)
            }
        case "max_pending":
            if let size = integer(value, key: key, at: at) {
                configuration.maxPendingBytes = size
                positions["max_pending"] = at
            }
        case "max_connections", "max_conn":
            // nats-server 2.12: 0 in a file means no client may connect (-1), not the default.
            if let count = integer(value, key: key, at: at) { configuration.maxConnections = count == 0 ? -1 : Int(count) }
        case "max_subscriptions", "max_subs":
            if let count = integer(value, key: key, at: at) { configuration.maxSubscriptions = Int(count) }
        case "max_sub_tokens", "max_subscription_tokens":
            guard let count = integer(value, key: key, at: at) else { return }
            if count > ServerDefaults.maxSubscriptionTokensMax {
                fail(.invalidValue, "value is too big", at: at, key: key)
            } else if count <= 0 {
                fail(.invalidValue, "value can not be negative", at: at, key: key)
            } else {
                configuration.maxSubscriptionTokens = Int(count)
            }
        case "max_closed_clients":
            if let count = integer(value, key: key, at: at) { configuration.maxClosedClients = Int(count) }
        case "ping_interval":
            if let interval = duration(value, key: key, at: at) { configuration.pingInterval = interval }
        case "ping_max":
            if let count = integer(value, key: key, at: at) { configuration.pingMaxOutstanding = Int(count) }
        case "write_deadline":
            if let deadline = duration(value, key: key, at: at) { configuration.writeDeadline = deadline }
        case "lame_duck_duration":
            guard let lameDuck = strictDuration(value, key: key, at: at) else { return }
            guard lameDuck >= ServerDefaults.lameDuckDurationMin else {
                return fail(
                    .invalidValue, "invalid lame_duck_duration of \(GoDuration.format(lameDuck)), minimum is 30 seconds",
                    at: at, key: key
                )
            }
            configuration.lameDuckDuration = lameDuck
            positions["lame_duck_duration"] = at
        case "lame_duck_grace_period":
            guard let grace = strictDuration(value, key: key, at: at) else { return }
            guard grace >= .zero else {
                return fail(.invalidValue, "invalid lame_duck_grace_period, needs to be positive", at: at, key: key)
            }
            configuration.lameDuckGracePeriod = grace
            positions["lame_duck_grace_period"] = at
        case "http", "https":
            guard let hostPort = listenAddress(value, key: key, at: at) else { return }
            configuration.monitoring.host = hostPort.host
            if key.lowercased() == "http" {
                configuration.monitoring.httpPort = hostPort.port
            } else {
                configuration.monitoring.httpsPort = hostPort.port
            }
        case "http_port", "monitor_port":
            if let port = integer(value, key: key, at: at) { configuration.monitoring.httpPort = Int(port) }
        case "https_port":
            if let port = integer(value, key: key, at: at) { configuration.monitoring.httpsPort = Int(port) }
        case "http_base_path":
            if let path = string(value, key: key, at: at) { configuration.monitoring.basePath = path }
        case "no_header_support":
            if let flag = bool(value, key: key, at: at) { configuration.isHeaderSupportDisabled = flag }
        case "disable_sublist_cache", "no_sublist_cache":
            if let flag = bool(value, key: key, at: at) { configuration.isSubjectIndexCacheDisabled = flag }
        case "authorization":
            processAuthorization(value, key: key, at: at)
        case "no_auth_user":
            if let user = string(value, key: key, at: at) {
                configuration.noAuthUser = user
                positions["no_auth_user"] = at
            }
        case "store_dir", "storedir":
            guard let directory = string(value, key: key, at: at) else { return }
            setStoreDirectory(directory, at: at, key: key)
        case "jetstream":
            processJetStream(value, key: key, at: at)
        case "system_account", "system":
            guard let account = value.stringValue else {
                return fail(.invalidType, "system account name must be a string", at: at, key: key)
            }
            configuration.systemAccount = account
        case "server_tags":
            processServerTags(value, key: key, at: at)
        case "leaf", "leafnodes":
            configuration.leafNodes = value
            processLeafNodes(value, key: key, at: at)
        case "accounts":
            configuration.accounts = value
            processAccounts(value, key: key, at: at)
        case "allow_non_tls":
            configuration.allowNonTLS = bool(value, key: key, at: at) ?? false
        case "tls":
            configuration.tls = value
            configuration.tlsSettings = tlsSettings(value, key: key, at: at)
        case "websocket", "ws":
            configuration.websocket = value
            configuration.webSocketSettings = webSocketSettings(value, key: key, at: at)
        case "mqtt":
            configuration.mqtt = value
            warn(.unsupported, "not supported: Outpost has no MQTT listener", at: at, key: key)
        case "cluster", "gateway":
            if key.lowercased() == "cluster" { configuration.cluster = value } else { configuration.gateway = value }
            warn(.unsupported, Self.doesNotCluster, at: at, key: key)
        case "operator", "operators", "roots", "root", "root_operators", "root_operator":
            configuration.operator = value
            warn(.unsupported, Self.noOperatorMode, at: at, key: key)
        case "resolver", "account_resolver", "accounts_resolver":
            configuration.resolver = value
            warn(.unsupported, Self.noOperatorMode, at: at, key: key)
        case let known where Self.unsupportedTopLevelKeys[known] != nil:
            configuration.unsupportedSettings[known] = value
            warn(.unsupported, Self.unsupportedTopLevelKeys[known]!, at: at, key: key)
        default:
            // Top-level entries used as $VARIABLES are definitions, not settings (opts.go).
            guard !entry.isReferencedAsVariable else { return }
            fail(.unknownField, "unknown field \"\(key)\"", at: at, key: nil)
        }
    }

    static let doesNotCluster = "not supported: Outpost does not cluster; connect it to a cluster as a leaf"
    static let noOperatorMode = "not supported: Outpost has no operator (JWT) mode; configure users in authorization"

    /// Keys nats-server knows (`server/opts.go`, 2.10 to 2.12) that Outpost ignores, and why.
    static let unsupportedTopLevelKeys: [String: String] = [
        "trace_headers": "not supported yet: ignored",
        "mappings": "not supported yet: subject mappings are ignored",
        "maps": "not supported yet: subject mappings are ignored",
        "default_sentinel": "not supported: Outpost has no operator (JWT) mode",
        "syslog": "not supported: Outpost logs to standard error or log_file",
        "remote_syslog": "not supported: Outpost logs to standard error or log_file",
        "prof_port": "not supported: Outpost has no profiling port",
        "prof_block_rate": "not supported: Outpost has no profiling port",
        "proxy_protocol": "not supported yet: ignored",
        "proxies": "not supported yet: ignored",
        "ocsp": "not supported: Outpost has no TLS yet",
        "ocsp_cache": "not supported: Outpost has no TLS yet",
        "write_timeout": "not supported yet: slow consumers are always closed",
        "resolver_tls": noOperatorMode,
        "resolver_preload": noOperatorMode,
        "resolver_pinned_accounts": noOperatorMode,
        "trusted": noOperatorMode,
        "trusted_keys": noOperatorMode,
        "no_system_account": "not supported yet: ignored",
        "no_system": "not supported yet: ignored",
        "no_sys_acc": "not supported yet: ignored",
        "connect_error_reports": "not supported yet: ignored",
        "reconnect_error_reports": "not supported yet: ignored",
        "server_metadata": "not supported yet: ignored",
        "default_js_domain": "not supported: Outpost has no accounts with their own JetStream domains",
        "no_fast_producer_stall": "not supported yet: ignored",
    ]

    // MARK: Small settings

    private mutating func processServerTags(_ value: ConfigValue, key: String, at: ConfigPosition) {
        switch value.kind {
        case .string(let tag):
            configuration.serverTags.append(tag)
        case .array(let elements):
            for element in elements {
                guard let tag = element.stringValue else {
                    return fail(
                        .invalidType, "error parsing tags: expected a string, got \(element.kind.typeName)",
                        at: element.position, key: key
                    )
                }
                configuration.serverTags.append(tag)
            }
        default:
            fail(.invalidType, "error parsing tags: expected a string or an array, got \(value.kind.typeName)", at: at, key: key)
        }
    }

    /// `store_dir` may be given once, at the top level or inside `jetstream`.
    mutating func setStoreDirectory(_ directory: String, at: ConfigPosition, key: String) {
        guard storeDirectoryPosition == nil else {
            return fail(.invalidValue, "Duplicate 'store_dir' configuration", at: at, key: key)
        }
        storeDirectoryPosition = at
        configuration.jetStream.storeDirectory = directory
    }

    /// `listen`, `http`, `https`: a port, or `host:port` (nats-server `parseListen`).
    private mutating func listenAddress(_ value: ConfigValue, key: String, at: ConfigPosition) -> HostPort? {
        switch value.kind {
        case .integer(let port):
            return HostPort(host: "", port: Int(port))
        case .string(let text):
            guard let (_, portText) = HostPort.split(text) else {
                fail(.invalidValue, "could not parse address string \"\(text)\"", at: at, key: key)
                return nil
            }
            guard let hostPort = HostPort(parsing: text) else {
                fail(.invalidValue, "could not parse port \"\(portText)\"", at: at, key: key)
                return nil
            }
            return hostPort
        default:
            fail(.invalidType, "expected port or host:port, got \(value.kind.typeName)", at: at, key: key)
            return nil
        }
    }
}
